#include "pg/boundary/compat.hpp"
#include "pg/citus/copy_guard.hpp"

#include <cstring>

#include "core/identity_carrier.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/citus/citus_bridge.hpp"
#include "pg/citus/citus_identity.hpp"
#include "pg/citus/citus_link.hpp"
#include "pg/citus/palloc_sealed.hpp"
#include "pg/citus/distribute.hpp"
#include "pg/citus/shard_guard.hpp"
#include "pg/guard/ddl_guard.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "access/xact.h"
#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/planner.h"
#include "utils/regproc.h"
#include "nodes/value.h"
#include "parser/parse_func.h"
#include "parser/parsetree.h"
#include "storage/lockdefs.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "tcop/pquery.h"
#include "utils/timestamp.h"
}

namespace customer_access::pg {
namespace {

// What runs now that matters to the copies.
enum class Kind : char {
    kGrantsChange,    // a statement that changes customer_access.external_access
    kGrantsTruncate,  // TRUNCATE of customer_access.external_access
    kAdmitted,        // a change of this node's copy that was admitted
    kCopying,         // ... Citus copying existing grants into it (they keep their versions)
};
struct Entry {
    const void *statement;
    Kind kind;
    int nest_level;
};
Entry *entries = nullptr;
int entry_count = 0;
int entry_capacity = 0;

void push(const void *statement, Kind kind) {
    if (entry_count == entry_capacity) {
        int capacity = entry_capacity == 0 ? 8 : entry_capacity * 2;
        entries = static_cast<Entry *>(
            entries == nullptr ? MemoryContextAlloc(TopMemoryContext, capacity * sizeof(Entry))
                               : repalloc(entries, capacity * sizeof(Entry)));
        entry_capacity = capacity;
    }
    entries[entry_count++] = Entry{statement, kind, GetCurrentTransactionNestLevel()};
}

void pop(const void *statement) {
    for (int i = entry_count - 1; i >= 0; --i)
        if (entries[i].statement == statement) {
            memmove(&entries[i], &entries[i + 1], (entry_count - i - 1) * sizeof(Entry));
            --entry_count;
        }
}

bool running(Kind kind) {
    for (int i = 0; i < entry_count; ++i)
        if (entries[i].kind == kind)
            return true;
    return false;
}

bool running_admitted() {
    return running(Kind::kAdmitted) || running(Kind::kCopying);
}

// The innermost statement that changes or truncates customer_access.external_access.
const Entry *innermost_grants_statement() {
    for (int i = entry_count - 1; i >= 0; --i)
        if (entries[i].kind == Kind::kGrantsChange || entries[i].kind == Kind::kGrantsTruncate)
            return &entries[i];
    return nullptr;
}

// The task Citus's local executor runs on the coordinator's copy of the grants (the outermost
// query started while it executes on that shard), and whether it changes the copy.
QueryDesc *local_task = nullptr;
bool local_task_writes = false;

// The shard copy (worker_copy_table_to_node) whose proof is in this backend's startup options.
QueryDesc *copying_query = nullptr;

bool changes_relation(PlannedStmt *stmt, Oid relid) {
    ListCell *cell;
    foreach (cell, stmt->rtable) {
        auto *rte = lfirst_node(RangeTblEntry, cell);
        if (rte->rtekind == RTE_RELATION && rte->relid == relid &&
            rte->rellockmode >= RowExclusiveLock)
            return true;
    }
    return false;
}

bool is_coordinator() {
    return local_group_id() == 0;
}

// A statement the connection's client sent, not one run inside another statement.
bool sent_by_client(PlannedStmt *stmt) {
    return ActivePortal != nullptr && list_member_ptr(ActivePortal->stmts, stmt);
}

[[noreturn]] void refuse(const char *detail) {
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("the grants are changed through customer_access.external_access only"),
                    errdetail("%s", detail),
                    errhint("Change customer_access.external_access on the coordinator; Citus "
                            "changes every copy.")));
    pg_unreachable();
}

const char *refusal(CarrierVerdict verdict) {
    switch (verdict) {
        case CarrierVerdict::kAccepted:
            return "";
        case CarrierVerdict::kOtherConnection:
            return "This node's copy changes only in a Citus connection its carrier was sealed "
                   "for.";
        case CarrierVerdict::kOtherTransaction:
            return "Its carrier was sealed for another distributed transaction.";
        case CarrierVerdict::kOtherRole:
            return "Its carrier was sealed for another database role.";
        case CarrierVerdict::kExpired:
            return "Its carrier is older than its lifetime.";
        case CarrierVerdict::kNotThisChange:
            return "Its carrier was not sealed for a statement that changes the grants this way.";
    }
    return "";
}

