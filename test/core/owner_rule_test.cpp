#include "owner_rule.hpp"

#include <gtest/gtest.h>

#include <string>

using namespace customer_access;

namespace {
constexpr Window kUnlimited{true, 0};
constexpr Window days(int n) {
    return Window{false, n};
}
// Whether a test row's expires_at is given (not NULL): here, whenever it is finite.
bool given(const Grant &g) {
    return g.expires_at != kNeverExpires;
}
}  // namespace

TEST(OwnerRule, NonOwnersMayChangeFreely) {
    Grant admin{true, 80, days(30)};
    Grant basic{true, 10, days(0)};
    EXPECT_EQ(check_owner_change(admin, nullptr, false, false), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_change(admin, &basic, true, given(basic)), OwnerChange::kAllowed);
}

TEST(OwnerRule, OwnerCannotBeDeletedOrDowngraded) {
    Grant owner{true, 90, kUnlimited};
    EXPECT_EQ(check_owner_change(owner, nullptr, false, false), OwnerChange::kDelete);
    for (const RoleInfo &r : kRoles) {
        Grant after{true, r.level, kUnlimited};
        EXPECT_EQ(check_owner_change(owner, &after, false, given(after)),
                  r.level == kOwnerLevel ? OwnerChange::kAllowed : OwnerChange::kRoleChange);
    }
}

TEST(OwnerRule, OwnerCannotMove) {
    Grant owner{true, 90, days(5)};
    EXPECT_EQ(check_owner_change(owner, &owner, true, given(owner)), OwnerChange::kKeyChange);
}

TEST(OwnerRule, WindowMayWidenButNotNarrow) {
    Grant limited{true, 90, days(30)};
    Grant wider{true, 90, days(31)}, same{true, 90, days(30)}, narrower{true, 90, days(29)},
        zero{true, 90, days(0)};
    Grant unlimited{true, 90, kUnlimited};
    EXPECT_EQ(check_owner_change(limited, &wider, false, given(wider)), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_change(limited, &same, false, given(same)), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_change(limited, &unlimited, false, given(unlimited)),
              OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_change(limited, &narrower, false, given(narrower)),
              OwnerChange::kWindowNarrows);
    EXPECT_EQ(check_owner_change(limited, &zero, false, given(zero)), OwnerChange::kWindowNarrows);
    EXPECT_EQ(check_owner_change(unlimited, &unlimited, false, given(unlimited)),
              OwnerChange::kAllowed);
    Grant max{true, 90, days(2147483647)};
    EXPECT_EQ(check_owner_change(unlimited, &max, false, given(max)), OwnerChange::kWindowNarrows);
}

TEST(OwnerRule, AnOwnerNeverExpires) {
    constexpr Timestamp kSoon = 800'000'000'000'000;
    Grant owner{true, 90, kUnlimited};
    Grant expiring{true, 90, kUnlimited, kSoon};
    Grant admin_expiring{true, 80, kUnlimited, kSoon};
    Grant infinite{true, 90, kUnlimited, kNeverExpires};
    // inserting one
    EXPECT_EQ(check_owner_insert(expiring, given(expiring)), OwnerChange::kExpires);
    EXPECT_EQ(check_owner_insert(owner, given(owner)), OwnerChange::kAllowed);
    EXPECT_EQ(check_owner_insert(admin_expiring, given(admin_expiring)), OwnerChange::kAllowed);
    Grant expired_owner{true, 90, kUnlimited, kMinusInfinityTime};
    EXPECT_EQ(check_owner_insert(expired_owner, given(expired_owner)), OwnerChange::kExpires);
    // giving an Owner an expiry
    EXPECT_EQ(check_owner_change(owner, &expiring, false, given(expiring)), OwnerChange::kExpires);
    EXPECT_EQ(check_owner_change(owner, &infinite, false, given(infinite)), OwnerChange::kAllowed);
    // expires_at 'infinity' given to an Owner is an expires_at all the same (only NULL is
    // "never" for an Owner): on INSERT, UPDATE, and making such a grant an Owner
    Grant admin_infinite{true, 80, kUnlimited, kNeverExpires};
    EXPECT_EQ(check_owner_insert(infinite, true), OwnerChange::kExpires);
    EXPECT_EQ(check_owner_change(owner, &infinite, false, true), OwnerChange::kExpires);
    EXPECT_EQ(check_owner_change(admin_infinite, &infinite, false, true), OwnerChange::kExpires);
    EXPECT_EQ(check_owner_insert(admin_infinite, true), OwnerChange::kAllowed);
    // making an expiring grant an Owner without clearing the expiry
    EXPECT_EQ(check_owner_change(admin_expiring, &expiring, false, given(expiring)),
              OwnerChange::kExpires);
    EXPECT_EQ(check_owner_change(admin_expiring, &owner, false, given(owner)),
              OwnerChange::kAllowed);
    // clearing it on a (restored or overridden) expiring Owner is fine
    EXPECT_EQ(check_owner_change(expiring, &owner, false, given(owner)), OwnerChange::kAllowed);
    // the other refusals come first
    Grant expiring_admin_after{true, 80, kUnlimited, kSoon};
    EXPECT_EQ(check_owner_change(owner, &expiring_admin_after, false, given(expiring_admin_after)),
              OwnerChange::kRoleChange);
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
