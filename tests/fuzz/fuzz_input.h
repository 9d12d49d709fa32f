// FuzzInput: the few helpers the libFuzzer targets in tests/fuzz share. A target's input is
// usually a selector byte that picks the parser variant, then the text to parse. Header-only,
// so the same target source builds under clang's libFuzzer and under the replay driver
// (tests/fuzz/replay_main.cc) in the g++ test build.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

namespace steadystate::fuzz {

// The bytes of one fuzz input, consumed from the front.
class FuzzInput {
 public:
  FuzzInput(const uint8_t* data, size_t size) : rest_(reinterpret_cast<const char*>(data), size) {}

  // The first byte (0 when the input is empty), removed from the input.
  uint8_t TakeByte() {
    if (rest_.empty()) return 0;
    auto byte = static_cast<uint8_t>(rest_.front());
    rest_.remove_prefix(1);
    return byte;
  }

  // Up to the first '\0' (or everything), removed from the input with the '\0'. Lets one
  // input carry several texts.
  std::string_view TakeUntilNul() {
    size_t nul = rest_.find('\0');
    std::string_view part = rest_.substr(0, nul);
    rest_.remove_prefix(nul == std::string_view::npos ? rest_.size() : nul + 1);
    return part;
  }

  std::string_view Rest() const { return rest_; }

 private:
  std::string_view rest_;
};

// A property of the code under test failed: report it like a crash, so libFuzzer (or the
// replay test) stops and keeps the input.
[[noreturn]] inline void FuzzCheckFailed(const char* what, const char* file, int line) {
  std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", file, line, what);
  std::abort();
}

}  // namespace steadystate::fuzz

#define FUZZ_CHECK(condition) \
  ((condition) ? void(0) : ::steadystate::fuzz::FuzzCheckFailed(#condition, __FILE__, __LINE__))
