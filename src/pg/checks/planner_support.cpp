// Planner support for has_customer_access() and can_access():
// - selectivity from the grants (the user's visible customers against the table's);
// - lossy index conditions, customer_column = ANY(accessible_customer_ids(user, need)) and,
//   on a NOT NULL date column of the same index, date >= earliest_visible_date(user, need),
//   evaluated once per scan, so a policy becomes an index scan for a user who sees few
//   customers or a short window (the original call stays as the recheck);
// - the per-call cost with the per-query cache;
// - a user argument that does not depend on the row (current_setting(...)::uuid, auth.uid())
//   is evaluated once per execution, as an InitPlan, instead of once per row.
#include "core/access_role.hpp"
#include "pg/type/access_role_datum.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/boundary/compat.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/checks/grant_readers.hpp"
#include "pg/identity/identity.hpp"
#include "pg/checks/plan_identity.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/stratnum.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_am.h"
#include "catalog/pg_class.h"
#include "catalog/pg_index.h"
#include "commands/defrem.h"
#include "catalog/pg_statistic.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "nodes/pathnodes.h"
#include "nodes/primnodes.h"
#include "nodes/supportnodes.h"
#include "optimizer/cost.h"
#include "optimizer/optimizer.h"
#include "optimizer/pathnode.h"
#include "rewrite/rewriteManip.h"
#include "parser/parsetree.h"
#include "access/table.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/lsyscache.h"
#include "utils/selfuncs.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

// Past this share of the table's customers an index scan over them stops paying off
// against one sequential pass with the cached check, so no index condition is offered.
constexpr double kIndexWorthwhileShare = 0.05;
constexpr double kIndexWorthwhileShareWithDate = 0.5;
// Grants per user assumed when the statistics say nothing.
constexpr double kDefaultGrantsPerUser = 10.0;
// What one cached check costs, in operator evaluations: a hash probe and a compare.
constexpr double kCheckCostInOperators = 2.0;

// Where the arguments are in each form. can_access has no user argument.
struct CheckCall {
    int user_arg;  // -1: current_user_id()
    int customer_arg;
    int date_arg;  // -1: the undated form
    int need_arg;
    bool valid;  // false for a call of another shape (support attached elsewhere)
};

CheckCall call_shape(Oid funcid, int nargs) {
    char *name = get_func_name(funcid);
    bool is_can_access = name != nullptr && strcmp(name, "can_access") == 0;
    if (is_can_access)
        return CheckCall{-1, 0, nargs == 3 ? 1 : -1, nargs - 1, nargs >= 2};
    return CheckCall{0, 1, nargs == 4 ? 2 : -1, nargs - 1, nargs >= 3};
}

// The expression an InitPlan's parameter stands for, when the InitPlan is `SELECT expr`.
Node *initplan_expression(PlannerInfo *root, const Param *param) {
    if (root == nullptr || param->paramkind != PARAM_EXEC)
        return nullptr;
    ListCell *cell;
    foreach (cell, root->init_plans) {
        auto *subplan = static_cast<SubPlan *>(lfirst(cell));
        if (!IsA(subplan, SubPlan) || !list_member_int(subplan->setParam, param->paramid))
            continue;
        auto *plan = static_cast<Plan *>(list_nth(root->glob->subplans, subplan->plan_id - 1));
        if (plan == nullptr || !IsA(plan, Result) || list_length(plan->targetlist) != 1 ||
            plan->lefttree != nullptr)
            return nullptr;
        return reinterpret_cast<Node *>(linitial_node(TargetEntry, plan->targetlist)->expr);
    }
    return nullptr;
}

// The user's visible customers (grants with role >= need) when the plan-time value of the
// user is known; the average user's otherwise.
double average_grants_per_user(Oid table) {
    HeapTuple cls = SearchSysCache1(RELOID, ObjectIdGetDatum(table));
    if (!HeapTupleIsValid(cls))
        return kDefaultGrantsPerUser;
    double rows = reinterpret_cast<Form_pg_class>(GETSTRUCT(cls))->reltuples;
    ReleaseSysCache(cls);
    HeapTuple stats =
        SearchSysCache3(STATRELATTINH, ObjectIdGetDatum(table),
                        Int16GetDatum(get_attnum(table, "user_id")), BoolGetDatum(false));
    if (!HeapTupleIsValid(stats))
        return kDefaultGrantsPerUser;
    double distinct = reinterpret_cast<Form_pg_statistic>(GETSTRUCT(stats))->stadistinct;
    ReleaseSysCache(stats);
    if (distinct < 0)
        distinct = -distinct * rows;
    if (rows <= 0 || distinct < 1)
        return kDefaultGrantsPerUser;
    return rows / distinct;
}

