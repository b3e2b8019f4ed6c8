#include "grant_row.hpp"

#include <gtest/gtest.h>

#include <string>

#include "uuid_text.hpp"

using namespace customer_access;

namespace {

GrantRow sample() {
    GrantRow row{};
    row.id = *parse_uuid("00000000-0000-4000-8000-000000000001");
    row.customer = *parse_uuid("c0000000-0000-0000-0000-00000000000c");
    row.user = *parse_uuid("a0000000-0000-0000-0000-00000000000a");
    row.grant = Grant{true, 90, Window{true, 0}};
    row.object_version = 7;
    return row;
}

std::string json(const GrantRow &row) {
    std::string out(grant_row_json(row, nullptr, 0), '\0');
    grant_row_json(row, out.data(), out.size() + 1);
    return out;
}

}  // namespace

TEST(GrantRowJson, EveryColumnWithItsJsonType) {
    EXPECT_EQ(
        json(sample()),
        "{\"id\": \"00000000-0000-4000-8000-000000000001\", \"role\": \"L90\", \"notes\": null, "
        "\"user_id\": \"a0000000-0000-0000-0000-00000000000a\", \"customer_id\": "
        "\"c0000000-0000-0000-0000-00000000000c\", \"object_version\": 7, "
        "\"days_back_access\": null, \"expires_at\": null}");
}

TEST(GrantRowJson, ExpiryAsPostgresWroteIt) {
    GrantRow row = sample();
    row.has_expires_at = true;
    row.expires_at_text = "2030-01-02T03:04:05.5+00:00";
    EXPECT_NE(json(row).find("\"expires_at\": \"2030-01-02T03:04:05.5+00:00\"}"),
              std::string::npos);
}

TEST(GrantRowJson, WindowAndExtremes) {
    GrantRow row = sample();
    row.grant.window = Window{false, 2147483647};
    row.object_version = -2147483647 - 1;
    std::string text = json(row);
    EXPECT_NE(text.find("\"days_back_access\": 2147483647,"), std::string::npos);
    EXPECT_NE(text.find("\"object_version\": -2147483648"), std::string::npos);
}

TEST(GrantRowJson, NotesAreEscaped) {
    GrantRow row = sample();
    const char notes[] = "a\"b\\c\n\x01\x1f caf\xc3\xa9";
    row.has_notes = true;
    row.notes = std::string_view(notes, sizeof notes - 1);
    EXPECT_NE(json(row).find("\"notes\": \"a\\\"b\\\\c\\u000a\\u0001\\u001f caf\xc3\xa9\""),
              std::string::npos);
}

TEST(GrantRowJson, TruncatesSafelyAndReportsTheSize) {
    GrantRow row = sample();
    std::size_t needed = grant_row_json(row, nullptr, 0);
    char small[10];
    EXPECT_EQ(grant_row_json(row, small, sizeof small), needed);
    EXPECT_EQ(small[9], '\0');
    EXPECT_EQ(std::string(small), json(row).substr(0, 9));
}

TEST(GrantRowJson, UnknownLevelIsNull) {
    GrantRow row = sample();
    row.grant.level = 55;
    EXPECT_NE(json(row).find("\"role\": null"), std::string::npos);
}
