#include "pg/citus/citus_utility.hpp"

#include "pg/citus/citus_bridge.hpp"
#include "pg/citus/citus_identity.hpp"
#include "pg/citus/copy_guard.hpp"
#include "pg/citus/result_guard.hpp"

extern "C" {
#include "nodes/parsenodes.h"
#include "tcop/utility.h"
}

namespace customer_access::pg {
namespace {

ProcessUtility_hook_type previous_utility = nullptr;

void next_utility(PlannedStmt *pstmt, const char *query, bool read_only,
                  ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *env,
                  DestReceiver *dest, QueryCompletion *qc) {
    if (previous_utility != nullptr)
        previous_utility(pstmt, query, read_only, context, params, env, dest, qc);
    else
        standard_ProcessUtility(pstmt, query, read_only, context, params, env, dest, qc);
}

// The statement's own text when the query string holds more than one statement.
const char *own_text(const char *query, const PlannedStmt *pstmt) {
    if (query == nullptr || pstmt->stmt_location < 0)
        return query;
    size_t length = strlen(query);
    size_t start = static_cast<size_t>(pstmt->stmt_location);
    if (start > length)
        return query;
    size_t own = pstmt->stmt_len > 0 ? static_cast<size_t>(pstmt->stmt_len) : length - start;
    if (start == 0 && own >= length)
        return query;
    return pnstrdup(query + start, Min(own, length - start));
}

bool names_carrier(const VariableSetStmt *set) {
    return set->name != nullptr && pg_strcasecmp(set->name, "customer_access.carrier") == 0;
}

// A top-level SET of customer_access.carrier is what may set it (see carrier_settable_here()).
void set_carrier(PlannedStmt *pstmt, const char *query, bool read_only,
                 ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *env,
                 DestReceiver *dest, QueryCompletion *qc) {
    note_carrier_statement(context == PROCESS_UTILITY_TOPLEVEL);
    PG_TRY();
    {
        // Refused before Citus could send it on to the nodes.
        if (castNode(VariableSetStmt, pstmt->utilityStmt)->kind == VAR_SET_VALUE &&
            !carrier_settable_here())
            ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                            errmsg("customer_access.carrier is set by customer_access only")));
        next_utility(pstmt, query, read_only, context, params, env, dest, qc);
    }
    PG_CATCH();
    {
        note_carrier_statement(false);
        PG_RE_THROW();
    }
    PG_END_TRY();
    note_carrier_statement(false);
}

// A statement the copy guard noted: forgotten however it ends.
void run_noted(PlannedStmt *pstmt, const char *query, bool read_only, ProcessUtilityContext context,
               ParamListInfo params, QueryEnvironment *env, DestReceiver *dest,
               QueryCompletion *qc) {
    PG_TRY();
    { next_utility(pstmt, query, read_only, context, params, env, dest, qc); }
    PG_CATCH();
    {
        note_utility_end(pstmt);
        PG_RE_THROW();
    }
    PG_END_TRY();
    note_utility_end(pstmt);
}

// A CALL of a distributed procedure that Citus would delegate to a worker outside any
// transaction block: the application user could not go with it. Citus is told a procedure is
// already running, so it runs the procedure here and its statements go to the nodes with the
// identity, as inside BEGIN ... COMMIT.
void call_here(PlannedStmt *pstmt, const char *query, bool read_only, ProcessUtilityContext context,
               ParamListInfo params, QueryEnvironment *env, DestReceiver *dest,
               QueryCompletion *qc) {
    int *level = citus_procedure_level();
    ++*level;
    PG_TRY();
    { next_utility(pstmt, query, read_only, context, params, env, dest, qc); }
    PG_CATCH();
    {
        --*level;
        PG_RE_THROW();
    }
    PG_END_TRY();
    --*level;
}

void citus_utility(PlannedStmt *pstmt, const char *query, bool read_only,
                   ProcessUtilityContext context, ParamListInfo params, QueryEnvironment *env,
                   DestReceiver *dest, QueryCompletion *qc) {
    if (!citus_loaded()) {
        next_utility(pstmt, query, read_only, context, params, env, dest, qc);
        return;
    }
    Node *statement = pstmt->utilityStmt;
    if (IsA(statement, VariableSetStmt)) {
        auto *set = castNode(VariableSetStmt, statement);
        const char *text = own_text(query, pstmt);
        if (names_carrier(set))
            set_carrier(pstmt, text, read_only, context, params, env, dest, qc);
        else
            next_utility(pstmt, text, read_only, context, params, env, dest, qc);
        return;
    }
    if (IsA(statement, CallStmt) && context == PROCESS_UTILITY_TOPLEVEL &&
        identity_goes_with_citus()) {
        call_here(pstmt, query, read_only, context, params, env, dest, qc);
        return;
    }
    // (Citus's own statement for intermediate results, refused before Citus reads its file)
    if (IsA(statement, CopyStmt) && is_result_copy(castNode(CopyStmt, statement)))
        check_result_copy(castNode(CopyStmt, statement));
    if (note_utility_start(pstmt, context))
        run_noted(pstmt, query, read_only, context, params, env, dest, qc);
    else
        next_utility(pstmt, query, read_only, context, params, env, dest, qc);
}

}  // namespace

void install_citus_utility_hook() {
    previous_utility = ProcessUtility_hook;
    ProcessUtility_hook = citus_utility;
}

}  // namespace customer_access::pg
