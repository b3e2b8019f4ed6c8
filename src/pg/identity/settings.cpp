#include "pg/boundary/compat.hpp"
#include "pg/identity/settings.hpp"

#include <cstdlib>
#include <cstring>

#include "core/identity_carrier.hpp"
#include "core/uuid_text.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/citus/citus_identity.hpp"
#include "pg/checks/plan_identity.hpp"

extern "C" {
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/guc.h"
#include "utils/guc_tables.h"
}

namespace customer_access::pg {

std::uint64_t identity_changes = 0;

namespace {

char *user_id_setting = nullptr;
char *jwt_claims_setting = nullptr;
char *claim_setting = nullptr;
char *worker_identity = nullptr;
char *cluster_secret_setting = nullptr;
char *carrier_setting = nullptr;
std::uint64_t carrier_changes = 0;
bool allow_owner_revoke_setting = false;
bool require_identity_setting = false;
bool allow_token_literals_setting = false;
int identity_setting = static_cast<int>(IdentityMode::kSetting);
int scope_setting = static_cast<int>(IdentityScope::kTransaction);
int clock_skew_setting = 30;

// The stamps of the current values (see StampedValue), kept by the assign hooks from the
// `extra` that the check hooks allocate: PostgreSQL keeps each value's extra with it, so a
// SET LOCAL undone at the end of its transaction brings back the older stamp.
LocalTransactionId user_id_stamp = InvalidLocalTransactionId;
ParsedUser user_state = ParsedUser::kUnset;
Uuid user_uuid{};
LocalTransactionId claims_stamp = InvalidLocalTransactionId;

// While _PG_init defines the settings, a value SET before the module was loaded is
// re-applied; it is accepted then and reported as 22P02 when used, not dropped.
bool defining_settings = false;

const struct config_enum_entry kIdentityModes[] = {
    {"setting", static_cast<int>(IdentityMode::kSetting), false},
    {"claims", static_cast<int>(IdentityMode::kClaims), false},
    {"token", static_cast<int>(IdentityMode::kToken), false},
    {"login", static_cast<int>(IdentityMode::kLogin), false},
    {nullptr, 0, false},
};
const struct config_enum_entry kIdentityScopes[] = {
    {"transaction", static_cast<int>(IdentityScope::kTransaction), false},
    {"session", static_cast<int>(IdentityScope::kSession), false},
    {nullptr, 0, false},
};

bool is_blank(const char *value) {
    return value == nullptr || value[0] == '\0';
}

// The stamp of a value: the local transaction that gave it. Only SET, SET LOCAL, set_config
// and a function's SET clause give a value in a transaction (source session); a value from
// the configuration, ALTER ROLE/DATABASE SET or connection options never counts as given in
// one.
bool stamp(void **extra, GucSource source) {
    auto *given_in =
        static_cast<LocalTransactionId *>(allocate_setting_extra(sizeof(LocalTransactionId)));
    if (given_in == nullptr) {
        GUC_check_errcode(ERRCODE_OUT_OF_MEMORY);
        return false;
    }
    *given_in = source == PGC_S_SESSION ? current_local_transaction() : InvalidLocalTransactionId;
    *extra = given_in;
    return true;
}

LocalTransactionId stamp_of(void *extra) {
    return extra != nullptr ? *static_cast<LocalTransactionId *>(extra) : InvalidLocalTransactionId;
}

bool check_user_id(char **newval, void **extra, GucSource source) {
    if (!is_blank(*newval) && !defining_settings) {
        IdentityMode mode = static_cast<IdentityMode>(identity_setting);
        if (!user_id_settable(mode)) {
            GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
            GUC_check_errmsg(
                "customer_access.user_id cannot be set when customer_access.identity "
                "is \"%s\"",
                mode == IdentityMode::kToken ? "token" : "login");
            GUC_check_errhint(mode == IdentityMode::kToken
                                  ? "Call customer_access.authenticate(token) with a signed token."
                                  : "The user is the row of customer_access.login_users for the "
                                    "session's login.");
            return false;
        }
        if (!parse_uuid(*newval)) {
            GUC_check_errcode(ERRCODE_INVALID_TEXT_REPRESENTATION);
            GUC_check_errmsg("invalid input syntax for type uuid: \"%s\"", *newval);
            GUC_check_errhint(
                "customer_access.user_id takes the application user's uuid, or '' for none.");
            return false;
        }
    }
    return stamp(extra, source);
}

// Whether the value stamped `given_in` names the identity in force now (in the current mode
// and scope): a value left from an earlier transaction names none in transaction scope.
bool in_force(LocalTransactionId given_in) {
    return identity_counts(identity_lifetime(static_cast<IdentityMode>(identity_setting),
                                             static_cast<IdentityScope>(scope_setting)),
                           given_in, current_local_transaction());
}

void assign_user_id(const char *newval, void *extra) {
    ++identity_changes;
    // Plans shaped for the identity in force are planned again when another one takes its
    // place (a value equal to a stale one is a new identity too).
    bool was_in_force = user_state == ParsedUser::kValid && in_force(user_id_stamp);
    user_id_stamp = stamp_of(extra);
    std::optional<Uuid> parsed = is_blank(newval) ? std::nullopt : parse_uuid(newval);
    bool same = parsed ? was_in_force && same_uuid(*parsed, user_uuid) && in_force(user_id_stamp)
                       : !was_in_force;
    if (!same)
        forget_identity_shaped_plans();
    user_state = is_blank(newval) ? ParsedUser::kUnset
                 : parsed         ? ParsedUser::kValid
                                  : ParsedUser::kInvalid;
    if (parsed)
        user_uuid = *parsed;
}

bool check_claims(char **, void **extra, GucSource source) {
    return stamp(extra, source);
}

bool settings_overridden = false;

struct config_generic *find_setting(const char *name) {
    return find_setting_record(name);
}

bool has_placeholder(const char *name) {
    struct config_generic *gconf = find_setting(name);
    return gconf != nullptr && (gconf->flags & GUC_CUSTOM_PLACEHOLDER) != 0;
}

// A superuser-only setting that had a value before the module loaded but has none after it
// was defined: PostgreSQL refused the value (a connection option or SET by a role that may
// not set it), and with it went whatever the DBA had configured (a connection option
// outranks ALTER ROLE/DATABASE SET). The DBA's choice is unknown from here on.
void note_refused(const char *name, bool had_placeholder) {
    struct config_generic *gconf = find_setting(name);
    if (had_placeholder && gconf != nullptr && gconf->source == PGC_S_DEFAULT)
        settings_overridden = true;
}

void set_stamp(void *extra, LocalTransactionId value) {
    if (extra != nullptr)
        *static_cast<LocalTransactionId *>(extra) = value;
}

// A value SET before the module was loaded comes back through the definition: the values of
// this transaction's stack were given in it, but the one below them (or, with no stack, the
// current one) was committed by an earlier transaction, whatever stamp the reapplying gave it.
void mark_earlier_values(const char *name, LocalTransactionId *current_stamp) {
    struct config_generic *gconf = find_setting(name);
    if (gconf == nullptr)
        return;
    GucStack *bottom = gconf->stack;
    while (bottom != nullptr && bottom->prev != nullptr)
        bottom = bottom->prev;
    if (bottom != nullptr) {
        set_stamp(bottom->prior.extra, InvalidLocalTransactionId);
    } else {
        set_stamp(gconf->extra, InvalidLocalTransactionId);
        *current_stamp = InvalidLocalTransactionId;
    }
}

bool check_cluster_secret(char **newval, void **, GucSource) {
    if (is_blank(*newval) || strlen(*newval) >= kMinCarrierSecret)
        return true;
    GUC_check_errcode(ERRCODE_INVALID_PARAMETER_VALUE);
    GUC_check_errmsg("customer_access.cluster_secret must be at least %d characters long",
                     static_cast<int>(kMinCarrierSecret));
    return false;
}

// Only Citus's connections bring a carrier, and only to the other nodes: on the coordinator
// nobody may set one (a session could otherwise send a carrier it read to the workers).
bool check_carrier(char **newval, void **, GucSource) {
    if (is_blank(*newval) || carrier_settable_here())
        return true;
    GUC_check_errcode(ERRCODE_INSUFFICIENT_PRIVILEGE);
    GUC_check_errmsg("customer_access.carrier is set by customer_access only");
    return false;
}

void assign_carrier(const char *, void *) {
    ++carrier_changes;
    ++identity_changes;
}

// The superuser-only settings that choose where the identity comes from, and the leader's
// identity of a parallel worker: each change counts. A change of where the identity comes
// from (mode, scope, the claim that names the user) may change or end it: plans shaped for
// it are planned again.
void assign_identity_mode(int, void *) {
    ++identity_changes;
    forget_identity_shaped_plans();
}
void assign_claim(const char *, void *) {
    ++identity_changes;
    forget_identity_shaped_plans();
}
void assign_worker_identity(const char *, void *) {
    ++identity_changes;
}

void assign_claims(const char *newval, void *extra) {
    ++identity_changes;
    bool was_in_force = in_force(claims_stamp);
    claims_stamp = stamp_of(extra);
    // (still the old value here: PostgreSQL stores the new one after this hook)
    if (strcmp(newval != nullptr ? newval : "",
               jwt_claims_setting != nullptr ? jwt_claims_setting : "") != 0 ||
        was_in_force != in_force(claims_stamp))
        forget_identity_shaped_plans();
}

}  // namespace

void define_settings() {
    defining_settings = true;
    DefineCustomStringVariable(
        "customer_access.user_id", "The application user (a uuid) whose access is checked.",
        "In identity mode 'setting': SET LOCAL customer_access.user_id = '...' per transaction.",
        &user_id_setting, "", PGC_USERSET, GUC_NOT_IN_SAMPLE, check_user_id, assign_user_id,
        nullptr);
    // PostgREST and Supabase set it per request with set_config(..., true); defined here so
    // that its values carry the stamp of the transaction that gave them.
    DefineCustomStringVariable(
        "request.jwt.claims", "The claims of the request's JWT, as PostgREST sets them.",
        "Read by customer_access in identity mode 'claims'.", &jwt_claims_setting, "", PGC_USERSET,
        GUC_NOT_IN_SAMPLE, check_claims, assign_claims, nullptr);
    defining_settings = false;
    mark_earlier_values("customer_access.user_id", &user_id_stamp);
    mark_earlier_values("request.jwt.claims", &claims_stamp);

    const char *const guarded[] = {"customer_access.identity", "customer_access.identity_scope",
                                   "customer_access.claim", "customer_access.clock_skew",
                                   "customer_access.require_identity"};
    bool placeholders[5];
    for (int i = 0; i < 5; ++i)
        placeholders[i] = has_placeholder(guarded[i]);

    DefineCustomEnumVariable("customer_access.identity", "Where the application user comes from.",
                             "setting: customer_access.user_id; claims: request.jwt.claims; token: "
                             "customer_access.authenticate(); login: customer_access.login_users.",
                             &identity_setting, static_cast<int>(IdentityMode::kSetting),
                             kIdentityModes, PGC_SUSET, 0, nullptr, assign_identity_mode, nullptr);
    DefineCustomEnumVariable(
        "customer_access.identity_scope", "How long a given identity counts.",
        "transaction: only in the transaction that gave it (safe behind poolers); session: "
        "until changed.",
        &scope_setting, static_cast<int>(IdentityScope::kTransaction), kIdentityScopes, PGC_SUSET,
        0, nullptr, assign_identity_mode, nullptr);
    DefineCustomStringVariable("customer_access.claim",
                               "The claim that holds the application user (a dotted path for "
                               "nested claims).",
                               nullptr, &claim_setting, "sub", PGC_SUSET, 0, nullptr, assign_claim,
                               nullptr);
    DefineCustomIntVariable(
        "customer_access.clock_skew", "Seconds of leeway for a token's exp and nbf.", nullptr,
        &clock_skew_setting, 30, 0, 3600, PGC_SUSET, GUC_UNIT_S, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "customer_access.require_identity",
        "A check with no application user raises 28000 instead of answering false.", nullptr,
        &require_identity_setting, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "customer_access.allow_token_literals",
        "Lets authenticate() accept a token that appears in the statement text (for tests).",
        "Off: a token sent as a literal is refused (28000), since other sessions of the same "
        "role can read statement texts; send it as a bind parameter.",
        &allow_token_literals_setting, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "customer_access.allow_owner_revoke",
        "Lets a superuser revoke or narrow Owner (L90) access, and change the extension's "
        "objects, on purpose.",
        "Every change made under it is recorded in customer_access.external_access_history.",
        &allow_owner_revoke_setting, false, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    // The identity the parallel leader established, handed to its workers with the other
    // settings; set only by the module itself.
    DefineCustomStringVariable("customer_access.worker_identity",
                               "Internal: the identity of the parallel leader.", nullptr,
                               &worker_identity, "", PGC_SUSET,
                               GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
                                   GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
                               nullptr, assign_worker_identity, nullptr);

    // Scale-out (Citus): the secret every node shares, and the sealed identity the coordinator
    // hands to the nodes that run its shard queries (see citus_identity.cpp).
    DefineCustomStringVariable(
        "customer_access.cluster_secret",
        "The secret shared by every node of a Citus cluster that seals the identity the "
        "coordinator hands to the other nodes.",
        "At least 32 characters, the same in postgresql.conf of every node.",
        &cluster_secret_setting, "", PGC_SIGHUP, GUC_SUPERUSER_ONLY | GUC_NO_SHOW_ALL,
        check_cluster_secret, nullptr, nullptr);
    DefineCustomStringVariable("customer_access.carrier",
                               "Internal: the identity a Citus coordinator handed to this node.",
                               nullptr, &carrier_setting, "", PGC_USERSET,
                               GUC_NO_SHOW_ALL | GUC_NOT_IN_SAMPLE | GUC_NO_RESET_ALL |
                                   GUC_DISALLOW_IN_FILE | GUC_DISALLOW_IN_AUTO_FILE,
                               check_carrier, assign_carrier, nullptr);

    for (int i = 0; i < 5; ++i)
        note_refused(guarded[i], placeholders[i]);

    MarkGUCPrefixReserved("customer_access");
}

bool identity_settings_trusted() {
    return !settings_overridden;
}

IdentityMode identity_mode() {
    return static_cast<IdentityMode>(identity_setting);
}
IdentityScope identity_scope() {
    return static_cast<IdentityScope>(scope_setting);
}
const char *identity_claim() {
    return is_blank(claim_setting) ? "sub" : claim_setting;
}
int clock_skew_seconds() {
    return clock_skew_setting;
}
bool identity_required() {
    return require_identity_setting;
}
bool token_literals_allowed() {
    return allow_token_literals_setting;
}

StampedValue user_id_setting_value() {
    return StampedValue{user_id_setting, user_id_stamp};
}
ParsedUser user_id_parsed(Uuid *user) {
    if (user_state == ParsedUser::kValid)
        *user = user_uuid;
    return user_state;
}

StampedValue jwt_claims_setting_value() {
    return StampedValue{jwt_claims_setting, claims_stamp};
}
const char *worker_identity_setting() {
    return worker_identity != nullptr ? worker_identity : "";
}
void set_worker_identity_setting(const char *value) {
    (void)set_config_option("customer_access.worker_identity", value, PGC_SUSET, PGC_S_SESSION,
                            GUC_ACTION_SET, true, 0, false);
}

const char *cluster_secret() {
    return cluster_secret_setting != nullptr ? cluster_secret_setting : "";
}
const char *carrier_setting_value() {
    return carrier_setting != nullptr ? carrier_setting : "";
}
std::uint64_t carrier_setting_changes() {
    return carrier_changes;
}

bool owner_revoke_allowed() {
    return allow_owner_revoke_setting && (superuser() || superuser_arg(GetSessionUserId()));
}

}  // namespace customer_access::pg
