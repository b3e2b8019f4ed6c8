#include "json_limits.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

using namespace customer_access;

TEST(JsonLimits, DepthCountsOutsideStrings) {
    EXPECT_EQ(json_nesting_depth("{}"), 1u);
    EXPECT_EQ(json_nesting_depth("{\"a\": [1, {\"b\": []}]}"), 4u);
    EXPECT_EQ(json_nesting_depth("{\"a\": \"[[[[[\\\"[[[\"}"), 1u);
    EXPECT_EQ(json_nesting_depth(std::string(64, '[') + std::string(64, ']')), 64u);
    EXPECT_EQ(json_nesting_depth(std::string(65, '[') + std::string(65, ']')), SIZE_MAX);
}

TEST(JsonLimits, ModerateNumbers) {
    EXPECT_TRUE(json_number_is_moderate("1700000000"));
    EXPECT_TRUE(json_number_is_moderate("-1.5e-3"));
    EXPECT_TRUE(json_number_is_moderate("1e300"));
    EXPECT_TRUE(json_number_is_moderate("1E+1000"));
    EXPECT_FALSE(json_number_is_moderate("1e1001"));
    EXPECT_FALSE(json_number_is_moderate("1e1000000"));
    EXPECT_FALSE(json_number_is_moderate(std::string(301, '9')));
}
