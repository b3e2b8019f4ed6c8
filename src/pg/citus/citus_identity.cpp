#include "pg/boundary/compat.hpp"
#include "pg/citus/citus_identity.hpp"

#include <algorithm>
#include <cstring>
#include <optional>

#include "pg/citus/citus_bridge.hpp"
#include "pg/citus/citus_link.hpp"
#include "pg/citus/palloc_sealed.hpp"
#include "pg/citus/citus_utility.hpp"
#include "pg/citus/copy_guard.hpp"
#include "pg/citus/citus_function_hook.hpp"
#include "pg/citus/shard_guard.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/identity/identity.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "access/parallel.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "storage/lockdefs.h"
#include "utils/acl.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

namespace customer_access::pg {
namespace {

// The carrier opened last (C++ values, touched only inside noexcept functions) and when.
std::optional<CarriedIdentity> &opened_carrier() {
    static std::optional<CarriedIdentity> carrier;
    return carrier;
}
struct Opened {
    LocalTransactionId in;  // valid: opened and admitted for reading in this transaction
    std::uint64_t changes;  // carrier_setting_changes() when opened
    char *claims;           // TopMemoryContext copy; nullptr when none
} opened{InvalidLocalTransactionId, 0, nullptr};

// The identity handed to the nodes last, in this (sub)transaction.
struct Handed {
    LocalTransactionId in;
    CarriedStatus status;
    Uuid user;
    char *claims;  // TopMemoryContext, nullptr when none
    Oid role;
    CarrierPurpose purpose;
    TimestampTz sealed_at;
    uint64 sessions_digest;
} handed{InvalidLocalTransactionId,
         CarriedStatus::kNone,
         {},
         nullptr,
         InvalidOid,
         CarrierPurpose::kRead,
         0,
         0};

// The role that changed the grants in this transaction through Citus: other roles' Citus
// connections cannot see those changes before the commit.
struct GrantsChanged {
    LocalTransactionId in;
    Oid role;
    int nest_level;  // the (sub)transaction that first changed them
} grants_changed{InvalidLocalTransactionId, InvalidOid, 0};

// The transaction whose nodes were given the superuser's exit from the Owner rule.
LocalTransactionId exit_handed_in = InvalidLocalTransactionId;
bool exit_handed_on = false;

// Set by the utility hook while a top-level SET of customer_access.carrier runs.
bool carrier_statement = false;

char *top_copy(const char *text, std::size_t length) {
    auto *copy = static_cast<char *>(
        MemoryContextAllocExtended(TopMemoryContext, length + 1, MCXT_ALLOC_NO_OOM));
    if (copy != nullptr) {
        memcpy(copy, text, length);
        copy[length] = '\0';
    }
    return copy;
}

void free_text(char *&text) {
    if (text != nullptr)
        pfree(text);
    text = nullptr;
}

bool same_text(const char *a, const char *b) {
    return (a == nullptr || b == nullptr) ? a == b : strcmp(a, b) == 0;
}

[[noreturn]] void not_carried(const char *detail) {
    ereport(ERROR,
            (errcode(ERRCODE_INVALID_AUTHORIZATION_SPECIFICATION),
             errmsg("the coordinator's application user did not reach this Citus node"),
             errdetail("%s", detail),
             errhint("Preload customer_access and set the same customer_access.cluster_secret "
                     "on every node (README \"Scaling out\").")));
    pg_unreachable();
}

[[noreturn]] void out_of_memory() {
    ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
    pg_unreachable();
}

enum class OpenResult { kOpened, kRefused, kNoMemory };

// Opens text into opened_carrier(); nothing here raises an error.
OpenResult open_text(const char *secret, const char *database, const char *text) noexcept {
    try {
        opened_carrier() = open_carrier(secret, database, text);
        return opened_carrier() ? OpenResult::kOpened : OpenResult::kRefused;
    } catch (...) {
        opened_carrier().reset();
        return OpenResult::kNoMemory;
    }
}

// What this backend knows about itself, as the rule takes it (plain values).
struct Facts {
    bool has_transaction;
    DistributedTransaction transaction;
    const char *session_role;
    int64 now;
    SessionTag session;
    const char *link;
};

CarrierVerdict judge_opened(const Facts &facts, CarrierUse use) noexcept {
    if (!opened_carrier())
        return CarrierVerdict::kOtherConnection;
    NodeBackend backend{facts.has_transaction ? std::optional(facts.transaction) : std::nullopt,
                        facts.session_role, facts.now, facts.session, facts.link};
    return judge_carrier(*opened_carrier(), backend, use);
}

Facts current_facts() {
    std::optional<DistributedTransaction> now = current_distributed_transaction();
    return Facts{now.has_value(),
                 now.value_or(DistributedTransaction{0, 0, 0}),
                 GetUserNameFromId(GetSessionUserId(), false),
                 GetCurrentTimestamp(),
                 own_session_tag(),
                 connection_link_fingerprint()};
}

const char *verdict_detail(CarrierVerdict verdict) {
    switch (verdict) {
        case CarrierVerdict::kAccepted:
            return "";
        case CarrierVerdict::kOtherConnection:
            return "It was not sealed for this connection.";
        case CarrierVerdict::kOtherTransaction:
            return "It was sealed for another distributed transaction.";
        case CarrierVerdict::kOtherRole:
            return "It was sealed for another database role.";
        case CarrierVerdict::kExpired:
            return "It is older than its lifetime (check the nodes' clocks).";
        case CarrierVerdict::kNotThisChange:
            return "It was not sealed for a statement that changes the grants this way.";
    }
    return "";
}

// Opens this transaction's carrier (once per value and transaction): 28000 when there is
// none or it does not open.
void open_current_carrier() {
    if (opened.in == current_local_transaction() && opened.changes == carrier_setting_changes() &&
        opened_carrier())
        return;
    opened.in = InvalidLocalTransactionId;
    const char *text = carrier_setting_value();
    if (text[0] == '\0')
        not_carried("No identity came with this distributed transaction.");
    if (cluster_secret()[0] == '\0')
        not_carried("customer_access.cluster_secret is not set on this node.");
    switch (open_text(cluster_secret(), get_database_name(MyDatabaseId), text)) {
        case OpenResult::kOpened:
            break;
        case OpenResult::kRefused:
            not_carried("Its seal does not hold under this node's customer_access.cluster_secret.");
        case OpenResult::kNoMemory:
            out_of_memory();
    }
    const std::string &claims = opened_carrier()->claims;
    char *copy = claims.empty() ? nullptr : top_copy(claims.data(), claims.size());
    if (!claims.empty() && copy == nullptr)
        out_of_memory();
    free_text(opened.claims);
    opened.claims = copy;
    opened.changes = carrier_setting_changes();
}

// The sealed text in palloc'd memory, or nullptr when memory ran out or the identity exceeds
// the carrier's limits (the C++ values live only in this frame).
char *sealed_text(CarriedStatus status, const Uuid &user, const char *claims, const char *role,
                  DistributedTransaction transaction, TimestampTz now, CarrierPurpose purpose,
                  const SessionTag *sessions, int session_count, const char *link,
                  const char *database, const BoxNonce &nonce) noexcept {
    try {
        std::string text = seal_carrier(
            cluster_secret(), database,
            CarriedIdentity{status, user, claims != nullptr ? claims : "", role, transaction, now,
                            purpose, std::vector<SessionTag>(sessions, sessions + session_count),
                            link},
            nonce);
        return palloc_sealed(text);
    } catch (...) {
        return nullptr;
    }
}

uint64 digest_of(SessionTag *sessions, int count) {
    std::sort(sessions, sessions + count);
    uint64 digest = 1469598103934665603ULL;
    for (int i = 0; i < count; ++i)
        digest = (digest ^ sessions[i]) * 1099511628211ULL;
    return digest ^ static_cast<uint64>(count);
}

bool reaches_citus(PlannedStmt *stmt) {
    if (!is_citus_plan(stmt->planTree)) {
        ListCell *cell;
        foreach (cell, stmt->subplans)
            if (is_citus_plan(static_cast<Plan *>(lfirst(cell))))
                return true;
        return false;
    }
    return true;
}

void forget_on_subtransaction(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
    if (event == SUBXACT_EVENT_COMMIT_SUB || event == SUBXACT_EVENT_ABORT_SUB) {
        handed.in = InvalidLocalTransactionId;
        exit_handed_in = InvalidLocalTransactionId;
    }
    if (event == SUBXACT_EVENT_ABORT_SUB && grants_changed.in == current_local_transaction() &&
        grants_changed.nest_level >= GetCurrentTransactionNestLevel())
        grants_changed.in = InvalidLocalTransactionId;
}

// Refuses a statement through Citus as another role after the grants changed in this
// transaction: that role's connections to the nodes would not see the change.
void refuse_other_role_after_change(Oid role) {
    if (grants_changed.in != current_local_transaction() || grants_changed.role == role)
        return;
    ereport(ERROR,
            (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
             errmsg("the grants changed earlier in this transaction by role \"%s\" are not "
                    "visible to Citus as role \"%s\"",
                    GetUserNameFromId(grants_changed.role, false), GetUserNameFromId(role, false)),
             errdetail("Citus runs this statement on the nodes in connections of another role, "
                       "which do not see the transaction's uncommitted changes."),
             errhint("Commit the change of the grants first, or run the statement as the role "
                     "that changed them.")));
}

// Seals and sends the identity when it differs from the one handed last in this transaction
// (or its purpose changed, or half its lifetime has passed, or Citus would connect as another
// role, or a statement that changes the grants would find connections the last one did not
// name). through_local_connection: the statement reaches this node's copy through a Citus
// connection too.
void hand_identity(CarrierPurpose purpose, bool through_local_connection = false) {
    Uuid user{};
    const char *claims = nullptr;
    CarriedStatus status = identity_to_hand_on(&user, &claims);
    Oid role = GetUserId();
    const char *role_name = GetUserNameFromId(role, false);
    refuse_other_role_after_change(role);
    if (cluster_secret()[0] == '\0')
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("customer_access.cluster_secret is not set"),
                        errdetail("The application user cannot be handed to the Citus nodes."),
                        errhint("Set the same secret of at least 32 characters in "
                                "postgresql.conf of every node.")));
    if (claims != nullptr && strlen(claims) > kMaxCarriedClaims)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("the claims are too large to hand to the Citus nodes"),
                        errdetail("They are %zu bytes; at most %zu are carried.", strlen(claims),
                                  kMaxCarriedClaims)));
    DistributedTransaction transaction = start_coordinated_transaction();
    // A session that took another's distributed transaction (assign_distributed_transaction_id
    // is PUBLIC) would have its carrier admit its connections to that transaction's
    // intermediate results.
    if (!distributed_transaction_originator())
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("this session's distributed transaction was not started here"),
                 errdetail("assign_distributed_transaction_id() does not make a session part of "
                           "another's transaction.")));
    bool changes = purpose == CarrierPurpose::kChange || purpose == CarrierPurpose::kTruncate;
    // A change is admitted only on connections named by their session tag: make sure those
    // Citus will use exist now.
    if (changes)
        connect_to_placements(extension_catalog().grants_shard, role_name,
                              through_local_connection);
    // A superuser's exit from the Owner rule (customer_access.allow_owner_revoke) goes with a
    // change of the grants to every node, whose copies judge it too: in the transaction only,
    // and a node lets only a superuser set it.
    if (changes && superuser()) {
        bool exit = owner_revoke_allowed();
        if (exit_handed_in == current_local_transaction() ? exit != exit_handed_on : exit) {
            propagate_set_local("customer_access.allow_owner_revoke", exit ? "on" : "off");
            exit_handed_in = current_local_transaction();
            exit_handed_on = exit;
        }
    }
    const char *link = transaction_link_fingerprint();
    SessionTag *sessions = nullptr;
    int session_count = connection_sessions(role_name, &sessions);
    if (session_count > static_cast<int>(kMaxCarriedSessions))
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("this backend has too many Citus connections to name in a carrier"),
                        errdetail("It has %d; at most %zu are named.", session_count,
                                  kMaxCarriedSessions)));
    uint64 digest = digest_of(sessions, session_count);
    TimestampTz now = GetCurrentTimestamp();
    if (handed.in == current_local_transaction() && handed.status == status &&
        same_uuid(handed.user, user) && same_text(handed.claims, claims) && handed.role == role &&
        handed.purpose == purpose && (!changes || handed.sessions_digest == digest) &&
        now - handed.sealed_at < kCarrierLifetime / 2)
        return;
    BoxNonce nonce;
    if (!pg_strong_random(nonce.data(), nonce.size()))
        ereport(ERROR,
                (errcode(ERRCODE_INTERNAL_ERROR), errmsg("could not generate a random nonce")));
    char *text = sealed_text(status, user, claims, role_name, transaction, now, purpose, sessions,
                             session_count, link, get_database_name(MyDatabaseId), nonce);
    char *claims_copy = claims != nullptr ? top_copy(claims, strlen(claims)) : nullptr;
    if (text == nullptr || (claims != nullptr && claims_copy == nullptr))
        out_of_memory();
    propagate_set_local("customer_access.carrier", text);
    free_text(handed.claims);
    handed =
        Handed{current_local_transaction(), status, user, claims_copy, role, purpose, now, digest};
    if (changes && grants_changed.in != current_local_transaction())
        grants_changed =
            GrantsChanged{current_local_transaction(), role, GetCurrentTransactionNestLevel()};
}

