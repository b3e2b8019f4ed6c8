// What evaluating an expression on one of the extension's tables would reach, as the plain
// list core/expression_rule.hpp judges: the functions it calls (directly, through
// operators, casts, row comparisons, I/O coercions and type support), the types its values
// have or pass through (recursively: domains with their constraints, composites' columns,
// arrays' elements, ranges' subtypes), the index operator classes' members, sub-selects and
// node kinds the describer does not know. Built from a cooked expression tree (a stored
// CHECK, index expression or predicate, a domain constraint) or, for a statement that is yet
// to be analysed (a record table_extras replays), from its raw parse tree: there the names
// it uses, resolved as the analysis would, so that analysing it cannot run role code either.
// This side describes; it decides nothing.
#pragma once

#include "core/expression_rule.hpp"
#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

struct ReachedList {
    Reached *items;
    int count;
    int capacity;
    Oid extension;
    List *types_seen;  // every type described once
    int depth;         // domain constraints within domain constraints
};

// An empty list for the extension `extension` (its objects count as its own).
ReachedList reached_list(Oid extension);

// A cooked expression tree (nodes of a stored pg_node_tree or a transformed expression).
void describe_expression(ReachedList *list, Node *expression);

// A type and everything it passes through.
void describe_type(ReachedList *list, Oid type);

// An index operator class: every operator and support function of its family.
void describe_opclass(ReachedList *list, Oid opclass);

// A raw (parsed, not analysed) expression: the types it names, and every function and
// operator that is not built in and that its names could resolve to, with their types.
void describe_raw_expression(ReachedList *list, Node *raw);

// The verdict of core's rule on the list.
ExpressionVerdict judge_list(const ReachedList &list);

// What the item a verdict names is, for a message: "function query_to_xml(text, ...)".
char *reached_name(const ReachedList &list, const ExpressionVerdict &verdict);

}  // namespace customer_access::pg
