#include "settings.hpp"

#include <cstring>

#include "../core/uuid_text.hpp"
#include "boundary.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"
}

namespace customer_access::pg {
namespace {

char *user_id_setting = nullptr;
bool allow_owner_revoke_setting = false;

// The parsed application user, kept in step with the setting by its assign hook, so
// that the per-row checks never parse text.
enum class UserState { kUnset, kValid, kInvalid };
UserState user_state = UserState::kUnset;
Uuid user_uuid;

// While _PG_init defines the setting, a value SET before the module was loaded is
// re-applied; it is accepted then and reported as 22P02 when used, not dropped.
bool defining_settings = false;

bool is_blank(const char *value) {
    return value == nullptr || value[0] == '\0';
}

bool check_user_id(char **newval, void **, GucSource) {
    if (is_blank(*newval) || defining_settings)
        return true;
    if (parse_uuid(*newval))
        return true;
    GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
    GUC_check_errmsg("invalid input syntax for type uuid: \"%s\"", *newval);
    GUC_check_errhint("customer_access.user_id takes the application user's uuid, or '' for none.");
    return false;
}

void assign_user_id(const char *newval, void *) {
    if (is_blank(newval)) {
        user_state = UserState::kUnset;
        return;
    }
    std::optional<Uuid> parsed = parse_uuid(newval);
    user_state = parsed ? UserState::kValid : UserState::kInvalid;
    if (parsed)
        user_uuid = *parsed;
}

}  // namespace

void define_settings() {
    defining_settings = true;
    DefineCustomStringVariable(
        "customer_access.user_id", "The application user (a uuid) whose access is checked.",
        "Set per request by the application (SET LOCAL customer_access.user_id = '...'); "
        "read by customer_access.current_user_id() and can_access().",
        &user_id_setting, "", PGC_USERSET, GUC_NOT_IN_SAMPLE, check_user_id, assign_user_id,
        nullptr);
    defining_settings = false;

    DefineCustomBoolVariable(
        "customer_access.allow_owner_revoke",
        "Lets a superuser revoke or narrow Owner (L90) access on purpose.",
        "Every change made under it is recorded in customer_access.external_access_history.",
        &allow_owner_revoke_setting, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);

    MarkGUCPrefixReserved("customer_access");
}

bool current_application_user(Uuid *user) {
    switch (user_state) {
        case UserState::kUnset:
            return false;
        case UserState::kValid:
            *user = user_uuid;
            return true;
        case UserState::kInvalid:
            break;
    }
    ereport(ERROR, (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                    errmsg("invalid input syntax for type uuid: \"%s\"", user_id_setting),
                    errdetail("customer_access.user_id must be a uuid or empty.")));
    pg_unreachable();
}

bool owner_revoke_allowed() {
    return allow_owner_revoke_setting && (superuser() || superuser_arg(GetSessionUserId()));
}

}  // namespace customer_access::pg
