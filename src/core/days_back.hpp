// The days-back rule: which dated rows a grant's window admits.
#pragma once

#include <cstdint>
#include <limits>

namespace customer_access {

// Dates are day numbers as PostgreSQL's DateADT counts them; the extremes are the
// infinities, which fall naturally at either end of the comparison below.
using DayNumber = std::int32_t;
inline constexpr DayNumber kMinusInfinityDay = std::numeric_limits<DayNumber>::min();
inline constexpr DayNumber kInfinityDay = std::numeric_limits<DayNumber>::max();
// The first and the last day a PostgreSQL date can hold (4714-11-24 BC, 5874897-12-31).
inline constexpr DayNumber kFirstDateDay = -2451545;
inline constexpr DayNumber kLastDateDay = 2145031948;

// A grant's window: unlimited, or the last days_back days (days_back >= 0).
struct Window {
    bool unlimited;
    std::int32_t days_back;
};

// The first day a limited window admits, computed without overflow for any days_back.
inline constexpr std::int64_t first_visible_day(DayNumber today, std::int32_t days_back) {
    return static_cast<std::int64_t>(today) - days_back;
}

// TRUE when the window admits a row dated doc_date (has_date false: an undated/NULL date).
// A NULL date passes only an unlimited window; future dates pass every window.
inline constexpr bool window_admits(Window w, bool has_date, DayNumber doc_date, DayNumber today) {
    if (w.unlimited)
        return true;
    if (!has_date)
        return false;
    return static_cast<std::int64_t>(doc_date) >= first_visible_day(today, w.days_back);
}

// The earliest day any of a user's windows admits, folded over their grants: -infinity once a
// window is unlimited (or reaches before the first day a date can hold), +infinity while
// there is none. A lower bound on the dates of every row the grants admit that has a date.
class EarliestVisibleDay {
  public:
    constexpr void add(Window w, DayNumber today) {
        if (w.unlimited) {
            day_ = kMinusInfinityDay;
            return;
        }
        std::int64_t first = first_visible_day(today, w.days_back);
        DayNumber clamped = first < kFirstDateDay  ? kMinusInfinityDay
                            : first > kLastDateDay ? kInfinityDay
                                                   : static_cast<DayNumber>(first);
        if (clamped < day_)
            day_ = clamped;
    }
    constexpr DayNumber day() const { return day_; }

  private:
    DayNumber day_ = kInfinityDay;
};

// Whether the change from one window to another narrows it (used to protect Owners).
inline constexpr bool window_narrows(Window from, Window to) {
    if (from.unlimited)
        return !to.unlimited;
    return !to.unlimited && to.days_back < from.days_back;
}

}  // namespace customer_access
