// Plans that were shaped for one application user: the planner support function estimates
// from the user's grants (index scan for a user who sees few customers, sequential scan for
// one who sees many). A cached plan (a prepared statement, PL/pgSQL) made for one user and
// reused for another could be many times slower, so when the identity changes such plans are
// marked invalid in this backend and planned again for the new user on their next use.
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// The check function `funcid` was planned with estimates from the current user's grants.
void note_identity_shaped_plan(Oid funcid);

// The application user changed: this backend's cached plans that call those functions are
// planned again on their next use. Safe inside a setting's assign hook (no catalog access,
// no allocation, no error).
void forget_identity_shaped_plans();

}  // namespace customer_access::pg