// A change of a copy on a node other than the coordinator: sent by the client, with a carrier
// the rule admits for it.
void admit_by_carrier(bool sent_by_client, CarrierUse use) {
    if (!sent_by_client)
        refuse("This node's copy does not change inside another statement.");
    if (!carrier_present())
        refuse("No carrier came with this connection's transaction.");
    CarrierVerdict verdict = carrier_verdict(use);
    if (verdict != CarrierVerdict::kAccepted)
        refuse(refusal(verdict));
}

// Rows copied into this node's new copy by Citus (a node added, a placement copied), with the
// proof the source node sent in the connection's startup packet.
bool admitted_by_copy_proof(int64 shard) {
    const char *text = connection_copy_proof();
    if (text[0] == '\0' || cluster_secret()[0] == '\0')
        return false;
    std::optional<CopyProof> proof =
        open_copy_proof(cluster_secret(), get_database_name(MyDatabaseId), text);
    return proof && copy_proof_admits(*proof, shard, local_group_id(), GetCurrentTimestamp());
}

Oid worker_copy_function() {
    static Oid function = InvalidOid;
    if (!OidIsValid(function)) {
        Oid types[2] = {REGCLASSOID, INT4OID};
        function = LookupFuncName(list_make2(makeString(pstrdup("pg_catalog")),
                                             makeString(pstrdup("worker_copy_table_to_node"))),
                                  2, types, true);
    }
    return function;
}

// The proof text in palloc'd memory, or nullptr (the C++ values live only in this frame).
char *sealed_proof(int64 shard, int32 group, const char *database) noexcept {
    try {
        BoxNonce nonce;
        if (!pg_strong_random(nonce.data(), nonce.size()))
            return nullptr;
        std::string text = seal_copy_proof(cluster_secret(), database,
                                           CopyProof{shard, group, GetCurrentTimestamp()}, nonce);
        return palloc_sealed(text);
    } catch (...) {
        return nullptr;
    }
}

// Citus copying this node's copy of the grants to another node runs
// SELECT pg_catalog.worker_copy_table_to_node('<copy>'::regclass, <node id>) as its extension
// owner: the connection that function opens to the node carries the copy proof.
void start_shard_copy(QueryDesc *query) {
    Plan *plan = query->plannedstmt->planTree;
    if (query->operation != CMD_SELECT || plan == nullptr || !IsA(plan, Result) ||
        list_length(plan->targetlist) != 1)
        return;
    auto *entry = linitial_node(TargetEntry, plan->targetlist);
    if (!IsA(entry->expr, FuncExpr))
        return;
    auto *call = castNode(FuncExpr, entry->expr);
    if (list_length(call->args) != 2 || !IsA(linitial(call->args), Const) ||
        !IsA(lsecond(call->args), Const))
        return;
    auto *relation = castNode(Const, linitial(call->args));
    auto *node = castNode(Const, lsecond(call->args));
    if (relation->constisnull || node->constisnull || relation->consttype != REGCLASSOID ||
        node->consttype != INT4OID || call->funcid != worker_copy_function())
        return;
    int64 shard = grants_copy_shard(DatumGetObjectId(relation->constvalue));
    if (shard == 0 || !superuser() || cluster_secret()[0] == '\0')
        return;
    std::optional<int32> group = group_of_node(DatumGetInt32(node->constvalue));
    if (!group)
        return;
    char *proof = sealed_proof(shard, *group, get_database_name(MyDatabaseId));
    if (proof == nullptr)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
    set_copy_proof_for_connections(proof);
    copying_query = query;
}

// A statement that changes the grants through Citus is evaluated by every copy for itself
// (Citus sends an UPDATE's SET and WHERE, an INSERT's VALUES, to each node): a function some
// role wrote could answer differently on each node and make the copies disagree with the
// history. Such a statement may call only functions that PostgreSQL or a superuser owns.
struct StatementCheck {
    bool changes_grants;
    Oid role_function;  // the first function a role wrote, if any
};

