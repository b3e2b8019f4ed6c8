// Who may learn other users' grants: the checks answer for a user other than
// current_user_id() only to a caller that could read every grant anyway.
#pragma once

#include "core/grant_cache.hpp"
#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// A superuser, or a role with SELECT on external_access to which its row security does not
// apply (its owner, BYPASSRLS). Decided once per statement and role.
bool may_read_every_grant();

// Whether the checks may answer about `user` (core's may_answer_about): current_user_id(),
// or a caller that may read every grant.
bool may_answer_about_user(const Uuid &user);

// 42501 unless may_answer_about_user(user).
void require_grant_reader(const Uuid &user, const char *function);

// 42501 unless the caller may read every grant.
void require_full_grant_reader(const char *function);

}  // namespace customer_access::pg
