#include "owner_rule.hpp"

namespace customer_access {

namespace {

// An Owner never expires: an Owner row keeps expires_at NULL. Any value is refused, 'infinity'
// too (it never arrives, but NULL is how a grant says "never"; a given value is an expiry).
bool owner_expires(const Grant &row, bool expiry_given) {
    return row.level == kOwnerLevel && expiry_given;
}

}  // namespace

OwnerChange check_owner_insert(const Grant &row, bool expiry_given) {
    return owner_expires(row, expiry_given) ? OwnerChange::kExpires : OwnerChange::kAllowed;
}

OwnerChange check_owner_change(const Grant &before, const Grant *after, bool keys_changed,
                               bool after_expiry_given) {
    if (before.level != kOwnerLevel)
        return after != nullptr ? check_owner_insert(*after, after_expiry_given)
                                : OwnerChange::kAllowed;
    if (after == nullptr)
        return OwnerChange::kDelete;
    if (after->level != kOwnerLevel)
        return OwnerChange::kRoleChange;
    if (keys_changed)
        return OwnerChange::kKeyChange;
    if (window_narrows(before.window, after->window))
        return OwnerChange::kWindowNarrows;
    return check_owner_insert(*after, after_expiry_given);
}

const OwnerChangeText &owner_change_text(OwnerChange change) {
    static const OwnerChangeText texts[] = {
        // in the order of OwnerChange
        {"Owner access can be changed this way", "an allowed change"},
        {"Owner access cannot be revoked", "deleting the grant"},
        {"Owner access cannot be revoked or downgraded", "changing its role"},
        {"Owner access cannot be moved to another customer or user",
         "moving it to another customer or user"},
        {"Owner access cannot be narrowed", "narrowing its days_back_access window"},
        {"Owner access cannot expire", "giving it an expires_at"},
    };
    return texts[static_cast<int>(change)];
}

}  // namespace customer_access