// Cheap tests first: executor hooks ask this for every query once Citus is loaded.
bool hands_identity_here() {
    return citus_loaded() && !in_citus_internal_backend() && !IsParallelWorker() &&
           IsTransactionState();
}

bool citus_coordinator() {
    if (!citus_loaded() || !IsTransactionState() || !OidIsValid(installed_extension()))
        return false;
    const ExtensionCatalog &c = extension_catalog();
    return c.distributed && c.history_here;
}

// Whether a utility statement reaches Citus tables, and with which purpose.
std::optional<CarrierPurpose> utility_purpose(Node *statement) {
    if (IsA(statement, CopyStmt)) {
        auto *copy = castNode(CopyStmt, statement);
        if (copy->relation == nullptr)
            return copy->is_from ? std::nullopt : std::optional(CarrierPurpose::kRead);
        Oid relid = RangeVarGetRelid(copy->relation, NoLock, true);
        if (!OidIsValid(relid))
            return std::nullopt;
        if (copy->is_from && is_grants_table(relid))
            return CarrierPurpose::kChange;
        return row_home(relid).distributed ? std::optional(CarrierPurpose::kRead) : std::nullopt;
    }
    if (IsA(statement, TruncateStmt)) {
        ListCell *cell;
        foreach (cell, castNode(TruncateStmt, statement)->relations) {
            Oid relid = RangeVarGetRelid(lfirst_node(RangeVar, cell), NoLock, true);
            if (OidIsValid(relid) && is_grants_table(relid))
                return CarrierPurpose::kTruncate;
        }
    }
    return std::nullopt;
}

}  // namespace

