#include "pg/guard/expression_facts.hpp"

#include "pg/boundary/compat.hpp"
#include "pg/catalog/member_cache.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/nbtree.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_amproc.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_constraint.h"
#include "catalog/pg_proc.h"
#include "catalog/pg_range.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "nodes/nodeFuncs.h"
#include "nodes/parsenodes.h"
#include "parser/parse_type.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"
}

static_assert(customer_access::kFirstNormalObjectId == FirstNormalObjectId,
              "core's idea of a built-in object is PostgreSQL's");

namespace customer_access::pg {
namespace {

// Domains whose constraints use domains whose constraints... (PostgreSQL forbids cycles;
// this only bounds the work).
constexpr int kMaxDepth = 32;

void add(ReachedList *list, Reach reach, const ObjectFacts &object, std::uint32_t tag = 0) {
    if (list->count == list->capacity) {
        int capacity = list->capacity == 0 ? 32 : list->capacity * 2;
        list->items =
            list->items == nullptr
                ? static_cast<Reached *>(palloc(sizeof(Reached) * capacity))
                : static_cast<Reached *>(repalloc(list->items, sizeof(Reached) * capacity));
        list->capacity = capacity;
    }
    Reached &item = list->items[list->count++];
    item.reach = reach;
    item.object = object;
    item.tag = tag;
}

bool member(const ReachedList *list, Oid classid, Oid object) {
    return OidIsValid(list->extension) && object >= FirstNormalObjectId &&
           extension_has_member(list->extension, classid, object);
}

ObjectFacts function_facts(const ReachedList *list, Oid function) {
    ObjectFacts facts;
    facts.oid = function;
    HeapTuple tuple = SearchSysCache1(PROCOID, ObjectIdGetDatum(function));
    if (!HeapTupleIsValid(tuple))
        return facts;
    auto *form = reinterpret_cast<Form_pg_proc>(GETSTRUCT(tuple));
    facts.found = true;
    facts.immutable = form->provolatile == PROVOLATILE_IMMUTABLE;
    facts.superuser_owned = superuser_arg(form->proowner);
    ReleaseSysCache(tuple);
    facts.extension_member = member(list, ProcedureRelationId, function);
    return facts;
}

void add_function(ReachedList *list, Reach reach, Oid function) {
    if (OidIsValid(function))
        add(list, reach, function_facts(list, function));
}

void add_operator_function(ReachedList *list, Reach reach, Oid op) {
    if (OidIsValid(op))
        add_function(list, reach, get_opcode(op));
}

// The expressions of a domain's CHECK constraints.
void describe_domain_constraints(ReachedList *list, Oid domain) {
    Relation constraints = table_open(ConstraintRelationId, AccessShareLock);
    ScanKeyData key;
    ScanKeyInit(&key, Anum_pg_constraint_contypid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(domain));
    SysScanDesc scan =
        systable_beginscan(constraints, ConstraintTypidIndexId, true, nullptr, 1, &key);
    List *expressions = NIL;
    HeapTuple row;
    while (HeapTupleIsValid(row = systable_getnext(scan))) {
        bool isnull;
        Datum bin =
            heap_getattr(row, Anum_pg_constraint_conbin, RelationGetDescr(constraints), &isnull);
        if (!isnull)
            expressions = lappend(expressions, stringToNode(TextDatumGetCString(bin)));
    }
    systable_endscan(scan);
    table_close(constraints, AccessShareLock);
    ListCell *cell;
    foreach (cell, expressions)
        describe_expression(list, static_cast<Node *>(lfirst(cell)));
}

// The columns of a composite type.
void describe_columns(ReachedList *list, Oid relation) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relation));
    if (!HeapTupleIsValid(tuple))
        return;
    int columns = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relnatts;
    ReleaseSysCache(tuple);
    for (AttrNumber attnum = 1; attnum <= columns; ++attnum) {
        HeapTuple attribute =
            SearchSysCache2(ATTNUM, ObjectIdGetDatum(relation), Int16GetDatum(attnum));
        if (!HeapTupleIsValid(attribute))
            continue;
        auto *form = reinterpret_cast<Form_pg_attribute>(GETSTRUCT(attribute));
        Oid type = form->attisdropped ? InvalidOid : form->atttypid;
        ReleaseSysCache(attribute);
        if (OidIsValid(type))
            describe_type(list, type);
    }
}

bool expression_walker(Node *node, void *context);

