// SPDX-License-Identifier: Apache-2.0
// --since and --until: UNIX seconds as the log writes them, or ISO 8601 as
// a person writes a date.
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "runner_metrics/flag_value.hpp"
#include "runner_metrics/time_text.hpp"

namespace runner_metrics {

namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool done() const { return pos_ == text_.size(); }
  bool peek(std::string_view any_of) const {
    return !done() && any_of.find(text_[pos_]) != std::string_view::npos;
  }
  bool take(std::string_view any_of) {
    if (!peek(any_of)) return false;
    ++pos_;
    return true;
  }
  // Exactly `count` decimal digits.
  bool number(int count, int& value) {
    value = 0;
    for (int i = 0; i < count; ++i) {
      if (!peek("0123456789")) return false;
      value = value * 10 + (text_[pos_++] - '0');
    }
    return true;
  }
  // One or more digits, as the fraction they make after a decimal point.
  bool fraction(double& value) {
    std::string digits = "0.";
    while (peek("0123456789")) digits += text_[pos_++];
    if (digits.size() == 2) return false;
    return std::from_chars(digits.data(), digits.data() + digits.size(), value).ec == std::errc{};
  }

 private:
  std::string_view text_;
  std::size_t pos_ = 0;
};

// YYYY-MM-DD[(T| )hh:mm[:ss[.fff]][Z|±hh[:]mm]], UTC unless an offset says otherwise.
std::optional<double> parse_iso8601(std::string_view text) {
  Cursor in(text);
  int year = 0, month = 0, day = 0;
  if (!in.number(4, year) || !in.take("-") || !in.number(2, month) || !in.take("-") ||
      !in.number(2, day)) {
    return std::nullopt;
  }
  const std::chrono::year_month_day date{std::chrono::year{year},
                                         std::chrono::month{static_cast<unsigned>(month)},
                                         std::chrono::day{static_cast<unsigned>(day)}};
  if (!date.ok()) return std::nullopt;
  std::int64_t seconds =
      std::int64_t{std::chrono::sys_days{date}.time_since_epoch().count()} * 86400;
  double fraction = 0;
  if (!in.done()) {
    int hour = 0, minute = 0, second = 0;
    if (!in.take("Tt ") || !in.number(2, hour) || !in.take(":") || !in.number(2, minute)) {
      return std::nullopt;
    }
    if (in.take(":")) {
      if (!in.number(2, second)) return std::nullopt;
      if (in.take(".,") && !in.fraction(fraction)) return std::nullopt;
    }
    if (hour > 23 || minute > 59 || second > 59) return std::nullopt;
    seconds += hour * 3600 + minute * 60 + second;
    if (in.peek("+-")) {
      const int sign = in.take("-") ? -1 : 1;
      if (sign > 0) in.take("+");
      int offset_hours = 0, offset_minutes = 0;
      if (!in.number(2, offset_hours)) return std::nullopt;
      in.take(":");
      if (!in.number(2, offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
        return std::nullopt;
      }
      seconds -= sign * (offset_hours * 3600 + offset_minutes * 60);
    } else {
      in.take("Zz");
    }
  }
  if (!in.done()) return std::nullopt;
  return static_cast<double>(seconds) + fraction;
}

}  // namespace

std::optional<double> parse_time(std::string_view text) {
  double seconds = 0;
  if (!parse_flag_value(text, seconds, "time", Range::Any)) return seconds;
  return parse_iso8601(text);
}

}  // namespace runner_metrics
