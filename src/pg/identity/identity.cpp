// The identity modes (SPEC "Identity"):
//   setting  customer_access.user_id
//   claims   the claim customer_access.claim of request.jwt.claims
//   token    the subject of a token verified by authenticate()
//   login    customer_access.login_users for session_user
// In transaction scope a value counts only in the transaction that gave it (its stamp is
// that transaction's local id). Parallel workers do not judge for themselves: the leader
// writes the identity it established, with its transaction's local id, into a setting that
// PostgreSQL copies to the workers, and a worker uses it only while its leader is still in
// that transaction.
#include "pg/boundary/compat.hpp"
#include "pg/identity/identity.hpp"

#include <cstring>

#include "core/grant_row.hpp"
#include "core/identity_rules.hpp"
#include "core/uuid_text.hpp"
#include "pg/citus/citus_bridge.hpp"
#include "pg/citus/citus_identity.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/identity/json_text.hpp"
#include "pg/identity/login_users.hpp"
#include "pg/checks/plan_identity.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "access/parallel.h"
#include "access/xact.h"
#include "executor/executor.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "tcop/utility.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
}

namespace customer_access::pg {
namespace {

enum class Status { kNone, kUser, kStale, kInvalid };

struct Resolved {
    Status status;
    Uuid user;
    const char *claims;  // JSON text or nullptr (TopMemoryContext or a setting)
};

// authenticate()'s result, for the transaction that called it.
struct TokenIdentity {
    LocalTransactionId given_in;
    Uuid user;
    char *claims;  // in TopMemoryContext
} token_identity{InvalidLocalTransactionId, {}, nullptr};

// login_users' answer, remembered for one transaction and session user.
struct LoginIdentity {
    LocalTransactionId looked_up_in;
    Oid login;
    bool found;
    Uuid user;
} login_identity{InvalidLocalTransactionId, InvalidOid, false, {}};

LocalTransactionId warned_in = InvalidLocalTransactionId;

static_assert(sizeof(LocalTransactionId) == sizeof(TransactionStamp) &&
                  InvalidLocalTransactionId == kNoTransaction,
              "a transaction stamp is a local transaction id");

// Whether a value given in transaction `given_in` still counts, in the current mode and scope.
bool fresh(LocalTransactionId given_in) {
    return identity_counts(identity_lifetime(identity_mode(), identity_scope()), given_in,
                           current_local_transaction());
}

Resolved from_setting() {
    Uuid user;
    switch (user_id_parsed(&user)) {
        case ParsedUser::kUnset:
            return Resolved{Status::kNone, {}, nullptr};
        case ParsedUser::kInvalid:
            return Resolved{Status::kInvalid, {}, nullptr};
        case ParsedUser::kValid:
            break;
    }
    if (!fresh(user_id_setting_value().given_in))
        return Resolved{Status::kStale, {}, nullptr};
    return Resolved{Status::kUser, user, nullptr};
}

}  // namespace

char *claim_text(Jsonb *claims, const char *path) {
    JsonbContainer *container = &claims->root;
    const char *at = path;
    while (true) {
        const char *dot = strchr(at, '.');
        std::size_t length = dot != nullptr ? static_cast<std::size_t>(dot - at) : strlen(at);
        if (!JsonContainerIsObject(container))
            return nullptr;
        JsonbValue *value =
            getKeyJsonValueFromContainer(container, at, static_cast<int>(length), nullptr);
        if (value == nullptr)
            return nullptr;
        if (dot == nullptr)
            return value->type == jbvString ? pnstrdup(value->val.string.val, value->val.string.len)
                                            : nullptr;
        if (value->type != jbvBinary)
            return nullptr;
        container = value->val.binary.data;
        at = dot + 1;
    }
}

namespace {

Jsonb *parse_claims(const char *text) {
    return text == nullptr ? nullptr : json_object_or_null(text, static_cast<int>(strlen(text)));
}

// The subject of claims given as JSON text: a user, or none (no error for any text).
Resolved parse_subject(const char *text) {
    Jsonb *parsed = parse_claims(text);
    if (parsed == nullptr)
        return Resolved{Status::kNone, {}, nullptr};
    char *subject = claim_text(parsed, identity_claim());
    std::optional<Uuid> user = subject != nullptr ? parse_uuid(subject) : std::nullopt;
    if (!user)
        return Resolved{Status::kNone, {}, text};
    return Resolved{Status::kUser, *user, text};
}

// The last claims text read and its subject: the checks run per row, the claims change per
// request. Compared by content, so a new value at a reused address is never mistaken.
struct ClaimsCache {
    char *text;  // TopMemoryContext
    char *path;
    bool has_user;
    Uuid user;
} claims_cache{nullptr, nullptr, false, {}};

Resolved from_claims() {
    StampedValue claims = jwt_claims_setting_value();
    if (claims.text == nullptr || claims.text[0] == '\0')
        return Resolved{Status::kNone, {}, nullptr};
    if (!fresh(claims.given_in))
        return Resolved{Status::kStale, {}, nullptr};
    if (claims_cache.text != nullptr && strcmp(claims_cache.text, claims.text) == 0 &&
        strcmp(claims_cache.path, identity_claim()) == 0)
        return claims_cache.has_user ? Resolved{Status::kUser, claims_cache.user, claims.text}
                                     : Resolved{Status::kNone, {}, claims.text};
    Resolved r = parse_subject(claims.text);
    if (claims_cache.text != nullptr) {
        pfree(claims_cache.text);
        pfree(claims_cache.path);
    }
    claims_cache = ClaimsCache{MemoryContextStrdup(TopMemoryContext, claims.text),
                               MemoryContextStrdup(TopMemoryContext, identity_claim()),
                               r.status == Status::kUser, r.user};
    return r;
}

Resolved from_token() {
    if (!fresh(token_identity.given_in))
        return Resolved{Status::kNone, {}, nullptr};
    return Resolved{Status::kUser, token_identity.user, token_identity.claims};
}

// login_users' row for the session's login role (bound to that role's OID), once per
// transaction.
Resolved from_login() {
    Oid login = GetSessionUserId();
    if (!identity_counts(Lifetime::kTransaction, login_identity.looked_up_in,
                         current_local_transaction()) ||
        login_identity.login != login) {
        login_identity = LoginIdentity{current_local_transaction(), login, false, {}};
        login_identity.found = login_user_of(login, &login_identity.user);
    }
    if (!login_identity.found)
        return Resolved{Status::kNone, {}, nullptr};
    return Resolved{Status::kUser, login_identity.user, nullptr};
}

// A parallel query's worker: identity_setting_changes() when its query started, the settings
// restored from the leader. The leader hands the identity at every query's start (and
// authenticate() is refused during a parallel operation), so the handed identity is the
// worker's only while nothing changes it inside the worker: a function's SET clause can.
struct WorkerQuery {
    bool started;
    std::uint64_t setting_changes;
} worker_query{false, 0};

void note_worker_query_start() {
    if (IsParallelWorker())
        worker_query = WorkerQuery{true, identity_setting_changes()};
}

// A parallel worker's identity: the leader's, while the leader is in the same transaction.
// The setting is "<leader lxid> <uuid or ->". Empty, it was never handed: the leader had not
// loaded the module when the query started (the checks then run only inside functions the
// leader did not plan), and answering "no user" would be a wrong answer.
Resolved from_leader() {
    const char *text = worker_identity_setting();
    if (text[0] == '\0')
        ereport(ERROR,
                (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                 errmsg("customer_access: this parallel worker's leader handed it no identity"),
                 errdetail("customer_access was not loaded in the leader when the query started."),
                 errhint("Preload customer_access (shared_preload_libraries or "
                         "session_preload_libraries), or call a customer_access function in "
                         "the session before this query.")));
    // A parallel index build's workers run no query: nothing was handed for this statement
    // (the setting holds the transaction's last parallel query's identity).
    if (!worker_query.started)
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("customer_access checks cannot run in this parallel worker"),
                 errdetail("Only a parallel query's workers are handed the application user; "
                           "this worker serves a parallel utility such as an index build."),
                 errhint("Run it without parallel workers (max_parallel_maintenance_workers = "
                         "0).")));
    if (identity_setting_changes() != worker_query.setting_changes)
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("customer_access: the identity changed inside a parallel worker"),
                 errdetail("A function's SET clause changed an identity setting in a parallel "
                           "worker, which answers only for the identity its leader handed it."),
                 errhint("Mark the function that sets it PARALLEL RESTRICTED.")));
    PGPROC *leader = MyProc != nullptr ? MyProc->lockGroupLeader : nullptr;
    unsigned long given_in = 0;
    char user[40] = {0};
    if (leader == nullptr || sscanf(text, "%lu %39s", &given_in, user) != 2 ||
        !identity_counts(Lifetime::kTransaction, static_cast<TransactionStamp>(given_in),
                         local_transaction_of(leader)) ||
        strcmp(user, "-") == 0)
        return Resolved{Status::kNone, {}, nullptr};
    std::optional<Uuid> parsed = parse_uuid(user);
    if (!parsed)
        return Resolved{Status::kNone, {}, nullptr};
    return Resolved{Status::kUser, *parsed, nullptr};
}