bool has_result_type(Node *node) {
    return !IsA(node, List) && !IsA(node, CaseWhen);
}

// Node kinds whose evaluation runs no function of their own beyond what their children,
// their types and the cases below describe.
bool plain_node(Node *node) {
    switch (nodeTag(node)) {
        case T_Var:
        case T_Const:
        case T_List:
        case T_RelabelType:
        case T_BoolExpr:
        case T_NullTest:
        case T_BooleanTest:
        case T_CaseExpr:
        case T_CaseWhen:
        case T_CaseTestExpr:
        case T_ArrayExpr:
        case T_RowExpr:
        case T_CoalesceExpr:
        case T_MinMaxExpr:  // the type's comparison: its type support
        case T_CollateExpr:
        case T_FieldSelect:
        case T_FieldStore:
        case T_ConvertRowtypeExpr:
        case T_CoerceToDomain:  // the domain's constraints: its type
        case T_CoerceToDomainValue:
        case T_SQLValueFunction:  // CURRENT_DATE, CURRENT_USER...: no function
        case T_SubscriptingRef:   // the container type's subscripting support
        case T_ArrayCoerceExpr:   // its element expression is a child
        case T_NamedArgExpr:
            return true;
        default:
            return false;
    }
}

bool expression_walker(Node *node, void *context) {
    if (node == nullptr)
        return false;
    auto *list = static_cast<ReachedList *>(context);
    switch (nodeTag(node)) {
        case T_FuncExpr:
            add_function(list, Reach::kFunction, castNode(FuncExpr, node)->funcid);
            break;
        case T_OpExpr:
        case T_DistinctExpr:
        case T_NullIfExpr: {
            auto *op = reinterpret_cast<OpExpr *>(node);
            set_opfuncid(op);
            add_function(list, Reach::kFunction, op->opfuncid);
            break;
        }
        case T_ScalarArrayOpExpr: {
            auto *op = castNode(ScalarArrayOpExpr, node);
            set_sa_opfuncid(op);
            add_function(list, Reach::kFunction, op->opfuncid);
            add_function(list, Reach::kSupportFunction, op->hashfuncid);
            add_function(list, Reach::kSupportFunction, op->negfuncid);
            break;
        }
        case T_RowCompareExpr: {
            // Evaluated with the comparison support of each column's operator family.
            auto *compare = castNode(RowCompareExpr, node);
            ListCell *op, *family;
            forboth(op, compare->opnos, family, compare->opfamilies) {
                add_operator_function(list, Reach::kFunction, lfirst_oid(op));
                int strategy;
                Oid left, right;
                get_op_opfamily_properties(lfirst_oid(op), lfirst_oid(family), false, &strategy,
                                           &left, &right);
                add_function(list, Reach::kSupportFunction,
                             get_opfamily_proc(lfirst_oid(family), left, right, BTORDER_PROC));
            }
            break;
        }
        case T_CoerceViaIO: {
            // The source's output function, the target's input function: the target must be
            // built in (an input function of a composite or domain runs its columns' inputs
            // and its domain constraints).
            auto *coerce = castNode(CoerceViaIO, node);
            Oid output, input, ioparam;
            bool varlena;
            getTypeOutputInfo(exprType(reinterpret_cast<Node *>(coerce->arg)), &output, &varlena);
            getTypeInputInfo(coerce->resulttype, &input, &ioparam);
            add_function(list, Reach::kSupportFunction, output);
            add_function(list, Reach::kSupportFunction, input);
            ObjectFacts target;
            target.oid = coerce->resulttype;
            target.found = true;
            target.extension_member = member(list, TypeRelationId, coerce->resulttype);
            add(list, Reach::kIoCoercionTarget, target);
            break;
        }
        case T_SubLink:
            add(list, Reach::kSubLink, ObjectFacts{});
            break;
        default:
            if (!plain_node(node)) {
                add(list, Reach::kUnknownNode, ObjectFacts{}, nodeTag(node));
                return false;  // its children need no describing: it is refused
            }
            break;
    }
    if (has_result_type(node))
        describe_type(list, exprType(node));
    return walk_expression(node, expression_walker, context);
}

