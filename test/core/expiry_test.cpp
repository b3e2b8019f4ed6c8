#include "expiry.hpp"
#include "grant_cache.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {
constexpr Timestamp kNow = 800'000'000'000'000;  // some time in 2025
constexpr DayNumber kToday = 9259;
constexpr Window kUnlimited{true, 0};
}  // namespace

TEST(Expiry, CountsOnlyBeforeExpiresAt) {
    EXPECT_TRUE(in_force(kNow + 1, kNow));
    EXPECT_FALSE(in_force(kNow, kNow));  // expiring exactly at now(): expired
    EXPECT_FALSE(in_force(kNow - 1, kNow));
    EXPECT_TRUE(in_force(kNeverExpires, kNow));
    EXPECT_FALSE(in_force(kMinusInfinityTime, kNow));
}

TEST(Expiry, AGrantWithoutExpiryNeverExpires) {
    Grant plain{true, 30, kUnlimited};
    EXPECT_EQ(plain.expires_at, kNeverExpires);
    EXPECT_TRUE(grant_in_force(plain, kNow));
    EXPECT_TRUE(grant_in_force(plain, kNeverExpires - 1));
}

TEST(Expiry, GrantAdmitsIgnoresExpiredGrants) {
    Grant temporary{true, 30, kUnlimited, kNow + 10};
    EXPECT_TRUE(grant_admits(temporary, 30, true, kToday, kToday, kNow));
    EXPECT_TRUE(grant_admits(temporary, 30, true, kToday, kToday, kNow + 9));
    EXPECT_FALSE(grant_admits(temporary, 30, true, kToday, kToday, kNow + 10));
    EXPECT_FALSE(grant_admits(temporary, 10, false, 0, kToday, kNow + 11));
    // an expiry does not resurrect a missing grant
    Grant none{false, 90, kUnlimited, kNeverExpires};
    EXPECT_FALSE(grant_in_force(none, kNow));
}

TEST(Expiry, ShorteningIsEndingSooner) {
    EXPECT_TRUE(expiry_shortens(kNeverExpires, kNow));
    EXPECT_TRUE(expiry_shortens(kNow, kNow - 1));
    EXPECT_FALSE(expiry_shortens(kNow, kNow));
    EXPECT_FALSE(expiry_shortens(kNow, kNeverExpires));
    EXPECT_FALSE(expiry_shortens(kNeverExpires, kNeverExpires));
}

TEST(InForceSpan, NoGrantsHoldForever) {
    InForceSpan span;
    EXPECT_TRUE(span.covers(kMinusInfinityTime));
    EXPECT_TRUE(span.covers(kNow));
    EXPECT_FALSE(span.covers(kNeverExpires));  // no now is infinite
}

TEST(InForceSpan, EndsAtTheNextExpiryAndStartsAtTheLast) {
    InForceSpan span;
    for (Timestamp e : {kNow - 50, kNow - 20, kNow, kNow + 30, kNow + 70, kNeverExpires})
        span.add(e, kNow);
    EXPECT_TRUE(span.covers(kNow));
    EXPECT_TRUE(span.covers(kNow + 29));
    EXPECT_FALSE(span.covers(kNow + 30));  // the grant expiring then is out from then on
    EXPECT_FALSE(span.covers(kNow - 1));   // the grant expiring at kNow was still in then
}

TEST(InForceSpan, AnyNowInsideSeesTheSameGrants) {
    const Timestamp expiries[] = {kNow - 7, kNow - 3, kNow + 2, kNow + 5, kNow + 11};
    for (Timestamp asked = kNow - 12; asked <= kNow + 12; ++asked) {
        InForceSpan span;
        for (Timestamp e : expiries)
            span.add(e, asked);
        for (Timestamp other = kNow - 12; other <= kNow + 12; ++other) {
            bool same = true;
            for (Timestamp e : expiries)
                same = same && in_force(e, asked) == in_force(e, other);
            EXPECT_EQ(span.covers(other), same) << asked << " " << other;
        }
    }
}