// On a Citus node running shard queries: the coordinator's identity, and no other.
Resolved from_carrier() {
    Uuid user{};
    const char *claims = nullptr;
    switch (carried_identity(&user, &claims)) {
        case CarriedStatus::kUser:
            return Resolved{Status::kUser, user, claims};
        case CarriedStatus::kStale:
            return Resolved{Status::kStale, {}, nullptr};
        case CarriedStatus::kInvalid:
            return Resolved{Status::kInvalid, {}, nullptr};
        case CarriedStatus::kNone:
            break;
    }
    return Resolved{Status::kNone, {}, claims};
}

bool warned_untrusted = false;

NodeRole node_role() {
    switch (identity_source()) {
        case IdentitySource::kOwn:
            return NodeRole::kOwn;
        case IdentitySource::kCarried:
            return NodeRole::kCarried;
        case IdentitySource::kNone:
            break;
    }
    return NodeRole::kNone;
}

UserSource current_user_source() {
    bool worker = IsParallelWorker();
    return user_source(worker, worker ? NodeRole::kNone : node_role(), identity_settings_trusted(),
                       identity_mode());
}

Resolved resolve() {
    switch (current_user_source()) {
        case UserSource::kLeader:
            return from_leader();
        case UserSource::kCarrier:
            return from_carrier();
        case UserSource::kNothing:
            return Resolved{Status::kNone, {}, nullptr};
        case UserSource::kUntrusted:
            break;
        case UserSource::kSetting:
            return from_setting();
        case UserSource::kClaims:
            return from_claims();
        case UserSource::kToken:
            return from_token();
        case UserSource::kLogin:
            return from_login();
    }
    if (!warned_untrusted) {
        warned_untrusted = true;
        ereport(WARNING,
                (errmsg("customer_access uses no application user in this session"),
                 errdetail("A superuser-only customer_access setting was given before the "
                           "module was loaded by a role that may not set it; the value the "
                           "DBA configured is lost with it."),
                 errhint("Connect without that option, or preload the module "
                         "(shared_preload_libraries = 'customer_access').")));
    }
    return Resolved{Status::kNone, {}, nullptr};
}

