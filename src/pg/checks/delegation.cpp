// can_grant() and can_manage(): whether the application user may give a grant on a customer,
// and whether they manage its users at all, as core's delegation rule decides (a customer's
// Admins and Owners manage its users; nobody gives more than they hold, in role, window or
// time). The row-security policies on the grants call these two and nothing else; the
// messages of grant_access() and copy_access() come from here too.
#include "pg/checks/delegation.hpp"

#include "core/grant_row.hpp"

#include "pg/type/access_role_datum.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/checks/check_cache.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/identity/identity.hpp"

extern "C" {
#include "utils/timestamp.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace customer_access::pg {

Grant own_grant(const Uuid &customer) {
    Uuid me;
    if (!current_application_user(&me))
        return Grant{false, 0, Window{true, 0}};
    DayNumber today;
    return cached_grant(me, customer, &today);
}

Delegation judge_own_delegation(const Uuid &customer, const Grant &given) {
    return judge_delegation(own_grant(customer), given, rule_now());
}

void require_application_user(Uuid *user) {
    if (!current_application_user(user))
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("no application user: customer_access.user_id is not set")));
}

void refuse_null(const char *what) {
    ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", what)));
    pg_unreachable();
}

namespace {

char *uuid_text(const Uuid &u) {
    char *text = static_cast<char *>(palloc(37));
    uuid_to_text(u, text);
    return text;
}

const char *role_code(Level level) {
    const RoleInfo &info = role_info(level);
    return pnstrdup(info.code.data(), info.code.size());
}

const char *role_api_name(Level level) {
    const RoleInfo &info = role_info(level);
    return pnstrdup(info.api_name.data(), info.api_name.size());
}

char *timestamp_text(Timestamp t) {
    return DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(t)));
}

}  // namespace

void refuse_delegation(Delegation verdict, const Uuid &customer, const Grant &own,
                       const Grant &given) {
    const char *hint = "Nobody can give more than they hold.";
    char *customer_text = uuid_text(customer);
    switch (verdict) {
        case Delegation::kNotManager: {
            Uuid me;
            bool has_me = current_application_user(&me);
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("only an Admin or Owner of customer %s can manage its users",
                            customer_text),
                     errdetail("Application user %s holds no %s (%s) or %s (%s) grant on it.",
                               has_me ? uuid_text(me) : "(none)", role_code(kAdminLevel),
                               role_api_name(kAdminLevel), role_code(kOwnerLevel),
                               role_api_name(kOwnerLevel))));
            break;
        }
        case Delegation::kInvalid:
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("days_back_access must be 0 or more, or NULL for unlimited")));
            break;
        case Delegation::kRoleAbove:
            ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                            errmsg("cannot grant %s (%s): above your own role %s on customer %s",
                                   role_code(given.level), role_api_name(given.level),
                                   role_code(own.level), customer_text),
                            errhint("%s", hint)));
            break;
        case Delegation::kWindowWider:
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("cannot grant a window of %s: wider than your own %d days on "
                            "customer %s",
                            given.window.unlimited ? "unlimited days"
                                                   : psprintf("%d days", given.window.days_back),
                            own.window.days_back, customer_text),
                     errhint("%s", hint)));
            break;
        case Delegation::kOutlives:
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("cannot grant access %s: it would outlive your own grant on customer "
                            "%s, which expires at %s",
                            given.expires_at == kNeverExpires
                                ? "that never expires"
                                : psprintf("until %s", timestamp_text(given.expires_at)),
                            customer_text, timestamp_text(own.expires_at)),
                     errhint("%s", hint)));
            break;
        case Delegation::kAllowed:
            break;
    }
    elog(ERROR, "refuse_delegation() called for an allowed grant");
    pg_unreachable();
}

}  // namespace customer_access::pg

// can_grant(customer_id, role, days_back_access [, expires_at]): not STRICT; a NULL customer
// or role is FALSE, a NULL days_back_access asks for an unlimited window, a NULL expires_at
// (or the three-argument form) for a grant that never expires.
CUSTOMER_ACCESS_FUNCTION(can_grant) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1))
        PG_RETURN_BOOL(false);
    Grant given{true, PG_GETARG_ACCESS_ROLE(1), Window{true, 0}};
    if (!PG_ARGISNULL(2))
        given.window = Window{false, PG_GETARG_INT32(2)};
    if (PG_NARGS() > 3 && !PG_ARGISNULL(3))
        given.expires_at = PG_GETARG_TIMESTAMPTZ(3);
    PG_RETURN_BOOL(judge_own_delegation(from_pg_uuid(PG_GETARG_UUID_P(0)), given) ==
                   Delegation::kAllowed);
}

// can_manage(customer_id): whether the application user manages the customer's users (an
// Admin or Owner grant in force on it). NULL: FALSE. Like the checks (which the policies
// called before 1.3), no user under customer_access.require_identity is 28000.
CUSTOMER_ACCESS_FUNCTION(can_manage) {
    Uuid me;
    if (PG_ARGISNULL(0) || !checked_application_user(&me))
        PG_RETURN_BOOL(false);
    PG_RETURN_BOOL(manages_customer(own_grant(from_pg_uuid(PG_GETARG_UUID_P(0))), rule_now()));
}
