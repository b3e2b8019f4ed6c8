// Self-service delegation: who may give which grant on a customer. A customer's Admins and
// Owners manage its users, and nobody gives more than they hold: not a higher role, not a
// wider window, not a grant that outlives their own. One rule: can_grant(), can_manage(),
// grant_access(), revoke_access(), copy_access() and the row-security policies on the grants
// all ask it (src/pg/checks/delegation.cpp), none restates it.
#pragma once

#include "grant_cache.hpp"

namespace customer_access {

// The lowest role that manages a customer's users (Admin, L80).
inline constexpr Level kAdminLevel = 80;

enum class Delegation {
    kAllowed,
    kNotManager,   // the giver holds no Admin or Owner grant in force on the customer
    kInvalid,      // what is given is no grant (a negative window)
    kRoleAbove,    // its role is above the giver's own (Owner is given only by an Owner)
    kWindowWider,  // its window is wider than the giver's own
    kOutlives,     // it expires later than the giver's own grant (or never, where theirs does)
};

// Whether the holder of `own` (their grant on a customer, as read, exists false when none)
// manages the customer's users at now: an Admin or Owner grant in force.
bool manages_customer(const Grant &own, Timestamp now);

// Whether the holder of `own` may give `given` (a grant on the same customer) at now. A
// `given` that has expired already is allowed (it is simply expired).
Delegation judge_delegation(const Grant &own, const Grant &given, Timestamp now);

// Whether copy_access() copies every grant whatever the caller holds: for a caller that reads
// every grant (core/grant_readers.hpp: a superuser, or SELECT free of row security) and may
// insert grants. Everyone else copies what the rule above lets them give.
bool copies_every_grant(bool reads_every_grant, bool may_insert_grants);

}  // namespace customer_access
