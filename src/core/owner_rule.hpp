// The Owner rule: once a grant holds Owner (L90), no change may revoke or narrow it.
#pragma once

#include "access_role.hpp"
#include "days_back.hpp"

namespace customer_access {

enum class OwnerChange {
    kAllowed,        // not an Owner row, or only notes / a wider window
    kDelete,         // the row would disappear
    kRoleChange,     // the role would drop below Owner
    kKeyChange,      // the grant would move to another customer or user (or id)
    kWindowNarrows,  // the days-back window would shrink
};

struct GrantState {
    Level level;
    Window window;
};

// after == nullptr: a DELETE (or TRUNCATE). keys_changed: customer, user or id differ.
OwnerChange check_owner_change(const GrantState &before, const GrantState *after,
                               bool keys_changed);

// What the refusal says, e.g. "delete", for messages.
const char *owner_change_name(OwnerChange change);

}  // namespace customer_access