double visible_customers(PlannerInfo *root, Oid funcid, const CheckCall &shape, List *args) {
    Level need = 10;
    Node *need_node = static_cast<Node *>(list_nth(args, shape.need_arg));
    if (IsA(need_node, Const)) {
        Const *c = reinterpret_cast<Const *>(need_node);
        if (c->constisnull)
            return 0;
        need = role_from_datum(c->constvalue);
    }
    GrantSource source = find_grant_source();
    Uuid user;
    bool known = false;
    if (shape.user_arg < 0) {
        known = current_application_user(&user);
    } else {
        Node *user_node = static_cast<Node *>(list_nth(args, shape.user_arg));
        // A user given by an expression (hoisted into an InitPlan by the simplification
        // below): its value now, for the estimate only.
        if (IsA(user_node, Param)) {
            Node *expression = initplan_expression(root, reinterpret_cast<Param *>(user_node));
            if (expression != nullptr)
                user_node = estimate_expression_value(root, expression);
        } else if (!IsA(user_node, Const) && root != nullptr) {
            user_node = estimate_expression_value(root, user_node);
        }
        if (IsA(user_node, Const)) {
            Const *c = reinterpret_cast<Const *>(user_node);
            if (c->constisnull)
                return 0;
            user = from_pg_uuid(DatumGetUUIDP(c->constvalue));
            // An estimate from another user's grants would tell their count (through
            // EXPLAIN) to a caller who may not read them.
            known = may_answer_about_user(user);
        }
    }
    if (known && ActiveSnapshotSet()) {
        note_identity_shaped_plan(funcid);
        return estimated_user_grants(source, GetActiveSnapshot(), user, need);
    }
    return average_grants_per_user(source.table);
}

// The share of the table's rows a check passes: visible customers / distinct customers.
double visible_share(PlannerInfo *root, Oid funcid, const CheckCall &shape, List *args,
                     int var_relid) {
    VariableStatData vardata;
    examine_variable(root, static_cast<Node *>(list_nth(args, shape.customer_arg)), var_relid,
                     &vardata);
    bool is_default;
    double distinct = get_variable_numdistinct(&vardata, &is_default);
    ReleaseVariableStats(vardata);
    if (distinct < 1)
        distinct = 1;
    double share = visible_customers(root, funcid, shape, args) / distinct;
    return share > 1.0 ? 1.0 : share;
}

FuncExpr *call(Oid funcid, Oid result_type, List *args) {
    return makeFuncExpr(funcid, result_type, args, InvalidOid, InvalidOid, COERCE_EXPLICIT_CALL);
}

bool column_not_null(Oid table, AttrNumber attnum) {
    HeapTuple tuple = SearchSysCache2(ATTNUM, ObjectIdGetDatum(table), Int16GetDatum(attnum));
    if (!HeapTupleIsValid(tuple))
        return false;
    bool not_null = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(tuple))->attnotnull;
    ReleaseSysCache(tuple);
    return not_null;
}

// Whether the indexed column (a plain column of the table) is NOT NULL.
bool indexed_column_not_null(SupportRequestIndexCondition *req) {
    AttrNumber attnum = req->index->indexkeys[req->indexcol];
    return attnum > 0 &&
           column_not_null(planner_rt_fetch(req->index->rel->relid, req->root)->relid, attnum);
}

