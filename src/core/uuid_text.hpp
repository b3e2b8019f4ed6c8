// uuid text parsing with PostgreSQL's uuid_in rules, usable where errors must not be
// thrown (a setting's check hook).
#pragma once

#include <optional>
#include <string_view>

#include "grant_cache.hpp"

namespace customer_access {

// Accepts 32 hex digits, optionally in braces, with a hyphen allowed after any group of
// four digits (so the standard 8-4-4-4-12 form). No surrounding white space.
std::optional<Uuid> parse_uuid(std::string_view text) noexcept;

}  // namespace customer_access
