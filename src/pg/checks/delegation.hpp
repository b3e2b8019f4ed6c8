// Self-service delegation on the PostgreSQL side: the application user's own grant, read
// like the checks read it, judged by core's one rule (core/delegation.hpp). can_grant(),
// can_manage(), the row-security policies, grant_access() and copy_access() all come here.
#pragma once

#include "core/delegation.hpp"
#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// What the application user holds on a customer (exists false: nothing, or no user).
Grant own_grant(const Uuid &customer);

// Whether the application user may give `given` on the customer, at the transaction's now().
Delegation judge_own_delegation(const Uuid &customer, const Grant &given);

// 42501 unless there is an application user.
void require_application_user(Uuid *user);

// 42501 with a message that names the refused rule (verdict is not kAllowed); 22023 for what
// is no grant.
[[noreturn]] void refuse_delegation(Delegation verdict, const Uuid &customer, const Grant &own,
                                    const Grant &given);

// A NULL argument where a value is needed: 22004.
[[noreturn]] void refuse_null(const char *what);

}  // namespace customer_access::pg