// The lossy index conditions, evaluated once per scan, the call itself staying as recheck:
//   on the customer column: customer_column = ANY(accessible_customer_ids(user, need));
//   on a NOT NULL date column: date_column >= earliest_visible_date(user, need)
// (a NULL date passes an unlimited window, which no lower bound could let through).
// NIL when neither applies or the user sees too much of the table for an index to pay.
List *index_condition(SupportRequestIndexCondition *req) {
    FuncExpr *check = reinterpret_cast<FuncExpr *>(req->node);
    if (!IsA(check, FuncExpr))
        return NIL;
    CheckCall shape = call_shape(req->funcid, list_length(check->args));
    if (!shape.valid)
        return NIL;
    bool on_customer = req->indexarg == shape.customer_arg && req->index->amsearcharray;
    bool on_date =
        shape.date_arg >= 0 && req->indexarg == shape.date_arg &&
        exprType(static_cast<Node *>(list_nth(check->args, shape.date_arg))) == DATEOID &&
        indexed_column_not_null(req);
    if (!on_customer && !on_date)
        return NIL;
    Oid op =
        on_customer
            ? get_opfamily_member(req->opfamily, UUIDOID, UUIDOID, BTEqualStrategyNumber)
            : get_opfamily_member(req->opfamily, DATEOID, DATEOID, BTGreaterEqualStrategyNumber);
    if (!OidIsValid(op))
        return NIL;

    // The user and the need become the right-hand side: they must not depend on the
    // indexed table's row, and must give one value per scan.
    List *rhs_args = NIL;
    for (int arg : {shape.user_arg, shape.need_arg}) {
        if (arg < 0)
            continue;
        Node *node = static_cast<Node *>(list_nth(check->args, arg));
        if (bms_is_member(req->index->rel->relid, pull_varnos(req->root, node)) ||
            contain_volatile_functions(node))
            return NIL;
        rhs_args = lappend(rhs_args, copyObjectImpl(node));
    }
    // An index that goes on with the checked date (which with_date_bound() bounds) pays off
    // for a larger share of the customers: the planner weighs it against a sequential scan.
    bool date_follows =
        on_customer && shape.date_arg >= 0 && req->index->nkeycolumns >= 2 && req->indexcol == 0 &&
        IsA(list_nth(check->args, shape.date_arg), Var) &&
        req->index->indexkeys[1] ==
            reinterpret_cast<Var *>(list_nth(check->args, shape.date_arg))->varattno;
    if (visible_share(req->root, req->funcid, shape, check->args, 0) >
        (date_follows ? kIndexWorthwhileShareWithDate : kIndexWorthwhileShare))
        return NIL;

    Oid role_type = extension_catalog().role_type;
    if (shape.user_arg < 0)
        rhs_args = list_make2(call(extension_function("current_user_id", 0, nullptr), UUIDOID, NIL),
                              linitial(rhs_args));
    Oid bound_args[2] = {UUIDOID, role_type};
    req->lossy = true;
    if (on_date) {
        FuncExpr *earliest =
            call(extension_function("earliest_visible_date", 2, bound_args), DATEOID, rhs_args);
        Expr *date = static_cast<Expr *>(copyObjectImpl(list_nth(check->args, shape.date_arg)));
        return list_make1(make_opclause(
            op, BOOLOID, false, date, reinterpret_cast<Expr *>(earliest), InvalidOid, InvalidOid));
    }
    FuncExpr *ids =
        call(extension_function("accessible_customer_ids", 2, bound_args), UUIDARRAYOID, rhs_args);
    ScalarArrayOpExpr *any = makeNode(ScalarArrayOpExpr);
    any->opno = op;
    any->opfuncid = get_opcode(op);
    any->useOr = true;
    any->inputcollid = InvalidOid;
    any->args = list_make2(copyObjectImpl(list_nth(check->args, shape.customer_arg)), ids);
    any->location = -1;
    return list_make1(any);
}

// Whether an expression gives one value per execution whatever the row: no column, no
// parameter, nothing volatile, no subquery, aggregate or set-returning function.
bool row_independent_walker(Node *node, void *) {
    if (node == nullptr)
        return false;
    switch (nodeTag(node)) {
        case T_Var:
        case T_PlaceHolderVar:
        case T_Param:
        case T_SubLink:
        case T_SubPlan:
        case T_Aggref:
        case T_WindowFunc:
        case T_GroupingFunc:
        case T_CurrentOfExpr:
            return true;
        default:
            break;
    }
    return walk_expression(node, row_independent_walker, nullptr);
}

bool worth_hoisting(Node *user) {
    return !IsA(user, Const) && !IsA(user, Param) && !row_independent_walker(user, nullptr) &&
           !contain_volatile_functions(user) && !expression_returns_set(user);
}

