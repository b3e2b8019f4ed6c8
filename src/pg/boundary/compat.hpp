// The one place that knows how PostgreSQL's internals differ between the supported major
// versions (15, 17, 18; each entry also says where 16 stands, which no test has checked).
// Code elsewhere calls these names and never tests PG_VERSION_NUM or names a version
// (scripts/check-boundary).
//
// Each entry is the smallest name that hides one difference; the signatures are those of the
// newest version where that is no harder to read.
#pragma once

#include <cstdlib>
#include <cstring>

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "access/genam.h"
#include "common/jsonapi.h"
#include "executor/executor.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "storage/proc.h"
#include "utils/guc_tables.h"
}

namespace customer_access::pg {

// The backend's local transaction id: the stamp of "given in this transaction". PGPROC kept
// it as `lxid` up to 16 and as `vxid.lxid` since 17.
inline LocalTransactionId local_transaction_of(const PGPROC *proc) {
    if (proc == nullptr)
        return InvalidLocalTransactionId;
#if PG_VERSION_NUM >= 170000
    return proc->vxid.lxid;
#else
    return proc->lxid;
#endif
}

inline LocalTransactionId current_local_transaction() {
    return local_transaction_of(MyProc);
}

// A setting's record (value, source, stack of SET LOCAL levels), or nullptr. Up to 15 the
// records are one array walked by name (find_option() was static); since 16 they live in a
// hash table and find_option() is exported (get_guc_variables() would palloc a sorted copy on
// every call).
inline struct config_generic *find_setting_record(const char *name) {
#if PG_VERSION_NUM >= 160000
    return find_option(name, false, true, ERROR);
#else
    struct config_generic **variables = get_guc_variables();
    for (int i = 0, n = GetNumConfigOptions(); i < n; ++i)
        if (strcmp(variables[i]->name, name) == 0)
            return variables[i];
    return nullptr;
#endif
}

// Memory for a setting's `extra` (a check hook's result), which PostgreSQL frees when the
// value goes: with free() up to 15, so malloc(); since 16 with guc_free(), so guc_malloc()
// (free() of one, or guc_free() of the other, corrupts memory). NULL when out of memory.
inline void *allocate_setting_extra(size_t size) {
#if PG_VERSION_NUM >= 160000
    return guc_malloc(LOG, size);
#else
    return malloc(size);
#endif
}

// An ALTER TABLE subcommand's kind. Up to 15 tablecmds.c rewrote a subcommand that recurses
// to children into an internal *Recurse kind (which event triggers could see); since 16 the
// kind stays and AlterTableCmd.recurse says it. The guard decides on the kind alone.
inline AlterTableType table_command_kind(const AlterTableCmd *cmd) {
#if PG_VERSION_NUM < 160000
    switch (cmd->subtype) {
        case AT_AddColumnRecurse:
            return AT_AddColumn;
        case AT_DropColumnRecurse:
            return AT_DropColumn;
        case AT_AddConstraintRecurse:
            return AT_AddConstraint;
        case AT_ValidateConstraintRecurse:
            return AT_ValidateConstraint;
        case AT_DropConstraintRecurse:
            return AT_DropConstraint;
        default:
            break;
    }
#endif
    return cmd->subtype;
}

// The tree walkers with a typed walker. Up to 15 they took `bool (*)()` (cast through the
// generic function pointer type void (*)(), which the compiler allows); since 16 they are
// macros over a typed callback.
using NodeWalker = bool (*)(Node *node, void *context);

inline bool walk_expression(Node *node, NodeWalker walker, void *context) {
#if PG_VERSION_NUM >= 160000
    return expression_tree_walker(node, walker, context);
#else
    auto generic = reinterpret_cast<void (*)()>(walker);
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(generic), context);
#endif
}

// The same over a Query's expressions and range table (flags: QTW_*).
inline bool walk_query(Query *query, NodeWalker walker, void *context, int flags) {
#if PG_VERSION_NUM >= 160000
    return query_tree_walker(query, walker, context, flags);
#else
    auto generic = reinterpret_cast<void (*)()>(walker);
    return query_tree_walker(query, reinterpret_cast<bool (*)()>(generic), context, flags);
#endif
}

// The same over a raw parse tree (names not yet resolved).
inline bool walk_raw_expression(Node *node, NodeWalker walker, void *context) {
#if PG_VERSION_NUM >= 160000
    return raw_expression_tree_walker(node, walker, context);
#else
    auto generic = reinterpret_cast<void (*)()>(walker);
    return raw_expression_tree_walker(node, reinterpret_cast<bool (*)()>(generic), context);
#endif
}

// An index scan with nkeys keys and no ORDER BY keys. 18 added an instrumentation argument
// (EXPLAIN ANALYZE's index searches; none here).
inline IndexScanDesc begin_index_scan(Relation table, Relation index, Snapshot snapshot,
                                      int nkeys) {
#if PG_VERSION_NUM >= 180000
    return index_beginscan(table, index, snapshot, nullptr, nkeys, 0);
#else
    return index_beginscan(table, index, snapshot, nkeys, 0);
#endif
}

// A lexer over text of the given length (not necessarily terminated). 17 takes a context to
// fill, or NULL to allocate one in the current memory context (freed with it, as before).
inline JsonLexContext *json_lexer_over(const char *text, int length, bool need_escapes) {
#if PG_VERSION_NUM >= 170000
    return makeJsonLexContextCstringLen(nullptr, text, length, GetDatabaseEncoding(), need_escapes);
#else
    return makeJsonLexContextCstringLen(const_cast<char *>(text), length, GetDatabaseEncoding(),
                                        need_escapes);
#endif
}

// A JSON parser scalar callback made from `void Step(void *state, char *token, JsonTokenType)`:
// the callbacks return void up to 15 and a JsonParseErrorType since 16 (JSON_SUCCESS goes on).
template <void (*Step)(void *, char *, JsonTokenType)>
inline json_scalar_action json_scalar_callback() {
    return [](void *state, char *token, JsonTokenType type) {
        Step(state, token, type);
#if PG_VERSION_NUM >= 160000
        return JSON_SUCCESS;
#endif
    };
}

// ExecutorRun_hook with a step run before each run of a plan, then the previous hook or the
// standard executor. 18 dropped ExecutorRun's execute_once argument; the step never needs it.
namespace executor_run {
inline ExecutorRun_hook_type previous = nullptr;
inline void (*before)(QueryDesc *) = nullptr;
#if PG_VERSION_NUM >= 180000
inline void hook(QueryDesc *query, ScanDirection direction, uint64 count) {
    before(query);
    if (previous != nullptr)
        previous(query, direction, count);
    else
        standard_ExecutorRun(query, direction, count);
}
#else
inline void hook(QueryDesc *query, ScanDirection direction, uint64 count, bool execute_once) {
    before(query);
    if (previous != nullptr)
        previous(query, direction, count, execute_once);
    else
        standard_ExecutorRun(query, direction, count, execute_once);
}
#endif
}  // namespace executor_run

// Installs `step` to run before every ExecutorRun (once, from _PG_init).
inline void run_before_executor_run(void (*step)(QueryDesc *)) {
    executor_run::before = step;
    executor_run::previous = ExecutorRun_hook;
    ExecutorRun_hook = executor_run::hook;
}

}  // namespace customer_access::pg