// What resolve() answered, and under what. The checks ask for the user on every row; what
// resolve() reads is
// - the settings customer_access.user_id, request.jwt.claims (and their stamps), identity,
//   identity_scope, claim, worker_identity (a parallel worker's leader's identity) and
//   carrier: every change of any of them counts in identity_setting_changes();
// - the token identity: authenticate() and the ROLLBACK TO SAVEPOINT (or exception block)
//   that undoes it count in token_changes;
// - the current transaction (the stamp rule; login_users is read once per transaction);
// - the session user (login mode; SET ROLE and SECURITY DEFINER change only the current
//   user, which resolve() does not read);
// - in a parallel worker its leader's transaction, which cannot end while the worker runs;
// - whether the settings were trusted when the module loaded, and whether this is a parallel
//   worker: fixed for the life of the backend.
// With every counted input unchanged the answer is the same, so it is reused. Where Citus is
// loaded the answer also depends on the connection a statement runs on and on settings such
// as application_name (citus_identity.cpp): it is resolved every time there.
std::uint64_t token_changes = 0;

struct ResolvedMemo {
    bool valid;
    std::uint64_t setting_changes;
    std::uint64_t token_changes;
    LocalTransactionId transaction;
    Oid session_user;
    Status status;
    Uuid user;
} memo{false, 0, 0, InvalidLocalTransactionId, InvalidOid, Status::kNone, {}};

