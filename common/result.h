// Result<T>: the value of an operation that can fail in an expected way, or an Error
// that says what went wrong in words a user can act on. Library exceptions are caught at
// module edges and turned into these.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace steadystate {

enum class ErrorCode {
  kInvalidInput,  // bad config, flag, request body: exit 2 / HTTP 400
  kNotFound,
  kBusy,         // held by another process (DB lock)
  kIo,           // disk, network
  kUnavailable,  // a dependency cannot be reached right now
  kCorruption,
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
};

inline Error MakeError(ErrorCode code, std::string message) { return {code, std::move(message)}; }

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : data_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return data_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(data_); }
  const T& value() const& { return std::get<0>(data_); }
  T&& value() && { return std::get<0>(std::move(data_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(data_); }

 private:
  std::variant<T, Error> data_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

using Status = Result<void>;

inline Status OkStatus() { return {}; }

}  // namespace steadystate

// Returns the error of a Status or Result expression from the enclosing function.
#define RETURN_IF_ERROR(expr)                                           \
  do {                                                                  \
    if (auto&& status_ = (expr); !status_.ok()) return status_.error(); \
  } while (false)