bool note_role_function(Oid function, void *context) {
    auto *check = static_cast<StatementCheck *>(context);
    if (!OidIsValid(check->role_function) && function_written_by_a_role(function))
        check->role_function = function;
    return false;
}

bool walk_statement(Node *node, void *context) {
    if (node == nullptr)
        return false;
    auto *check = static_cast<StatementCheck *>(context);
    if (IsA(node, Query)) {
        auto *query = castNode(Query, node);
        if (query->resultRelation > 0 &&
            is_grants_table(rt_fetch(query->resultRelation, query->rtable)->relid))
            check->changes_grants = true;
        return walk_query(query, walk_statement, context, 0);
    }
    (void)check_functions_in_node(node, note_role_function, context);
    return walk_expression(node, walk_statement, context);
}

planner_hook_type previous_planner = nullptr;

PlannedStmt *checking_planner(Query *parse, const char *query_string, int cursor_options,
                              ParamListInfo params) {
    if (citus_loaded() && parse->commandType != CMD_UTILITY &&
        (parse->commandType != CMD_SELECT || parse->hasModifyingCTE)) {
        StatementCheck check{false, InvalidOid};
        (void)walk_statement(reinterpret_cast<Node *>(parse), &check);
        if (check.changes_grants && OidIsValid(check.role_function) &&
            extension_catalog().distributed)
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("a change of the grants on Citus may call only functions that "
                            "PostgreSQL or a superuser owns"),
                     errdetail("Every copy of the grants evaluates the statement itself; "
                               "function %s could answer differently on each node.",
                               format_procedure(check.role_function)),
                     errhint("Compute the values in the application, or have a superuser own "
                             "the function.")));
    }
    return previous_planner != nullptr
               ? previous_planner(parse, query_string, cursor_options, params)
               : standard_planner(parse, query_string, cursor_options, params);
}

void forget_at_end(XactEvent event, void *) {
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PREPARE ||
        event == XACT_EVENT_PARALLEL_COMMIT || event == XACT_EVENT_PARALLEL_ABORT) {
        entry_count = 0;
        local_task = nullptr;
        copying_query = nullptr;  // (the link module takes the proof out of the options)
    }
}

void forget_at_abort(SubXactEvent event, SubTransactionId, SubTransactionId, void *) {
    if (event != SUBXACT_EVENT_ABORT_SUB)
        return;
    int level = GetCurrentTransactionNestLevel();
    while (entry_count > 0 && entries[entry_count - 1].nest_level >= level)
        --entry_count;
    local_task = nullptr;
}

}  // namespace

bool statement_changes_grants(QueryDesc *query) {
    if (query->operation == CMD_SELECT)
        return false;
    ListCell *cell;
    foreach (cell, query->plannedstmt->rtable) {
        auto *rte = lfirst_node(RangeTblEntry, cell);
        if (rte->rtekind == RTE_RELATION && rte->rellockmode >= RowExclusiveLock &&
            is_grants_table(rte->relid))
            return true;
    }
    return false;
}

std::optional<CarrierPurpose> running_grants_statement() {
    const Entry *outer = innermost_grants_statement();
    if (outer == nullptr)
        return std::nullopt;
    return outer->kind == Kind::kGrantsTruncate ? CarrierPurpose::kTruncate
                                                : CarrierPurpose::kChange;
}

void note_query_start(QueryDesc *query) {
    if (!citus_loaded())
        return;
    start_shard_copy(query);
    if (!IsTransactionState())
        return;
    // Citus's local executor runs a task on the coordinator's copy of the grants.
    if (local_task == nullptr && in_local_execution() && !copying_grants_into_shards() &&
        is_coordinator() && OidIsValid(installed_extension())) {
        const ExtensionCatalog &c = extension_catalog();
        if (c.distributed && in_local_execution_of(c.grants_shard)) {
            local_task = query;
            local_task_writes = changes_relation(query->plannedstmt, c.grant_rows);
        }
    }
    if (query->operation == CMD_SELECT)
        return;
    if (statement_changes_grants(query))
        push(query, Kind::kGrantsChange);
    ListCell *cell;
    foreach (cell, query->plannedstmt->resultRelations) {
        Oid relid = rt_fetch(lfirst_int(cell), query->plannedstmt->rtable)->relid;
        int64 shard = grants_copy_shard(relid);
        if (shard == 0)
            continue;
        // The coordinator's copy: Citus's local task (or distribute() filling it).
        if (is_coordinator() &&
            (copying_grants_into_shards() ||
             (query == local_task && local_task_writes && in_local_execution_of(shard))))
            break;
        // Every copy (the coordinator's too, when Citus reaches it through a connection).
        admit_by_carrier(sent_by_client(query->plannedstmt), CarrierUse::kChangeRows);
        push(query, Kind::kAdmitted);
        break;
    }
}

