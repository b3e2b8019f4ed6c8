#include "owner_rule.hpp"

namespace customer_access {

OwnerChange check_owner_change(const GrantState &before, const GrantState *after,
                               bool keys_changed) {
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

const char *owner_change_name(OwnerChange change) {
    switch (change) {
        case OwnerChange::kAllowed:
            return "allowed change";
        case OwnerChange::kDelete:
            return "deleting the grant";
        case OwnerChange::kRoleChange:
            return "changing its role";
        case OwnerChange::kKeyChange:
            return "moving it to another customer or user";
        case OwnerChange::kWindowNarrows:
            return "narrowing its days_back_access window";
    }
    return "unknown change";
}

}  // namespace customer_access
