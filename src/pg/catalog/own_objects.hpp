// The indexes and constraints the extension creates on its tables: users may add and drop
// their own, never these (renaming them is refused, so their names stay). Anything else on
// the extension's tables is the user's, and is kept across dump and restore (table_extras).
#pragma once

#include <cstring>

namespace customer_access::pg {

inline constexpr const char *kOwnIndexes[] = {
    "external_access_pkey",
    "external_access_user_customer_key",
    "external_access_customer_idx",
    "external_access_history_pkey",
    "external_access_history_access_idx",
    "external_access_history_customer_idx",
    "external_access_history_user_idx",
    "login_users_pkey",
    "trusted_keys_pkey",
    "table_extras_pkey",
};
inline constexpr const char *kOwnConstraints[] = {
    "external_access_pkey",
    "external_access_user_customer_key",
    "external_access_days_back_access_check",
    "external_access_history_pkey",
    "external_access_history_operation_check",
    "login_users_pkey",
    "trusted_keys_pkey",
    "table_extras_pkey",
    "table_extras_kind_check",
};

template <std::size_t N>
bool named_in(const char *name, const char *const (&names)[N]) {
    if (name == nullptr)
        return false;
    for (const char *n : names)
        if (strcmp(n, name) == 0)
            return true;
    return false;
}

}  // namespace customer_access::pg
