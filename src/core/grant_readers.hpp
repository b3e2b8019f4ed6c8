// Who may learn other users' grants (SPEC "Access checks", since 1.2): the checks,
// accessible_customers, accessible_customer_ids, earliest_visible_date, who_can_access and
// the planner's estimates answer about a user other than the application user only to a
// caller that could read every grant anyway, so a portal session cannot map other users'
// grants. Pure: src/pg/checks reads the caller's privileges into these values.
#pragma once

#include "grant_cache.hpp"

namespace customer_access {

// What PostgreSQL says about the calling role.
struct ReaderFacts {
    bool superuser;
    bool may_select_grants;     // SELECT on external_access
    bool row_security_applies;  // its row security applies to the role (not owner, BYPASSRLS)
};

// A superuser, or a role with SELECT on the grants to which their row security does not
// apply.
bool reads_every_grant(const ReaderFacts &facts) noexcept;

// Whether a question about `asked`'s grants may be answered: about the application user
// itself (application_user, nullptr when there is none), or to a caller that reads every
// grant; `caller_reads_every_grant(context)` is asked only when the question is about
// someone else.
bool may_answer_about(const Uuid *application_user, const Uuid &asked,
                      bool (*caller_reads_every_grant)(void *context), void *context);

}  // namespace customer_access
