#include "access_role.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>

using namespace customer_access;

TEST(AccessRole, TableIsOrderedAndUnique) {
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < kRoles.size(); ++i) {
        if (i > 0) {
            EXPECT_LT(kRoles[i - 1].level, kRoles[i].level);
        }
        EXPECT_TRUE(names.insert(kRoles[i].code).second);
        EXPECT_TRUE(names.insert(kRoles[i].api_name).second);
    }
    EXPECT_EQ(kRoles.back().level, kOwnerLevel);
}

TEST(AccessRole, EveryCodeAndApiNameParses) {
    const std::pair<const char *, int> cases[] = {
        {"L10", 10},     {"L20", 20},    {"L30", 30},
        {"L40", 40},     {"L80", 80},    {"L90", 90},
        {"Basic", 10},   {"Orders", 20}, {"OrdersWithPrices", 30},
        {"Billing", 40}, {"Admin", 80},  {"Owner", 90}};
    for (auto [text, level] : cases) {
        ASSERT_TRUE(parse_role(text)) << text;
        EXPECT_EQ(*parse_role(text), level) << text;
    }
}

TEST(AccessRole, CaseInsensitiveAndTrimmed) {
    EXPECT_EQ(parse_role("l30"), 30);
    EXPECT_EQ(parse_role("ORDERSWITHPRICES"), 30);
    EXPECT_EQ(parse_role("oWnEr"), 90);
    EXPECT_EQ(parse_role("  L40 "), 40);
    EXPECT_EQ(parse_role("\t\n\r\f\vadmin\v\f\r\n\t"), 80);
}

TEST(AccessRole, Rejections) {
    const std::string rejected[] = {"",
                                    " ",
                                    "L",
                                    "L3",
                                    "L300",
                                    "L50",
                                    "L30x",
                                    "xL30",
                                    "L 30",
                                    "L030",
                                    "Own",
                                    "Owners",
                                    "Orders With Prices",
                                    "L-10",
                                    "10",
                                    "Basic,",
                                    "L10 L20"};
    for (const std::string &text : rejected)
        EXPECT_FALSE(parse_role(text)) << '"' << text << '"';
}

TEST(AccessRole, EmbeddedNulIsRejected) {
    EXPECT_FALSE(parse_role(std::string_view("L30\0", 4)));
    EXPECT_FALSE(
        parse_role(std::string_view("L3\0"
                                    "0",
                                    4)));
    EXPECT_FALSE(parse_role(std::string_view("\0L30", 4)));
}

TEST(AccessRole, VeryLongAndNonAsciiInputIsRejected) {
    EXPECT_FALSE(parse_role(std::string(1 << 20, 'L')));
    EXPECT_FALSE(parse_role(std::string(1 << 16, ' ') + "L3"));
    EXPECT_FALSE(parse_role("Own\xc3\xa9r"));
    EXPECT_FALSE(parse_role("L\xef\xbc\x93\x30"));  // fullwidth digit three
    EXPECT_FALSE(parse_role("\xc2\xa0L30"));        // no-break space is not trimmed
    EXPECT_FALSE(parse_role("\xff\xfe"));
}

TEST(AccessRole, LevelLookup) {
    for (const RoleInfo &r : kRoles)
        EXPECT_EQ(role_by_level(r.level), &r);
    for (long long bad : {0LL, 9LL, 11LL, 50LL, 100LL, -10LL, 10LL + 256LL, 1LL << 40})
        EXPECT_EQ(role_by_level(bad), nullptr) << bad;
}

TEST(AccessRole, Names) {
    EXPECT_EQ(role_by_level(30)->code, "L30");
    EXPECT_EQ(role_by_level(30)->api_name, "OrdersWithPrices");
    EXPECT_EQ(role_by_level(30)->description, "Orders with Prices");
    EXPECT_EQ(role_by_level(90)->grants, "as Admin; once assigned, can never be revoked");
}

TEST(AccessRole, OrderFollowsLevels) {
    EXPECT_LT(*parse_role("Basic"), *parse_role("Orders"));
    EXPECT_LT(*parse_role("Orders"), *parse_role("OrdersWithPrices"));
    EXPECT_LT(*parse_role("OrdersWithPrices"), *parse_role("Billing"));
    EXPECT_LT(*parse_role("Billing"), *parse_role("Admin"));
    EXPECT_LT(*parse_role("Admin"), *parse_role("Owner"));
}

TEST(AccessRole, HintListsEverySpelling) {
    std::string hint = valid_role_spellings();
    EXPECT_EQ(
        hint,
        "L10, L20, L30, L40, L80, L90, Basic, Orders, OrdersWithPrices, Billing, Admin, Owner");
}
