// The rule for code reachable from the extension's tables. PostgreSQL runs a CHECK
// constraint, an index expression or predicate, a domain's constraints and a type's support
// with the rights of whoever writes a row (a superuser's UPDATE of a grant) or of the
// table's owner (ANALYZE, CLUSTER, REINDEX): what such an expression reaches must be
// PostgreSQL's own or a superuser's, never code a role wrote, and never a built-in that runs
// SQL or calls back into role code.
//
// src/pg describes an expression as the flat list of what evaluating it would reach (the
// functions it calls, directly or through operators and type support, the types its values
// have or pass through, the kinds of node it has), with plain facts from the catalogs; the
// rule here judges that list. The same rule judges a constraint or index when DDL makes it
// and again when table_extras replays it after a restore.
#pragma once

#include <cstddef>
#include <cstdint>

namespace customer_access {

// PostgreSQL's FirstNormalObjectId: objects with a smaller OID were made by initdb.
inline constexpr std::uint32_t kFirstNormalObjectId = 16384;

// Facts about a function or a type, as the catalogs tell them.
struct ObjectFacts {
    std::uint32_t oid = 0;
    bool found = false;             // it exists (a dangling OID is refused)
    bool superuser_owned = false;   // its owner is a superuser
    bool extension_member = false;  // customer_access's own (or one of its tables' row types)
    bool immutable = false;         // functions: provolatile = 'i'
};

enum class Reach : std::uint8_t {
    // A function the expression calls: directly, as an operator's or a cast's function, or
    // as the comparison of a row comparison. PostgreSQL's own only when IMMUTABLE
    // (query_to_xml, set_config, jsonb_populate_record, record_in are not); otherwise a
    // superuser's or the extension's.
    kFunction,
    // A function PostgreSQL calls on the expression's behalf: a type's input and output
    // functions, its equality, comparison, hash and subscripting support, a range's
    // canonical and subtype-difference functions, an index operator class's members.
    // PostgreSQL's own, a superuser's or the extension's.
    kSupportFunction,
    // A type a value has or passes through (a node's result, a domain's base type, a
    // composite's columns, an array's elements, a range's subtype): PostgreSQL's own, a
    // superuser's or the extension's (a role's enum, composite, domain or range type runs
    // the role's domain constraints and casts).
    kType,
    // The type an I/O coercion (text to a type) makes: its input function parses text, for
    // a composite or domain that means running its columns' inputs and domain constraints.
    // PostgreSQL's own or the extension's only.
    kIoCoercionTarget,
    // A sub-select: never (it would run a query as whoever writes the row).
    kSubLink,
    // A kind of node the describing side does not know: never (an allow-list).
    kUnknownNode,
};

struct Reached {
    Reach reach;
    ObjectFacts object;     // kFunction, kSupportFunction, kType, kIoCoercionTarget
    std::uint32_t tag = 0;  // kUnknownNode: PostgreSQL's node tag, for the message
};

enum class ExpressionFault : std::uint8_t {
    kNone,
    kSubLink,
    kUnknownNode,
    kMissingObject,
    kMutableBuiltIn,  // a built-in function that is not IMMUTABLE
    kRoleFunction,    // a function neither PostgreSQL's, a superuser's nor the extension's
    kRoleType,        // a type neither PostgreSQL's, a superuser's nor the extension's
    kIoCoercionTo,    // an I/O coercion to a type that is not PostgreSQL's or the extension's
};

struct ExpressionVerdict {
    ExpressionFault fault = ExpressionFault::kNone;
    std::size_t index = 0;  // the item that decided it (when fault != kNone)
    bool allowed() const { return fault == ExpressionFault::kNone; }
};

bool is_built_in(std::uint32_t oid);

// The verdict on one item.
ExpressionFault judge_reached(const Reached &item);

// The verdict on an expression: the first item the rule refuses, or kNone.
ExpressionVerdict judge_expression(const Reached *items, std::size_t count);

// What a fault means, for the error message ("calls a function that is not IMMUTABLE").
const char *expression_fault_text(ExpressionFault fault);

}  // namespace customer_access
