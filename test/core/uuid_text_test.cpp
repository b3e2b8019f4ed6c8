#include "uuid_text.hpp"

#include <gtest/gtest.h>

using namespace customer_access;

TEST(UuidText, AcceptsPostgresSpellings) {
    for (const char *text :
         {"a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11",
          "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", "a0eebc999c0b4ef8bb6d6bb9bd380a11",
          "a0ee-bc99-9c0b-4ef8-bb6d-6bb9-bd38-0a11", "{a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11}"}) {
        auto u = parse_uuid(text);
        ASSERT_TRUE(u) << text;
        EXPECT_EQ(u->bytes[0], 0xa0);
        EXPECT_EQ(u->bytes[15], 0x11);
    }
}

TEST(UuidText, Rejects) {
    for (const char *text :
         {"", "not-a-uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1",
          "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a111", " a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
          "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11 ", "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
          "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11", "a0eebc9-99c0b-4ef8-bb6d-6bb9bd380a11",
          "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11-", "g0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", "{}",
          "{"}) {
        EXPECT_FALSE(parse_uuid(text)) << text;
    }
}
