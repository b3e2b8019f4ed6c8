// Limits on JSON that identity code reads from requests (claims, token parts): it must parse
// without raising, so text past these limits counts as malformed before PostgreSQL's own
// parser sees it (deep nesting would exhaust the stack check, huge numbers overflow numeric).
#pragma once

#include <cstddef>
#include <string_view>

namespace customer_access {

inline constexpr std::size_t kMaxJsonDepth = 64;

// The deepest nesting of arrays and objects, outside strings; SIZE_MAX when it exceeds
// kMaxJsonDepth (counting stops there).
std::size_t json_nesting_depth(std::string_view text) noexcept;

// A JSON number token numeric can hold: at most 300 characters and an exponent of at most
// 1000 in magnitude.
bool json_number_is_moderate(std::string_view token) noexcept;

}  // namespace customer_access
