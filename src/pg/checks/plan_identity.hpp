// Plans that were shaped for one application user: the planner support function estimates
// from the user's grants (index scan for a user who sees few customers, sequential scan for
// one who sees many). A cached plan (a prepared statement, PL/pgSQL) made for one user and
// reused for another could be many times slower, and its estimates would tell the next
// user of the connection how much the previous one sees (EXPLAIN EXECUTE). So when the
// identity changes, and when it ends (the end of the transaction that gave it, a ROLLBACK TO
// SAVEPOINT that undoes it), such plans are marked invalid in this backend and planned again
// on their next use.
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// The check function `funcid` was planned with estimates from the current user's grants.
void note_identity_shaped_plan(Oid funcid);

// The application user changed or ended: this backend's cached plans that call those
// functions are planned again on their next use. Safe inside a setting's assign hook and at
// a transaction's end (no catalog access, no allocation, no error).
void forget_identity_shaped_plans();

// SET [LOCAL] SESSION AUTHORIZATION or its RESET: a login's identity may change now, and
// (LOCAL) again when the transaction ends.
void note_session_user_set(bool local);

// At module load: plans shaped during a transaction whose identity ends with it are
// forgotten at its end (commit, abort, prepare).
void install_plan_identity_callbacks();

}  // namespace customer_access::pg
