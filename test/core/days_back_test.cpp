#include "days_back.hpp"
#include "grant_cache.hpp"

#include <gtest/gtest.h>

#include <climits>

using namespace customer_access;

namespace {
constexpr Window kUnlimited{true, 0};
constexpr Window days(int n) {
    return Window{false, n};
}
constexpr DayNumber kToday = 9000;
}  // namespace

TEST(DaysBack, BoundaryDayIsInside) {
    EXPECT_TRUE(window_admits(days(30), true, kToday - 30, kToday));
    EXPECT_FALSE(window_admits(days(30), true, kToday - 31, kToday));
    EXPECT_TRUE(window_admits(days(30), true, kToday, kToday));
}

TEST(DaysBack, ZeroWindowAdmitsTodayAndFuture) {
    EXPECT_TRUE(window_admits(days(0), true, kToday, kToday));
    EXPECT_TRUE(window_admits(days(0), true, kToday + 1000, kToday));
    EXPECT_FALSE(window_admits(days(0), true, kToday - 1, kToday));
}

TEST(DaysBack, NullDatePassesOnlyUnlimited) {
    EXPECT_TRUE(window_admits(kUnlimited, false, 0, kToday));
    EXPECT_FALSE(window_admits(days(INT_MAX), false, 0, kToday));
    EXPECT_FALSE(window_admits(days(0), false, 0, kToday));
}

TEST(DaysBack, InfinitiesAndExtremesDoNotOverflow) {
    EXPECT_TRUE(window_admits(days(0), true, kInfinityDay, kToday));
    EXPECT_FALSE(window_admits(days(INT_MAX), true, kMinusInfinityDay, kToday));
    EXPECT_TRUE(window_admits(kUnlimited, true, kMinusInfinityDay, kToday));
    EXPECT_TRUE(window_admits(days(INT_MAX), true, kMinusInfinityDay + 1, kMinusInfinityDay + 1));
    // a huge window reaches far into the past without wrapping around
    EXPECT_TRUE(window_admits(days(INT_MAX), true, -2000000000, kToday));
    EXPECT_EQ(first_visible_day(kMinusInfinityDay, INT_MAX),
              static_cast<std::int64_t>(INT_MIN) - INT_MAX);
}

TEST(DaysBack, WindowNarrowing) {
    EXPECT_TRUE(window_narrows(kUnlimited, days(INT_MAX)));
    EXPECT_FALSE(window_narrows(days(5), kUnlimited));
    EXPECT_TRUE(window_narrows(days(5), days(4)));
    EXPECT_FALSE(window_narrows(days(5), days(5)));
    EXPECT_FALSE(window_narrows(kUnlimited, kUnlimited));
}

TEST(GrantAdmits, RoleAndWindowTogether) {
    Grant billing{true, 40, days(10)};
    constexpr Timestamp kNow = 800'000'000'000'000;
    EXPECT_TRUE(grant_admits(billing, 10, true, kToday, kToday, kNow));
    EXPECT_TRUE(grant_admits(billing, 40, true, kToday - 10, kToday, kNow));
    EXPECT_FALSE(grant_admits(billing, 80, true, kToday, kToday, kNow));
    EXPECT_FALSE(grant_admits(billing, 40, true, kToday - 11, kToday, kNow));
    Grant none{false, 90, kUnlimited};
    EXPECT_FALSE(grant_admits(none, 10, false, 0, kToday, kNow));
}

TEST(EarliestVisibleDay, FoldsTheWindows) {
    EarliestVisibleDay none;
    EXPECT_EQ(none.day(), kInfinityDay);
    EarliestVisibleDay some;
    some.add(Window{false, 30}, 1000);
    some.add(Window{false, 90}, 1000);
    some.add(Window{false, 7}, 1000);
    EXPECT_EQ(some.day(), 910);
    some.add(Window{true, 0}, 1000);
    EXPECT_EQ(some.day(), kMinusInfinityDay);
    some.add(Window{false, 1}, 1000);
    EXPECT_EQ(some.day(), kMinusInfinityDay);
    EarliestVisibleDay far;
    far.add(Window{false, std::numeric_limits<std::int32_t>::max()}, -1000);
    EXPECT_EQ(far.day(), kMinusInfinityDay);
    EarliestVisibleDay before_dates;  // reaches before 4714 BC from today: -infinity
    before_dates.add(Window{false, std::numeric_limits<std::int32_t>::max()}, 9800);
    EXPECT_EQ(before_dates.day(), kMinusInfinityDay);
    EarliestVisibleDay first_day;
    first_day.add(Window{false, 10}, kFirstDateDay + 10);
    EXPECT_EQ(first_day.day(), kFirstDateDay);
    // every admitted dated row is on or after the fold
    for (std::int32_t days : {0, 1, 30, 365}) {
        EarliestVisibleDay one;
        one.add(Window{false, days}, 5000);
        for (DayNumber doc = 4000; doc < 6000; doc += 7) {
            if (window_admits(Window{false, days}, true, doc, 5000)) {
                EXPECT_GE(doc, one.day());
            }
        }
    }
}