// Functions and operators a raw name could resolve to (every candidate, as the current
// search_path shows them); built-in candidates take and return built-in types only.
void describe_candidates(ReachedList *list, FuncCandidateList candidates, bool operators) {
    for (FuncCandidateList c = candidates; c != nullptr; c = c->next) {
        if (c->oid < FirstNormalObjectId)
            continue;
        Oid function = operators ? get_opcode(c->oid) : c->oid;
        add_function(list, Reach::kSupportFunction, function);
        for (int i = 0; i < c->nargs; ++i)
            describe_type(list, c->args[i]);
        Oid result = operators ? get_op_rettype(c->oid) : get_func_rettype(function);
        describe_type(list, result);
    }
}

void describe_function_name(ReachedList *list, List *name) {
    describe_candidates(list, FuncnameGetCandidates(name, -1, NIL, false, false, false, true),
                        false);
}

void describe_operator_name(ReachedList *list, List *name) {
    describe_candidates(list, OpernameGetCandidates(name, 'b', true), true);
    describe_candidates(list, OpernameGetCandidates(name, 'l', true), true);
}

bool raw_walker(Node *node, void *context) {
    if (node == nullptr)
        return false;
    auto *list = static_cast<ReachedList *>(context);
    switch (nodeTag(node)) {
        case T_A_Const:
        case T_List:
        case T_String:
        case T_A_Star:
        case T_BoolExpr:
        case T_NullTest:
        case T_BooleanTest:
        case T_CaseExpr:
        case T_CaseWhen:
        case T_CoalesceExpr:
        case T_MinMaxExpr:
        case T_A_ArrayExpr:
        case T_RowExpr:
        case T_CollateClause:
        case T_A_Indirection:
        case T_A_Indices:
        case T_SQLValueFunction:
        case T_NamedArgExpr:
        case T_TypeCast:  // its TypeName is a child
            break;
        case T_TypeName: {
            Oid type = LookupTypeNameOid(nullptr, castNode(TypeName, node), true);
            if (OidIsValid(type)) {
                describe_type(list, type);
            } else {
                ObjectFacts missing;
                add(list, Reach::kType, missing);
            }
            break;
        }
        case T_ColumnRef: {
            // a.b may be the function b(a)
            List *fields = castNode(ColumnRef, node)->fields;
            if (list_length(fields) > 1 && IsA(llast(fields), String))
                describe_function_name(list, list_make1(llast(fields)));
            break;
        }
        case T_FuncCall:
            describe_function_name(list, castNode(FuncCall, node)->funcname);
            break;
        case T_A_Expr: {
            auto *expr = castNode(A_Expr, node);
            switch (expr->kind) {
                case AEXPR_BETWEEN:
                case AEXPR_NOT_BETWEEN:
                case AEXPR_BETWEEN_SYM:
                case AEXPR_NOT_BETWEEN_SYM:
                    break;  // its name is a keyword; the operators are pg_catalog's <= and >=
                default:
                    describe_operator_name(list, expr->name);
            }
            break;
        }
        case T_SubLink:
            add(list, Reach::kSubLink, ObjectFacts{});
            return false;
        default:
            add(list, Reach::kUnknownNode, ObjectFacts{}, nodeTag(node));
            return false;
    }
    return walk_raw_expression(node, raw_walker, context);
}

}  // namespace

ReachedList reached_list(Oid extension) {
    ReachedList list{};
    list.extension = extension;
    return list;
}

void describe_expression(ReachedList *list, Node *expression) {
    if (list->depth >= kMaxDepth) {
        add(list, Reach::kUnknownNode, ObjectFacts{}, 0);
        return;
    }
    ++list->depth;
    (void)expression_walker(expression, list);
    --list->depth;
}