// (SELECT value): planned as an InitPlan, evaluated once per execution.
// The value moves one query level down, and may itself hold sub-selects (a user given as
// `(SELECT ...)`, or one hoisted already when the date bound wraps it again): their outer
// references are adjusted and the new query says it has them, or the planner could not
// plan them ("cannot handle unplanned sub-select").
SubLink *once_per_execution(Node *value) {
    IncrementVarSublevelsUp(value, 1, 0);
    Query *query = makeNode(Query);
    query->hasSubLinks = checkExprHasSubLink(value);
    query->commandType = CMD_SELECT;
    query->querySource = QSRC_ORIGINAL;
    query->canSetTag = true;
    query->jointree = makeFromExpr(NIL, nullptr);
    query->targetList =
        list_make1(makeTargetEntry(reinterpret_cast<Expr *>(value), 1, pstrdup("value"), false));
    SubLink *sublink = makeNode(SubLink);
    sublink->subLinkType = EXPR_SUBLINK;
    sublink->subLinkId = 0;
    sublink->subselect = reinterpret_cast<Node *>(query);
    sublink->location = -1;
    return sublink;
}

// Marks a call that was given its date bound already (parse locations are >= 0, -1 unknown).
constexpr int kBoundGiven = -7;

Oid relation_am(Oid relid) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple))
        return InvalidOid;
    Oid am = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relam;
    ReleaseSysCache(tuple);
    return am;
}

// Whether a valid btree index of the table leads with (customer, date).
bool indexed_by_customer_then_date(Oid table, AttrNumber customer, AttrNumber date) {
    Relation rel = table_open(table, NoLock);  // the planner holds its lock
    List *indexes = RelationGetIndexList(rel);
    bool found = false;
    ListCell *cell;
    foreach (cell, indexes) {
        HeapTuple tuple = SearchSysCache1(INDEXRELID, ObjectIdGetDatum(lfirst_oid(cell)));
        if (!HeapTupleIsValid(tuple))
            continue;
        auto *form = reinterpret_cast<Form_pg_index>(GETSTRUCT(tuple));
        found = found ||
                (form->indisvalid && form->indnkeyatts >= 2 && form->indkey.values[0] == customer &&
                 form->indkey.values[1] == date && relation_am(form->indexrelid) == BTREE_AM_OID);
        ReleaseSysCache(tuple);
    }
    list_free(indexes);
    table_close(rel, NoLock);
    return found;
}

// check AND date >= (SELECT earliest_visible_date(user, need)), when the checked date is a
// NOT NULL date column of the customer's own table and a btree index leads with (customer,
// date): PostgreSQL gives one call's index condition one column, this separate conjunct
// gives the date column its range. A row the check admits always passes it (its date is at
// or after the user's earliest visible date), so the answers are the check's.
Node *with_date_bound(PlannerInfo *root, FuncExpr *check, const CheckCall &shape) {
    if (shape.date_arg < 0 || check->location == kBoundGiven)
        return nullptr;
    Node *customer = static_cast<Node *>(list_nth(check->args, shape.customer_arg));
    Node *date = static_cast<Node *>(list_nth(check->args, shape.date_arg));
    Node *need = static_cast<Node *>(list_nth(check->args, shape.need_arg));
    if (!IsA(customer, Var) || !IsA(date, Var) || !IsA(need, Const))
        return nullptr;
    Var *c = reinterpret_cast<Var *>(customer), *d = reinterpret_cast<Var *>(date);
    if (c->varlevelsup != 0 || d->varlevelsup != 0 || c->varno != d->varno ||
        d->vartype != DATEOID || c->varno < 1 ||
        c->varno > static_cast<int>(list_length(root->parse->rtable)))
        return nullptr;
    RangeTblEntry *rte = rt_fetch(c->varno, root->parse->rtable);
    if (rte->rtekind != RTE_RELATION || !column_not_null(rte->relid, d->varattno) ||
        !indexed_by_customer_then_date(rte->relid, c->varattno, d->varattno))
        return nullptr;
    Node *user;
    if (shape.user_arg < 0) {
        user = reinterpret_cast<Node *>(
            call(extension_function("current_user_id", 0, nullptr), UUIDOID, NIL));
    } else {
        user = static_cast<Node *>(list_nth(check->args, shape.user_arg));
        if (!IsA(user, SubLink) && !IsA(user, Const) && !worth_hoisting(user))
            return nullptr;  // depends on the row
        user = static_cast<Node *>(copyObjectImpl(user));
    }
    Oid bound_args[2] = {UUIDOID, extension_catalog().role_type};
    FuncExpr *earliest = call(extension_function("earliest_visible_date", 2, bound_args), DATEOID,
                              list_make2(user, copyObjectImpl(need)));
    Oid family = get_opclass_family(GetDefaultOpClass(DATEOID, BTREE_AM_OID));
    Oid ge = get_opfamily_member(family, DATEOID, DATEOID, BTGreaterEqualStrategyNumber);
    if (!OidIsValid(ge))
        return nullptr;
    Expr *bound = make_opclause(
        ge, BOOLOID, false, static_cast<Expr *>(copyObjectImpl(date)),
        reinterpret_cast<Expr *>(once_per_execution(reinterpret_cast<Node *>(earliest))),
        InvalidOid, InvalidOid);
    reinterpret_cast<OpExpr *>(bound)->opfuncid = get_opcode(ge);
    FuncExpr *marked = static_cast<FuncExpr *>(copyObjectImpl(check));
    marked->location = kBoundGiven;
    root->parse->hasSubLinks = true;
    return reinterpret_cast<Node *>(make_andclause(list_make2(marked, bound)));
}