// resolve()'s status and user (not its claims, whose text may be gone by the next call).
// Where Citus is loaded nothing is remembered (memo.valid stays false).
Resolved resolve_memoized() {
    std::uint64_t settings = identity_setting_changes();
    LocalTransactionId transaction = current_local_transaction();
    Oid session_user = GetSessionUserId();
    if (memo.valid && memo.setting_changes == settings && memo.token_changes == token_changes &&
        memo.transaction == transaction && memo.session_user == session_user)
        return Resolved{memo.status, memo.user, nullptr};
    Resolved r = resolve();
    // Another answer than the last (a login mapped to another user by the DBA, a session
    // user changed some other way): plans shaped for the last one are planned again. The
    // changes this backend makes itself have forgotten them already, when they happened.
    if (memo.valid && (memo.status != r.status || !same_uuid(memo.user, r.user)))
        forget_identity_shaped_plans();
    if (!citus_loaded())
        memo = ResolvedMemo{true,         settings, token_changes, transaction,
                            session_user, r.status, r.user};
    return r;
}

ExecutorStart_hook_type previous_executor_start = nullptr;
ExecutorEnd_hook_type previous_executor_end = nullptr;

void note_end(QueryDesc *query) {
    note_query_end(query);
    if (previous_executor_end != nullptr)
        previous_executor_end(query);
    else
        standard_ExecutorEnd(query);
}
ProcessUtility_hook_type previous_utility = nullptr;

// Before a query of the leader whose plan may start parallel workers, the identity it would
// use goes to the setting that PostgreSQL copies to its workers when it sets them up (at the
// plan's first Gather, during the run): written only when it changes.
void hand_identity_to_workers(QueryDesc *query) {
    if (query->plannedstmt->parallelModeNeeded && !IsParallelWorker() && !IsInParallelMode() &&
        IsTransactionState() && OidIsValid(installed_extension())) {
        Resolved r = resolve();
        char text[64];
        char user[37] = "-";
        if (r.status == Status::kUser)
            uuid_to_text(r.user, user);
        snprintf(text, sizeof text, "%lu %s",
                 static_cast<unsigned long>(current_local_transaction()), user);
        if (strcmp(text, worker_identity_setting()) != 0)
            set_worker_identity_setting(text);
    }
}

// Each run of a plan (a cursor's FETCH too) goes with the identity current then, to Citus's
// nodes and to parallel workers. At the run too, not only at the start: a module loaded
// while the session's first query started (no preloading) has its hooks from then on, and
// that query's workers are set up during its run.
void hand_identity_at_run(QueryDesc *query) {
    hand_identity_to_workers(query);
    hand_identity_to_citus(query);
}