IdentitySource identity_source() {
    if (!citus_loaded())
        return IdentitySource::kOwn;
    const ExtensionCatalog &c = extension_catalog();
    if (!c.distributed)
        return IdentitySource::kOwn;
    if (carrier_setting_value()[0] != '\0')
        return IdentitySource::kCarried;
    // A Citus connection to any node (the coordinator's own shard-query connections too)
    // must have brought one.
    if (in_citus_internal_backend())
        not_carried("No identity came with this distributed transaction.");
    return c.history_here ? IdentitySource::kOwn : IdentitySource::kNone;
}

CarriedStatus carried_identity(Uuid *user, const char **claims) {
    // Opened and admitted once per transaction and value (the checks ask per row).
    if (opened.in != current_local_transaction() || opened.changes != carrier_setting_changes() ||
        !opened_carrier()) {
        open_current_carrier();
        CarrierVerdict verdict = judge_opened(current_facts(), CarrierUse::kRead);
        if (verdict != CarrierVerdict::kAccepted)
            not_carried(verdict_detail(verdict));
        opened.in = current_local_transaction();
    }
    *user = opened_carrier()->user;
    *claims = opened.claims;
    return opened_carrier()->status;
}

bool carrier_present() {
    return carrier_setting_value()[0] != '\0';
}

