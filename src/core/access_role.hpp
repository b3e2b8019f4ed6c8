// The six access roles: the one table every other part of customer_access derives from.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace customer_access {

// A role is stored as its level (10..90); levels order the roles.
using Level = std::uint8_t;

struct RoleInfo {
    Level level;
    std::string_view code;
    std::string_view api_name;
    std::string_view description;
    std::string_view grants;
};

inline constexpr std::array<RoleInfo, 6> kRoles = {{
    {10, "L10", "Basic", "Basic", "basic access (customer profile)"},
    {20, "L20", "Orders", "Orders", "sales orders, but not Price, Discount, Amount"},
    {30, "L30", "OrdersWithPrices", "Orders with Prices", "sales orders with all details"},
    {40, "L40", "Billing", "Billing", "due payments, invoices, payment history"},
    {80, "L80", "Admin", "Admin", "full access to all customer data"},
    {90, "L90", "Owner", "Owner", "as Admin; once assigned, can never be revoked"},
}};

inline constexpr Level kOwnerLevel = 90;

// The role with this level, or nullptr when the number is no level.
const RoleInfo *role_by_level(long long level) noexcept;

// Parses a code (L30) or an API name (OrdersWithPrices): case-insensitive, surrounding
// white space ignored. Anything else, including embedded NUL bytes, is no role.
std::optional<Level> parse_role(std::string_view text) noexcept;

// "L10, L20, ..., Basic, Orders, ...": the accepted spellings, for error hints.
const char *valid_role_spellings() noexcept;

}  // namespace customer_access