void identity_before_utility(PlannedStmt *pstmt, const char *query, bool read_only,
                             ProcessUtilityContext context, ParamListInfo params,
                             QueryEnvironment *env, DestReceiver *dest, QueryCompletion *qc) {
    hand_identity_before_utility(pstmt->utilityStmt);
    // A login's identity follows the session user: plans shaped for the one before are
    // planned again.
    if (IsA(pstmt->utilityStmt, VariableSetStmt)) {
        auto *set = castNode(VariableSetStmt, pstmt->utilityStmt);
        if (set->name != nullptr && strcmp(set->name, "session_authorization") == 0)
            note_session_user_set(set->is_local);
    }
    if (previous_utility != nullptr)
        previous_utility(pstmt, query, read_only, context, params, env, dest, qc);
    else
        standard_ProcessUtility(pstmt, query, read_only, context, params, env, dest, qc);
}

void hand_identity_at_start(QueryDesc *query, int eflags) {
    note_worker_query_start();
    hand_identity_to_workers(query);
    hand_identity_to_citus(query);
    note_query_start(query);
    if (previous_executor_start != nullptr)
        previous_executor_start(query, eflags);
    else
        standard_ExecutorStart(query, eflags);
}

}  // namespace

bool current_application_user(Uuid *user) {
    Resolved r = resolve_memoized();
    switch (r.status) {
        case Status::kUser:
            *user = r.user;
            return true;
        case Status::kNone:
            return false;
        case Status::kStale:
            if (warned_in != current_local_transaction()) {
                warned_in = current_local_transaction();
                ereport(WARNING,
                        (errmsg("customer_access ignores an identity given in an earlier "
                                "transaction"),
                         errdetail("customer_access.identity_scope is \"transaction\": the "
                                   "application user counts only in the transaction that set "
                                   "it."),
                         errhint("Give the identity in every transaction: SET LOCAL "
                                 "customer_access.user_id, or set_config(..., true) for "
                                 "customer_access.user_id or request.jwt.claims.")));
            }
            return false;
        case Status::kInvalid:
            break;
    }
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
             errmsg("invalid input syntax for type uuid: \"%s\"", user_id_setting_value().text),
             errdetail("customer_access.user_id must be a uuid or empty.")));
    pg_unreachable();
}

bool checked_application_user(Uuid *user) {
    if (current_application_user(user))
        return true;
    if (identity_required())
        ereport(ERROR, (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
                        errmsg("no application user is established for this transaction"),
                        errdetail("customer_access.require_identity is on."),
                        errhint("Give the user in this transaction (SET LOCAL, the request's "
                                "claims, authenticate() or login_users, as "
                                "customer_access.identity says).")));
    return false;
}

const char *current_identity_claims() {
    switch (current_user_source()) {
        case UserSource::kCarrier:
            return from_carrier().claims;
        case UserSource::kToken:
            return from_token().claims;
        case UserSource::kClaims:
            break;
        case UserSource::kLeader:  // (current_claims() is parallel restricted)
        case UserSource::kNothing:
        case UserSource::kUntrusted:
        case UserSource::kSetting:
        case UserSource::kLogin:
            return nullptr;
    }
    StampedValue claims = jwt_claims_setting_value();
    if (claims.text == nullptr || claims.text[0] == '\0' || !fresh(claims.given_in) ||
        parse_claims(claims.text) == nullptr)
        return nullptr;
    return claims.text;
}

CarriedStatus identity_to_hand_on(Uuid *user, const char **claims) {
    Resolved r = resolve();
    *user = r.user;
    *claims = current_identity_claims();
    switch (r.status) {
        case Status::kUser:
            return CarriedStatus::kUser;
        case Status::kStale:
            return CarriedStatus::kStale;
        case Status::kInvalid:
            return CarriedStatus::kInvalid;
        case Status::kNone:
            break;
    }
    return CarriedStatus::kNone;
}

