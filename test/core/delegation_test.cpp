#include "delegation.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

namespace {
constexpr Timestamp kNow = 800'000'000'000'000;
constexpr Timestamp kDay = 86'400'000'000;
constexpr Window kUnlimited{true, 0};
constexpr Window days(int n) {
    return Window{false, n};
}
Grant grant(Level level, Window window, Timestamp expires_at = kNeverExpires) {
    return Grant{true, level, window, expires_at};
}
const Grant kNone{false, 0, kUnlimited};
}  // namespace

TEST(Delegation, OnlyAdminsAndOwnersInForceManage) {
    for (const RoleInfo &r : kRoles)
        EXPECT_EQ(manages_customer(grant(r.level, kUnlimited), kNow), r.level >= 80) << r.code;
    EXPECT_FALSE(manages_customer(kNone, kNow));
    Grant none_but_admin{false, 90, kUnlimited};
    EXPECT_FALSE(manages_customer(none_but_admin, kNow));
    EXPECT_TRUE(manages_customer(grant(80, kUnlimited, kNow + 1), kNow));
    EXPECT_FALSE(manages_customer(grant(80, kUnlimited, kNow), kNow));
    EXPECT_FALSE(manages_customer(grant(90, kUnlimited, kNow - kDay), kNow));
}

TEST(Delegation, NobodyGivesAHigherRole) {
    Grant admin = grant(80, kUnlimited), owner = grant(90, kUnlimited);
    for (const RoleInfo &r : kRoles) {
        EXPECT_EQ(judge_delegation(admin, grant(r.level, kUnlimited), kNow),
                  r.level <= 80 ? Delegation::kAllowed : Delegation::kRoleAbove)
            << r.code;
        EXPECT_EQ(judge_delegation(owner, grant(r.level, kUnlimited), kNow), Delegation::kAllowed);
    }
    // Owner is given by an Owner only
    EXPECT_EQ(judge_delegation(admin, grant(90, days(1)), kNow), Delegation::kRoleAbove);
}

TEST(Delegation, NonManagersGiveNothing) {
    for (Level level : {10, 20, 30, 40})
        EXPECT_EQ(judge_delegation(grant(level, kUnlimited), grant(10, days(0)), kNow),
                  Delegation::kNotManager);
    EXPECT_EQ(judge_delegation(kNone, grant(10, days(0)), kNow), Delegation::kNotManager);
    // an expired Admin is no Admin
    EXPECT_EQ(judge_delegation(grant(80, kUnlimited, kNow), grant(10, days(0)), kNow),
              Delegation::kNotManager);
}

TEST(Delegation, WindowNoWider) {
    Grant admin90 = grant(80, days(90));
    EXPECT_EQ(judge_delegation(admin90, grant(30, days(90)), kNow), Delegation::kAllowed);
    EXPECT_EQ(judge_delegation(admin90, grant(30, days(0)), kNow), Delegation::kAllowed);
    EXPECT_EQ(judge_delegation(admin90, grant(30, days(91)), kNow), Delegation::kWindowWider);
    EXPECT_EQ(judge_delegation(admin90, grant(30, kUnlimited), kNow), Delegation::kWindowWider);
    Grant unlimited = grant(80, kUnlimited);
    EXPECT_EQ(judge_delegation(unlimited, grant(30, kUnlimited), kNow), Delegation::kAllowed);
    EXPECT_EQ(judge_delegation(unlimited, grant(30, days(2147483647)), kNow), Delegation::kAllowed);
    EXPECT_EQ(judge_delegation(unlimited, grant(30, days(-1)), kNow), Delegation::kInvalid);
}

TEST(Delegation, NoGrantOutlivesTheGivers) {
    Grant until_friday = grant(80, kUnlimited, kNow + 3 * kDay);
    EXPECT_EQ(judge_delegation(until_friday, grant(30, kUnlimited, kNow + 3 * kDay), kNow),
              Delegation::kAllowed);
    EXPECT_EQ(judge_delegation(until_friday, grant(30, kUnlimited, kNow + kDay), kNow),
              Delegation::kAllowed);
    EXPECT_EQ(judge_delegation(until_friday, grant(30, kUnlimited, kNow + 3 * kDay + 1), kNow),
              Delegation::kOutlives);
    EXPECT_EQ(judge_delegation(until_friday, grant(30, kUnlimited), kNow), Delegation::kOutlives);
    // an expiry in the past is allowed: the grant is simply expired
    EXPECT_EQ(judge_delegation(until_friday, grant(30, kUnlimited, kNow - kDay), kNow),
              Delegation::kAllowed);
    // a giver who never expires gives any expiry
    EXPECT_EQ(judge_delegation(grant(90, kUnlimited), grant(80, kUnlimited, kNow + kDay), kNow),
              Delegation::kAllowed);
}

TEST(Delegation, RulesInOrderOfTheMessage) {
    // a wider window and a later expiry together: the window is named first
    Grant admin = grant(80, days(7), kNow + kDay);
    EXPECT_EQ(judge_delegation(admin, grant(80, days(8), kNeverExpires), kNow),
              Delegation::kWindowWider);
    EXPECT_EQ(judge_delegation(admin, grant(90, days(8), kNeverExpires), kNow),
              Delegation::kRoleAbove);
}

TEST(Delegation, CopyingEveryGrantNeedsReadingAndWritingThemAll) {
    EXPECT_TRUE(copies_every_grant(true, true));
    EXPECT_FALSE(copies_every_grant(true, false));
    EXPECT_FALSE(copies_every_grant(false, true));
    EXPECT_FALSE(copies_every_grant(false, false));
}
