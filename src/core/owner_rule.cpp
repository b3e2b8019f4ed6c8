#include "owner_rule.hpp"

namespace customer_access {

OwnerChange check_owner_change(const Grant &before, const Grant *after, bool keys_changed) {
    if (before.level != kOwnerLevel)
        return OwnerChange::kAllowed;
    if (after == nullptr)
        return OwnerChange::kDelete;
    if (after->level != kOwnerLevel)
        return OwnerChange::kRoleChange;
    if (keys_changed)
        return OwnerChange::kKeyChange;
    if (window_narrows(before.window, after->window))
        return OwnerChange::kWindowNarrows;
    return OwnerChange::kAllowed;
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
    };
    return texts[static_cast<int>(change)];
}

}  // namespace customer_access