CarrierVerdict carrier_verdict(CarrierUse use) {
    open_current_carrier();
    return judge_opened(current_facts(), use);
}

CarrierPurpose carrier_purpose() {
    open_current_carrier();
    return opened_carrier()->purpose;
}

void hand_identity_to_citus(QueryDesc *query) {
    if (!hands_identity_here() || !reaches_citus(query->plannedstmt) || !citus_coordinator())
        return;
    if (statement_changes_grants(query)) {
        // (without local execution Citus changes the coordinator's copy through a connection)
        hand_identity(CarrierPurpose::kChange, !citus_local_execution_enabled());
        return;
    }
    // Citus's own queries for a statement that changes the grants keep its purpose.
    hand_identity(running_grants_statement().value_or(CarrierPurpose::kRead));
}

void hand_identity_before_utility(Node *statement) {
    if (!IsA(statement, CopyStmt) && !IsA(statement, TruncateStmt))
        return;
    if (!hands_identity_here() || !citus_coordinator())
        return;
    std::optional<CarrierPurpose> purpose = utility_purpose(statement);
    // (Citus's COPY reaches the coordinator's own copy through a connection, and so does a
    // TRUNCATE without local execution)
    if (purpose)
        hand_identity(*purpose, IsA(statement, CopyStmt) || !citus_local_execution_enabled());
}

bool identity_goes_with_citus() {
    return hands_identity_here() && citus_coordinator();
}

bool carrier_settable_here() {
    // (without Citus a carrier means nothing: identity_source() never reads it)
    if (!citus_loaded() || InitializingParallelWorker || IsParallelWorker())
        return true;  // the leader's value, copied
    if (!carrier_statement)
        return false;
    return !citus_coordinator() || in_citus_internal_backend();
}

void note_carrier_statement(bool top_level) {
    carrier_statement = top_level;
}

void hand_identity_for_fill() {
    if (hands_identity_here())
        hand_identity(CarrierPurpose::kFill);
}

void install_citus_identity() {
    RegisterSubXactCallback(forget_on_subtransaction, nullptr);
    install_link_callbacks();
    install_copy_guard();
    install_citus_utility_hook();
    install_citus_function_hook();
}

}  // namespace customer_access::pg
