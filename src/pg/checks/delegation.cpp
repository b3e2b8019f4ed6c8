// can_grant(): whether the application user may give a grant on a customer. Customer
// Admins (L80) and Owners (L90) manage their customer's users, but nobody gives more than
// they hold: a role at most their own, a window no wider than their own.
#include "pg/type/access_role_datum.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/checks/check_cache.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/identity/identity.hpp"
#include "pg/identity/settings.hpp"

using namespace customer_access;
using namespace customer_access::pg;

namespace {

constexpr Level kAdminLevel = 80;

// A window no wider than `own`: unlimited only under an unlimited one.
bool within_window(const Window &own, bool unlimited, std::int32_t days_back) {
    if (own.unlimited)
        return true;
    return !unlimited && days_back <= own.days_back;
}

}  // namespace

// can_grant(customer_id, role, days_back_access): not STRICT; a NULL customer or role is
// FALSE, a NULL days_back_access asks for an unlimited window.
CUSTOMER_ACCESS_FUNCTION(can_grant) {
    Uuid me;
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1) || !current_application_user(&me))
        PG_RETURN_BOOL(false);
    DayNumber today;
    Grant own = cached_grant(me, from_pg_uuid(PG_GETARG_UUID_P(0)), &today);
    Level role = PG_GETARG_ACCESS_ROLE(1);
    bool unlimited = PG_ARGISNULL(2);
    std::int32_t days_back = unlimited ? 0 : PG_GETARG_INT32(2);
    if (days_back < 0)
        PG_RETURN_BOOL(false);  // no grant has a negative window
    PG_RETURN_BOOL(own.exists && own.level >= kAdminLevel && role <= own.level &&
                   within_window(own.window, unlimited, days_back));
}
