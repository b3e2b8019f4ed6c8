#include "pg/boundary/compat.hpp"
#include "pg/citus/citus_identity.hpp"

#include <cstring>
#include <optional>

#include "pg/citus/citus_bridge.hpp"
#include "pg/citus/distribute.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/identity/identity.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "access/parallel.h"
#include "access/xact.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/plannodes.h"
#include "storage/proc.h"
#include "storage/lockdefs.h"
#include "utils/guc.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
}

namespace customer_access::pg {
namespace {

// The identity opened from this transaction's carrier (strings in TopMemoryContext).
struct Opened {
    LocalTransactionId in;  // valid: opened and bound to this transaction
    std::uint64_t changes;  // carrier_setting_changes() when opened
    char *text;
    CarriedStatus status;
    Uuid user;
    char *claims;  // nullptr when none
    CarrierBinding binding;
    NameData role;
    int64 sealed_at;
    uint64 gpid;
    bool writes_grants;
} opened{InvalidLocalTransactionId,
         0,
         nullptr,
         CarriedStatus::kNone,
         {},
         nullptr,
         {0, 0, 0},
         {},
         0,
         0,
         false};

// The identity handed to the nodes last, in this (sub)transaction.
struct Handed {
    LocalTransactionId in;
    CarriedStatus status;
    Uuid user;
    char *claims;  // TopMemoryContext, nullptr when none
    Oid role;
    TimestampTz sealed_at;
    bool writes_grants;
} handed{InvalidLocalTransactionId, CarriedStatus::kNone, {}, nullptr, InvalidOid, 0, false};

// The task Citus's local executor runs on the coordinator's copy of the grants (the outermost
// query started while it executes on that shard), and whether it changes the copy.
QueryDesc *local_task = nullptr;
bool local_task_writes = false;

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

// Opens text into `opened`; the C++ values live only in this frame, and nothing in it can
// raise an error.
OpenResult open_text(const char *text) {
    std::optional<CarriedIdentity> identity =
        open_carrier(cluster_secret(), get_database_name(MyDatabaseId), text);
    if (!identity)
        return OpenResult::kRefused;
    char *text_copy = top_copy(text, strlen(text));
    char *claims = identity->claims.empty()
                       ? nullptr
                       : top_copy(identity->claims.data(), identity->claims.size());
    if (text_copy == nullptr || (claims == nullptr && !identity->claims.empty())) {
        free_text(text_copy);
        free_text(claims);
        return OpenResult::kNoMemory;
    }
    free_text(opened.text);
    free_text(opened.claims);
    opened = Opened{InvalidLocalTransactionId,
                    carrier_setting_changes(),
                    text_copy,
                    identity->status,
                    identity->user,
                    claims,
                    identity->binding,
                    {},
                    identity->sealed_at,
                    identity->gpid,
                    identity->writes_grants};
    if (identity->role.size() >= NAMEDATALEN)
        return OpenResult::kRefused;
    memcpy(NameStr(opened.role), identity->role.data(), identity->role.size());
    NameStr(opened.role)[identity->role.size()] = '\0';
    return OpenResult::kOpened;
}

// The sealed text in palloc'd memory, or nullptr when memory ran out (the C++ values live
// only in this frame).
char *sealed_text(CarriedStatus status, const Uuid &user, const char *claims, const char *role,
                  CarrierBinding binding, TimestampTz now, uint64 gpid, bool writes_grants,
                  const char *database) noexcept {
    try {
        std::string text =
            seal_carrier(cluster_secret(), database,
                         CarriedIdentity{status, user, claims != nullptr ? claims : "", role,
                                         binding, now, gpid, writes_grants});
        auto *out = static_cast<char *>(palloc_extended(text.size() + 1, MCXT_ALLOC_NO_OOM));
        if (out != nullptr)
            memcpy(out, text.c_str(), text.size() + 1);
        return out;
    } catch (...) {
        return nullptr;
    }
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

void forget_handed(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
    if (event == SUBXACT_EVENT_COMMIT_SUB || event == SUBXACT_EVENT_ABORT_SUB)
        handed.in = InvalidLocalTransactionId;
    if (event == SUBXACT_EVENT_ABORT_SUB)
        local_task = nullptr;
}

void forget_local_task(XactEvent event, void *) {
    if (event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_ABORT ||
        event == XACT_EVENT_COMMIT || event == XACT_EVENT_PARALLEL_COMMIT)
        local_task = nullptr;
}

}  // namespace

IdentitySource identity_source() {
    if (!citus_loaded())
        return IdentitySource::kOwn;
    const ExtensionCatalog &c = extension_catalog();
    if (!c.distributed)
        return IdentitySource::kOwn;
    if (c.history_here) {
        // The coordinator's own copy is read by local execution, in the session itself; a
        // shard-query connection to the coordinator would need a carrier, which the
        // coordinator never believes (any session could present one).
        if (in_citus_internal_backend())
            not_carried(
                "The coordinator takes no identity from a connection: keep "
                "citus.enable_local_execution on.");
        return IdentitySource::kOwn;
    }
    if (carrier_setting_value()[0] != '\0')
        return IdentitySource::kCarried;
    if (in_citus_internal_backend())
        not_carried("No identity came with this distributed transaction.");
    return IdentitySource::kNone;
}

CarriedStatus carried_identity(Uuid *user, const char **claims) {
    // Opened and checked once per transaction and value (the checks ask per row).
    if (opened.in != current_local_transaction() || opened.changes != carrier_setting_changes()) {
        const char *text = carrier_setting_value();
        if (text[0] == '\0')
            not_carried("No identity came with this distributed transaction.");
        if (cluster_secret()[0] == '\0')
            not_carried("customer_access.cluster_secret is not set on this node.");
        switch (open_text(text)) {
            case OpenResult::kOpened:
                break;
            case OpenResult::kRefused:
                not_carried(
                    "Its seal does not hold under this node's customer_access.cluster_secret.");
            case OpenResult::kNoMemory:
                out_of_memory();
        }
        std::optional<CarrierBinding> now = current_distributed_transaction();
        if (!now || now->initiator != opened.binding.initiator ||
            now->transaction != opened.binding.transaction ||
            now->started != opened.binding.started)
            not_carried("It was sealed for another distributed transaction.");
        if (strcmp(NameStr(opened.role), GetUserNameFromId(GetSessionUserId(), false)) != 0)
            not_carried("It was sealed for another database role.");
        // Only the coordinator backend's own connections present it: Citus names them by
        // its global pid when it connects (a name set later by SET does not count).
        const char *expected = psprintf("citus_internal gpid=" UINT64_FORMAT, opened.gpid);
        if (application_name == nullptr || strcmp(application_name, expected) != 0 ||
            !application_name_from_connection())
            not_carried("This is not a connection of the coordinator backend it was sealed for.");
        if (!carrier_fresh(opened.sealed_at, GetCurrentTimestamp()))
            not_carried("It is older than its lifetime (check the nodes' clocks).");
        opened.in = current_local_transaction();
    }
    *user = opened.user;
    *claims = opened.claims;
    return opened.status;
}

namespace {

// Seals and sends the identity when it differs from the one handed last in this transaction
// (or half its lifetime has passed, or Citus would connect as another role).
void hand_identity(bool writes_grants) {
    Uuid user{};
    const char *claims = nullptr;
    CarriedStatus status = identity_to_hand_on(&user, &claims);
    Oid role = GetUserId();
    TimestampTz now = GetCurrentTimestamp();
    if (handed.in == current_local_transaction() && handed.status == status &&
        same_uuid(handed.user, user) && same_text(handed.claims, claims) && handed.role == role &&
        handed.writes_grants == writes_grants && now - handed.sealed_at < kCarrierLifetime / 2)
        return;
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
    CarrierBinding binding = start_coordinated_transaction();
    char *text = sealed_text(status, user, claims, GetUserNameFromId(role, false), binding, now,
                             citus_global_pid(), writes_grants, get_database_name(MyDatabaseId));
    char *claims_copy = claims != nullptr ? top_copy(claims, strlen(claims)) : nullptr;
    if (text == nullptr || (claims != nullptr && claims_copy == nullptr))
        out_of_memory();
    propagate_set_local("customer_access.carrier", text);
    free_text(handed.claims);
    handed =
        Handed{current_local_transaction(), status, user, claims_copy, role, now, writes_grants};
}

// Cheap tests first: executor hooks ask this for every query once Citus is loaded.
bool hands_identity_here() {
    return citus_loaded() && !in_citus_internal_backend() && !IsParallelWorker() &&
           IsTransactionState();
}

// Whether a statement changes the grants: its target is customer_access.external_access (or,
// for a task of Citus's local executor, the shard).
bool changes_relation(QueryDesc *query, Oid relid) {
    if (query->operation == CMD_SELECT || !OidIsValid(relid))
        return false;
    ListCell *cell;
    foreach (cell, query->plannedstmt->rtable) {
        auto *rte = lfirst_node(RangeTblEntry, cell);
        if (rte->rtekind == RTE_RELATION && rte->relid == relid &&
            rte->rellockmode >= RowExclusiveLock)
            return true;
    }
    return false;
}

bool citus_coordinator() {
    if (!citus_loaded() || !IsTransactionState() || !OidIsValid(installed_extension()))
        return false;
    const ExtensionCatalog &c = extension_catalog();
    return c.distributed && c.history_here;
}

}  // namespace

void hand_identity_to_citus(QueryDesc *query) {
    if (hands_identity_here() && reaches_citus(query->plannedstmt) && citus_coordinator())
        hand_identity(changes_relation(query, extension_catalog().grants));
}

void hand_identity_before_utility(Node *statement) {
    if (IsA(statement, CopyStmt) && !castNode(CopyStmt, statement)->is_from &&
        hands_identity_here() && citus_coordinator())
        hand_identity(false);
}

void note_query_start(QueryDesc *query) {
    if (local_task != nullptr || !citus_loaded() || !in_local_execution() ||
        copying_grants_into_shards() || !citus_coordinator())
        return;
    const ExtensionCatalog &c = extension_catalog();
    if (!in_local_execution_of(c.grants_shard))
        return;
    local_task = query;
    local_task_writes = changes_relation(query, c.grant_rows);
}

void note_query_end(QueryDesc *query) {
    if (query == local_task)
        local_task = nullptr;
}

bool carrier_settable_here() {
    return !citus_coordinator();
}

bool change_through_citus(Oid shard) {
    const ExtensionCatalog &c = extension_catalog();
    if (!c.distributed || shard != c.grant_rows)
        return true;
    if (c.history_here)
        return copying_grants_into_shards() || (in_local_execution_of(c.grants_shard) &&
                                                local_task != nullptr && local_task_writes);
    if (carrier_setting_value()[0] != '\0') {
        Uuid user;
        const char *claims;
        (void)carried_identity(&user, &claims);  // 28000 unless it holds
        return opened.writes_grants;
    }
    // Citus copies rows into a new copy (distribute(), a node added) in its own connections.
    return in_citus_internal_backend() && application_name_from_connection();
}

void install_citus_identity() {
    RegisterSubXactCallback(forget_handed, nullptr);
    RegisterXactCallback(forget_local_task, nullptr);
}

}  // namespace customer_access::pg