void note_query_end(QueryDesc *query) {
    if (entry_count > 0)
        pop(query);
    if (query == local_task)
        local_task = nullptr;
    if (query == copying_query) {
        set_copy_proof_for_connections(nullptr);
        copying_query = nullptr;
    }
}

bool note_utility_start(PlannedStmt *statement, ProcessUtilityContext context) {
    Node *parsetree = statement->utilityStmt;
    bool from_client = context == PROCESS_UTILITY_TOPLEVEL;
    bool noted = false;
    if (IsA(parsetree, CopyStmt)) {
        auto *copy = castNode(CopyStmt, parsetree);
        if (!copy->is_from || copy->relation == nullptr)
            return false;
        Oid relid = RangeVarGetRelid(copy->relation, NoLock, true);
        if (!OidIsValid(relid))
            return false;
        if (is_grants_table(relid)) {
            push(statement, Kind::kGrantsChange);
            return true;
        }
        int64 shard = grants_copy_shard(relid);
        if (shard == 0)
            return false;
        if (!carrier_present() && from_client && admitted_by_copy_proof(shard)) {
            push(statement, Kind::kCopying);
            return true;
        }
        admit_by_carrier(from_client, CarrierUse::kInsertRows);
        push(statement,
             carrier_purpose() == CarrierPurpose::kFill ? Kind::kCopying : Kind::kAdmitted);
        return true;
    }
    if (IsA(parsetree, TruncateStmt)) {
        ListCell *cell;
        foreach (cell, castNode(TruncateStmt, parsetree)->relations) {
            Oid relid = RangeVarGetRelid(lfirst_node(RangeVar, cell), NoLock, true);
            if (!OidIsValid(relid))
                continue;
            if (is_grants_table(relid)) {
                push(statement, Kind::kGrantsTruncate);
                noted = true;
                continue;
            }
            int64 shard = grants_copy_shard(relid);
            if (shard == 0)
                continue;
            // Citus's local task on the coordinator's copy, for a TRUNCATE of the grants.
            const Entry *outer = innermost_grants_statement();
            if (!(is_coordinator() && in_local_execution_of(shard) && outer != nullptr &&
                  outer->kind == Kind::kGrantsTruncate)) {
                admit_by_carrier(from_client, CarrierUse::kTruncate);
                push(statement, Kind::kAdmitted);
            }
            noted = true;
        }
    }
    return noted;
}

void note_utility_end(PlannedStmt *statement) {
    pop(statement);
}

bool change_through_citus(Oid shard) {
    const ExtensionCatalog &c = extension_catalog();
    if (!c.distributed || shard != c.grant_rows)
        return true;
    if (running_admitted())
        return true;
    if (c.history_here) {
        if (copying_grants_into_shards())
            return true;
        if (in_local_execution())
            return in_local_execution_of(c.grants_shard) && local_task != nullptr &&
                   local_task_writes;
        // Citus's local COPY of the rows of INSERT ... SELECT or COPY FROM.
        const Entry *outer = innermost_grants_statement();
        return outer != nullptr && outer->kind == Kind::kGrantsChange;
    }
    return false;
}

bool truncate_through_citus(Oid shard) {
    const ExtensionCatalog &c = extension_catalog();
    if (!c.distributed || shard != c.grant_rows || running(Kind::kAdmitted))
        return true;  // (never while copying: only TRUNCATE statements are admitted for it)
    const Entry *outer = innermost_grants_statement();
    return c.history_here && in_local_execution_of(c.grants_shard) && outer != nullptr &&
           outer->kind == Kind::kGrantsTruncate;
}

bool copying_existing_grants() {
    return copying_grants_into_shards() || running(Kind::kCopying);
}

void install_copy_guard() {
    previous_planner = planner_hook;
    planner_hook = checking_planner;
    RegisterXactCallback(forget_at_end, nullptr);
    RegisterSubXactCallback(forget_at_abort, nullptr);
}

}  // namespace customer_access::pg
