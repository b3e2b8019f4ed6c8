// A whole row of customer_access.external_access, and its JSON form for the change history.
// Written here, from validated values, so that no type's output function or cast to json
// (which the caller might have written) runs while the history is being recorded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "grant_cache.hpp"

namespace customer_access {

struct GrantRow {
    Uuid id;
    Uuid customer;
    Uuid user;
    Grant grant;  // exists is always true for a row; grant.expires_at is the rule's
    bool has_notes;
    std::string_view notes;  // UTF-8 or the server encoding; copied byte for byte but escaped
    std::int32_t object_version;
    // expires_at as stored (false: NULL), and its text as the JSON of a timestamptz (ISO 8601
    // in UTC, or "infinity"), which PostgreSQL's own encoder writes.
    bool has_expires_at;
    std::string_view expires_at_text;
};

// Writes the row as a JSON object (keys as to_jsonb of the row would name them) into
// out[0..capacity), NUL-terminated when it fits; returns the length it needs without the NUL.
// Call with capacity 0 to learn the size.
std::size_t grant_row_json(const GrantRow &row, char *out, std::size_t capacity) noexcept;

// The canonical 36-character text of a uuid, NUL-terminated (out has room for 37).
void uuid_to_text(const Uuid &u, char out[37]) noexcept;

}  // namespace customer_access