void describe_type(ReachedList *list, Oid type) {
    if (!OidIsValid(type) || list_member_oid(list->types_seen, type))
        return;
    list->types_seen = lappend_oid(list->types_seen, type);
    ObjectFacts facts;
    facts.oid = type;
    HeapTuple tuple = SearchSysCache1(TYPEOID, ObjectIdGetDatum(type));
    if (!HeapTupleIsValid(tuple)) {
        add(list, Reach::kType, facts);
        return;
    }
    auto *form = reinterpret_cast<Form_pg_type>(GETSTRUCT(tuple));
    facts.found = true;
    facts.superuser_owned = superuser_arg(form->typowner);
    char kind = form->typtype;
    Oid relation = form->typrelid, base = form->typbasetype, element = form->typelem;
    Oid input = form->typinput, output = form->typoutput, subscript = form->typsubscript;
    bool true_array = IsTrueArrayType(form);
    ReleaseSysCache(tuple);
    // The extension's own types, and its tables' row types (whoever owns the table).
    facts.extension_member = member(list, TypeRelationId, type) ||
                             (OidIsValid(relation) && member(list, RelationRelationId, relation));
    add(list, Reach::kType, facts);
    add_function(list, Reach::kSupportFunction, input);
    add_function(list, Reach::kSupportFunction, output);
    add_function(list, Reach::kSupportFunction, subscript);
    switch (kind) {
        case TYPTYPE_DOMAIN:
            describe_type(list, base);
            describe_domain_constraints(list, type);
            break;
        case TYPTYPE_COMPOSITE:
            describe_columns(list, relation);
            break;
        case TYPTYPE_RANGE: {
            HeapTuple range = SearchSysCache1(RANGETYPE, ObjectIdGetDatum(type));
            if (HeapTupleIsValid(range)) {
                auto *r = reinterpret_cast<Form_pg_range>(GETSTRUCT(range));
                Oid subtype = r->rngsubtype, opclass = r->rngsubopc;
                Oid canonical = r->rngcanonical, diff = r->rngsubdiff;
                ReleaseSysCache(range);
                describe_type(list, subtype);
                describe_opclass(list, opclass);
                add_function(list, Reach::kSupportFunction, canonical);
                add_function(list, Reach::kSupportFunction, diff);
            }
            break;
        }
        case TYPTYPE_MULTIRANGE:
            describe_type(list, get_multirange_range(type));
            break;
        case TYPTYPE_PSEUDO:
            return;  // record, anyarray...: the values' real types are described where they are
        default:
            if (true_array)
                describe_type(list, element);
            break;
    }
    // Equality, comparison and hashing, as arrays, records, MIN/MAX and row comparisons
    // reach them through the type cache.
    TypeCacheEntry *cache =
        lookup_type_cache(type, TYPECACHE_EQ_OPR | TYPECACHE_CMP_PROC | TYPECACHE_HASH_PROC);
    add_operator_function(list, Reach::kSupportFunction, cache->eq_opr);
    add_function(list, Reach::kSupportFunction, cache->cmp_proc);
    add_function(list, Reach::kSupportFunction, cache->hash_proc);
}

void describe_opclass(ReachedList *list, Oid opclass) {
    if (!OidIsValid(opclass))
        return;
    Oid family = get_opclass_family(opclass);
    if (!OidIsValid(family)) {
        add(list, Reach::kSupportFunction, ObjectFacts{});
        return;
    }
    CatCList *operators = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(family));
    for (int i = 0; i < operators->n_members; ++i) {
        auto *op = reinterpret_cast<Form_pg_amop>(GETSTRUCT(&operators->members[i]->tuple));
        add_operator_function(list, Reach::kSupportFunction, op->amopopr);
    }
    ReleaseSysCacheList(operators);
    CatCList *procedures = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(family));
    for (int i = 0; i < procedures->n_members; ++i) {
        auto *proc = reinterpret_cast<Form_pg_amproc>(GETSTRUCT(&procedures->members[i]->tuple));
        add_function(list, Reach::kSupportFunction, proc->amproc);
    }
    ReleaseSysCacheList(procedures);
}

void describe_raw_expression(ReachedList *list, Node *raw) {
    (void)raw_walker(raw, list);
}

ExpressionVerdict judge_list(const ReachedList &list) {
    return judge_expression(list.items, static_cast<std::size_t>(list.count));
}

char *reached_name(const ReachedList &list, const ExpressionVerdict &verdict) {
    if (verdict.allowed() || verdict.index >= static_cast<std::size_t>(list.count))
        return pstrdup("");
    const Reached &item = list.items[verdict.index];
    Oid oid = item.object.oid;
    switch (item.reach) {
        case Reach::kFunction:
        case Reach::kSupportFunction:
            return item.object.found ? psprintf("function %s", format_procedure(oid))
                                     : psprintf("function %u", oid);
        case Reach::kType:
        case Reach::kIoCoercionTarget:
            return item.object.found ? psprintf("type %s", format_type_be(oid))
                                     : psprintf("type %u", oid);
        case Reach::kSubLink:
            return pstrdup("a sub-select");
        case Reach::kUnknownNode:
            return psprintf("an expression node of kind %u", item.tag);
    }
    return pstrdup("");
}

}  // namespace customer_access::pg