// Whether the query reads rows from somewhere (not only the empty FROM of `SELECT expr`,
// which is what a PL/pgSQL simple expression is).
bool reads_rows(Query *query) {
    ListCell *cell;
    foreach (cell, query->rtable)
        if (lfirst_node(RangeTblEntry, cell)->rtekind != RTE_RESULT)
            return true;
    return false;
}

// has_customer_access(<row-independent user>, ...): the user as an InitPlan; and the date
// bound above where it applies.
Node *simplified(SupportRequestSimplify *req) {
    FuncExpr *check = req->fcall;
    // Only while a query's expressions are prepared, before its SubLinks become plans: not
    // for a query without a FROM (a PL/pgSQL simple expression runs its target list without
    // InitPlans), nor once relations are planned (child quals of an append are simplified
    // again then).
    if (req->root == nullptr || req->root->parse == nullptr ||
        req->root->simple_rel_array != nullptr || !reads_rows(req->root->parse))
        return nullptr;
    CheckCall shape = call_shape(check->funcid, list_length(check->args));
    if (!shape.valid)
        return nullptr;
    FuncExpr *result = nullptr;
    if (shape.user_arg >= 0) {
        Node *user = static_cast<Node *>(list_nth(check->args, shape.user_arg));
        if (worth_hoisting(user)) {
            result = static_cast<FuncExpr *>(copyObjectImpl(check));
            list_nth_cell(result->args, shape.user_arg)->ptr_value = once_per_execution(user);
            req->root->parse->hasSubLinks = true;
        }
    }
    Node *bounded = with_date_bound(req->root, result != nullptr ? result : check, shape);
    if (bounded != nullptr)
        return bounded;
    return reinterpret_cast<Node *>(result);
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(access_check_support) {
    Node *request = reinterpret_cast<Node *>(PG_GETARG_POINTER(0));
    if (IsA(request, SupportRequestSelectivity)) {
        auto *req = reinterpret_cast<SupportRequestSelectivity *>(request);
        CheckCall shape = call_shape(req->funcid, list_length(req->args));
        if (!shape.valid)
            PG_RETURN_POINTER(nullptr);
        req->selectivity = visible_share(req->root, req->funcid, shape, req->args,
                                         req->is_join ? 0 : req->varRelid);
        PG_RETURN_POINTER(req);
    }
    if (IsA(request, SupportRequestCost)) {
        auto *req = reinterpret_cast<SupportRequestCost *>(request);
        req->startup = 0;
        req->per_tuple = kCheckCostInOperators * cpu_operator_cost;
        PG_RETURN_POINTER(req);
    }
    if (IsA(request, SupportRequestSimplify)) {
        PG_RETURN_POINTER(simplified(reinterpret_cast<SupportRequestSimplify *>(request)));
    }
    if (IsA(request, SupportRequestIndexCondition)) {
        auto *req = reinterpret_cast<SupportRequestIndexCondition *>(request);
        List *conditions = index_condition(req);
        if (conditions != NIL)
            PG_RETURN_POINTER(conditions);
    }
    PG_RETURN_POINTER(nullptr);
}
