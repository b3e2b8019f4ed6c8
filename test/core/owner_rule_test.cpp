#include "owner_rule.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace customer_access;

namespace {
constexpr Window kUnlimited{true, 0};
constexpr Window days(int n) {
    return Window{false, n};
}
}  // namespace

TEST(OwnerRule, NonOwnersMayChangeFreely) {
    Grant admin{true, 80, days(30)};
    Grant basic{true, 10, days(0)};
    EXPECT_EQ(check_owner_change(admin, nullptr, false), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_change(admin, &basic, true), OwnerChange::kAllowed);
}

TEST(OwnerRule, OwnerCannotBeDeletedOrDowngraded) {
    Grant owner{true, 90, kUnlimited};
    EXPECT_EQ(check_owner_change(owner, nullptr, false), OwnerChange::kDelete);
    for (const RoleInfo &r : kRoles) {
        Grant after{true, r.level, kUnlimited};
        EXPECT_EQ(check_owner_change(owner, &after, false),
                  r.level == kOwnerLevel ? OwnerChange::kAllowed : OwnerChange::kRoleChange);
    }
}

TEST(OwnerRule, OwnerCannotMove) {
    Grant owner{true, 90, days(5)};
    EXPECT_EQ(check_owner_change(owner, &owner, true), OwnerChange::kKeyChange);
}

TEST(OwnerRule, WindowMayWidenButNotNarrow) {
    Grant limited{true, 90, days(30)};
    Grant wider{true, 90, days(31)}, same{true, 90, days(30)}, narrower{true, 90, days(29)},
        zero{true, 90, days(0)};
    Grant unlimited{true, 90, kUnlimited};
    EXPECT_EQ(check_owner_change(limited, &wider, false), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_change(limited, &same, false), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_change(limited, &unlimited, false), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_change(limited, &narrower, false), OwnerChange::kWindowNarrows);
    EXPECT_EQ(check_owner_change(limited, &zero, false), OwnerChange::kWindowNarrows);
    EXPECT_EQ(check_owner_change(unlimited, &unlimited, false), OwnerChange::kAllowed);
    Grant max{true, 90, days(2147483647)};
    EXPECT_EQ(check_owner_change(unlimited, &max, false), OwnerChange::kWindowNarrows);
}

TEST(OwnerRule, AnOwnerNeverExpires) {
    constexpr Timestamp kSoon = 800'000'000'000'000;
    Grant owner{true, 90, kUnlimited};
    Grant expiring{true, 90, kUnlimited, kSoon};
    Grant admin_expiring{true, 80, kUnlimited, kSoon};
    Grant infinite{true, 90, kUnlimited, kNeverExpires};
    // inserting one
    EXPECT_EQ(check_owner_insert(expiring), OwnerChange::kExpires);
    EXPECT_EQ(check_owner_insert(owner), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_insert(admin_expiring), OwnerChange::kAllowed);
    Grant expired_owner{true, 90, kUnlimited, kMinusInfinityTime};
    EXPECT_EQ(check_owner_insert(expired_owner), OwnerChange::kExpires);
    // giving an Owner an expiry
    EXPECT_EQ(check_owner_change(owner, &expiring, false), OwnerChange::kExpires);
    EXPECT_EQ(check_owner_change(owner, &infinite, false), OwnerChange::kAllowed);
    // making an expiring grant an Owner without clearing the expiry
    EXPECT_EQ(check_owner_change(admin_expiring, &expiring, false), OwnerChange::kExpires);
    EXPECT_EQ(check_owner_change(admin_expiring, &owner, false), OwnerChange::kAllowed);
    // clearing it on a (restored or overridden) expiring Owner is fine
    EXPECT_EQ(check_owner_change(expiring, &owner, false), OwnerChange::kAllowed);
    // the other refusals come first
    Grant expiring_admin_after{true, 80, kUnlimited, kSoon};
    EXPECT_EQ(check_owner_change(owner, &expiring_admin_after, false), OwnerChange::kRoleChange);
}

TEST(OwnerRule, EveryRefusalNamesOwnerAccess) {
    for (OwnerChange c : {OwnerChange::kDelete, OwnerChange::kRoleChange, OwnerChange::kKeyChange,
                          OwnerChange::kWindowNarrows, OwnerChange::kExpires}) {
        EXPECT_NE(std::string(owner_change_text(c).refusal).find("Owner access cannot"),
                  std::string::npos);
        EXPECT_GT(std::string(owner_change_text(c).doing).size(), 5u);
    }
    EXPECT_STREQ(owner_change_text(OwnerChange::kDelete).doing, "deleting the grant");
}
