// The Owner rule: once a grant holds Owner (L90), no change may revoke or narrow it.
#pragma once

#include "grant_cache.hpp"

namespace customer_access {

enum class OwnerChange {
    kAllowed,        // not an Owner row, or only notes / a wider window
    kDelete,         // the row would disappear
    kRoleChange,     // the role would drop below Owner
    kKeyChange,      // the grant would move to another customer or user (or id)
    kWindowNarrows,  // the days-back window would shrink
    kExpires,        // the row would be an Owner with an expiry (1.3: an Owner never expires)
};

// before: the grant as stored; after == nullptr: a DELETE (or TRUNCATE). keys_changed:
// customer, user or id differ. `exists` is not consulted: both are rows of the table.
// Besides narrowing an Owner, making a grant an Owner that still expires is refused.
// after_expiry_given: the new row's expires_at is not NULL ('infinity' stands for never in
// expires_at, but a given one is an expiry all the same).
OwnerChange check_owner_change(const Grant &before, const Grant *after, bool keys_changed,
                               bool after_expiry_given);

// A new row (INSERT): an Owner must not expire; expiry_given: its expires_at is not NULL.
OwnerChange check_owner_insert(const Grant &row, bool expiry_given);

// How a refused change is reported: the error message, and what the change would do.
struct OwnerChangeText {
    const char *refusal;  // "Owner access cannot be revoked"
    const char *doing;    // "deleting the grant"
};
const OwnerChangeText &owner_change_text(OwnerChange change);

}  // namespace customer_access
