// OptionalSeconds: a duration in seconds that may be absent, in the 8 bytes of a double
// (a quiet NaN marks "absent") instead of std::optional<double>'s 16. The correlation
// engine keeps eight of them per incident, for a million incidents at a time, so the
// difference is 64 MB (the 1M-incident memory budget).
//
// It reads like std::optional<double> (has_value, operator bool, *, value, value_or,
// reset, comparison with a double, another OptionalSeconds or std::nullopt) and converts
// implicitly to and from std::optional<double>. A NaN assigned to it is absent: durations
// computed from instants are never NaN. Plain value type; not synchronised.
#pragma once

#include <cmath>
#include <limits>
#include <optional>
#include <ostream>

namespace steadystate::incidents {

class OptionalSeconds {
 public:
  // Implicit, like std::optional's: `ttr_seconds = 600`, `= std::nullopt`, `= optional`.
  constexpr OptionalSeconds() = default;
  constexpr OptionalSeconds(std::nullopt_t) {}
  constexpr OptionalSeconds(double seconds) : seconds_(seconds) {}
  constexpr OptionalSeconds(const std::optional<double>& seconds)
      : seconds_(seconds.value_or(kAbsent)) {}

  bool has_value() const { return !std::isnan(seconds_); }
  explicit operator bool() const { return has_value(); }
  constexpr double operator*() const { return seconds_; }
  double value() const {
    if (!has_value()) throw std::bad_optional_access();
    return seconds_;
  }
  double value_or(double fallback) const { return has_value() ? seconds_ : fallback; }
  constexpr void reset() { seconds_ = kAbsent; }

  operator std::optional<double>() const {
    if (!has_value()) return std::nullopt;
    return seconds_;
  }

  friend bool operator==(OptionalSeconds a, OptionalSeconds b) {
    return a.has_value() ? b.has_value() && a.seconds_ == b.seconds_ : !b.has_value();
  }
  friend bool operator==(OptionalSeconds a, double b) { return a.has_value() && a.seconds_ == b; }
  friend bool operator==(OptionalSeconds a, std::nullopt_t) { return !a.has_value(); }
  friend std::ostream& operator<<(std::ostream& out, OptionalSeconds s) {
    if (!s.has_value()) return out << "(nullopt)";
    return out << s.seconds_;
  }

 private:
  static constexpr double kAbsent = std::numeric_limits<double>::quiet_NaN();
  double seconds_ = kAbsent;
};

}  // namespace steadystate::incidents
