#include "delegation.hpp"

namespace customer_access {

bool manages_customer(const Grant &own, Timestamp now) {
    return grant_in_force(own, now) && own.level >= kAdminLevel;
}

Delegation judge_delegation(const Grant &own, const Grant &given, Timestamp now) {
    if (!manages_customer(own, now))
        return Delegation::kNotManager;
    if (!given.window.unlimited && given.window.days_back < 0)
        return Delegation::kInvalid;
    if (given.level > own.level)
        return Delegation::kRoleAbove;
    // Going from the given window to the giver's own would narrow it: the given one is wider.
    if (window_narrows(given.window, own.window))
        return Delegation::kWindowWider;
    // Going from the given expiry to the giver's own would end sooner: the given one outlives.
    if (expiry_shortens(given.expires_at, own.expires_at))
        return Delegation::kOutlives;
    return Delegation::kAllowed;
}

bool copies_every_grant(bool reads_every_grant, bool may_insert_grants) {
    return reads_every_grant && may_insert_grants;
}

}  // namespace customer_access