namespace {

// What authenticate() replaced, per subtransaction, so that ROLLBACK TO SAVEPOINT (or an
// exception block) undoes it as it undoes SET LOCAL: one entry per subtransaction that
// changed the token identity, holding the identity it had before; the entries of an aborted
// subtransaction give it back, a committed one's pass to its parent (which keeps its own
// older entry if it has one).
struct SavedToken {
    SubTransactionId changed_in;
    TokenIdentity before;
};
SavedToken *saved_tokens = nullptr;
int saved_count = 0;
int saved_capacity = 0;
LocalTransactionId saved_in = InvalidLocalTransactionId;

void free_claims(TokenIdentity &identity) {
    if (identity.claims != nullptr)
        pfree(identity.claims);
    identity.claims = nullptr;
}

void follow_subtransaction(SubXactEvent event, SubTransactionId sub, SubTransactionId parent,
                           void *) {
    // login_users as read in this transaction may hold rows the aborted subtransaction wrote
    // (or miss rows it deleted): read it again.
    if (event == SUBXACT_EVENT_ABORT_SUB &&
        login_identity.looked_up_in != InvalidLocalTransactionId) {
        login_identity.looked_up_in = InvalidLocalTransactionId;
        ++token_changes;
    }
    if (saved_count == 0 || saved_in != current_local_transaction() ||
        saved_tokens[saved_count - 1].changed_in != sub)
        return;
    SavedToken &top = saved_tokens[saved_count - 1];
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        if (!same_uuid(top.before.user, token_identity.user) ||
            top.before.given_in != token_identity.given_in)
            forget_identity_shaped_plans();
        free_claims(token_identity);
        token_identity = top.before;
        ++token_changes;
        --saved_count;
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        if (saved_count > 1 && saved_tokens[saved_count - 2].changed_in == parent) {
            free_claims(top.before);
            --saved_count;
        } else {
            top.changed_in = parent;
        }
    }
}

// Called before token_identity changes in the current subtransaction.
void remember_token_identity() {
    if (saved_in != current_local_transaction()) {
        for (int i = 0; i < saved_count; ++i)
            free_claims(saved_tokens[i].before);
        saved_count = 0;
        saved_in = current_local_transaction();
    }
    SubTransactionId sub = GetCurrentSubTransactionId();
    if (sub == TopSubTransactionId)
        return;  // a top-level change ends with the transaction anyway
    if (saved_count > 0 && saved_tokens[saved_count - 1].changed_in == sub)
        return;  // this subtransaction's older identity is kept already
    if (saved_count == saved_capacity) {
        int capacity = saved_capacity == 0 ? 8 : saved_capacity * 2;
        saved_tokens = static_cast<SavedToken *>(
            saved_tokens == nullptr
                ? MemoryContextAlloc(TopMemoryContext, capacity * sizeof(SavedToken))
                : repalloc(saved_tokens, capacity * sizeof(SavedToken)));
        saved_capacity = capacity;
    }
    TokenIdentity before = token_identity;
    if (before.claims != nullptr)
        before.claims = MemoryContextStrdup(TopMemoryContext, before.claims);
    saved_tokens[saved_count++] = SavedToken{sub, before};
}

}  // namespace

void establish_token_identity(const Uuid &user, const char *claims_json) {
    remember_token_identity();
    char *copy = MemoryContextStrdup(TopMemoryContext, claims_json);
    // Another identity than the one in force (none, when the last token was another
    // transaction's): plans shaped before are planned again.
    if (!fresh(token_identity.given_in) || !same_uuid(token_identity.user, user))
        forget_identity_shaped_plans();
    if (token_identity.claims != nullptr)
        pfree(token_identity.claims);
    token_identity = TokenIdentity{current_local_transaction(), user, copy};
    ++token_changes;
}

bool identity_ends_with_transaction() {
    return identity_lifetime(identity_mode(), identity_scope()) == Lifetime::kTransaction;
}

void install_identity_hooks() {
    RegisterSubXactCallback(follow_subtransaction, nullptr);
    install_plan_identity_callbacks();
    install_citus_identity();
    run_before_executor_run(hand_identity_at_run);
    previous_executor_end = ExecutorEnd_hook;
    ExecutorEnd_hook = note_end;
    previous_utility = ProcessUtility_hook;
    ProcessUtility_hook = identity_before_utility;
    previous_executor_start = ExecutorStart_hook;
    ExecutorStart_hook = hand_identity_at_start;
}

}  // namespace customer_access::pg
