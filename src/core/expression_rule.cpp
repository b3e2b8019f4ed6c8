#include "expression_rule.hpp"

namespace customer_access {

bool is_built_in(std::uint32_t oid) {
    return oid != 0 && oid < kFirstNormalObjectId;
}

namespace {

// PostgreSQL's own, a superuser's or the extension's: code no role can change.
bool trusted(const ObjectFacts &o) {
    return is_built_in(o.oid) || o.superuser_owned || o.extension_member;
}

}  // namespace

ExpressionFault judge_reached(const Reached &item) {
    const ObjectFacts &o = item.object;
    switch (item.reach) {
        case Reach::kSubLink:
            return ExpressionFault::kSubLink;
        case Reach::kUnknownNode:
            return ExpressionFault::kUnknownNode;
        case Reach::kFunction:
            if (!o.found)
                return ExpressionFault::kMissingObject;
            // A built-in is owned by the bootstrap superuser: what makes it safe is that it
            // is IMMUTABLE (no built-in that runs SQL, reads settings or calls user casts is).
            if (is_built_in(o.oid))
                return o.immutable ? ExpressionFault::kNone : ExpressionFault::kMutableBuiltIn;
            return trusted(o) ? ExpressionFault::kNone : ExpressionFault::kRoleFunction;
        case Reach::kSupportFunction:
            if (!o.found)
                return ExpressionFault::kMissingObject;
            return trusted(o) ? ExpressionFault::kNone : ExpressionFault::kRoleFunction;
        case Reach::kType:
            if (!o.found)
                return ExpressionFault::kMissingObject;
            return trusted(o) ? ExpressionFault::kNone : ExpressionFault::kRoleType;
        case Reach::kIoCoercionTarget:
            if (!o.found)
                return ExpressionFault::kMissingObject;
            return is_built_in(o.oid) || o.extension_member ? ExpressionFault::kNone
                                                            : ExpressionFault::kIoCoercionTo;
    }
    return ExpressionFault::kUnknownNode;  // an item of no known kind
}

ExpressionVerdict judge_expression(const Reached *items, std::size_t count) {
    for (std::size_t i = 0; i < count; ++i) {
        ExpressionFault fault = judge_reached(items[i]);
        if (fault != ExpressionFault::kNone)
            return ExpressionVerdict{fault, i};
    }
    return ExpressionVerdict{};
}

const char *expression_fault_text(ExpressionFault fault) {
    switch (fault) {
        case ExpressionFault::kNone:
            return "is allowed";
        case ExpressionFault::kSubLink:
            return "has a sub-select";
        case ExpressionFault::kUnknownNode:
            return "has a kind of expression the rule does not allow";
        case ExpressionFault::kMissingObject:
            return "reaches an object that does not exist";
        case ExpressionFault::kMutableBuiltIn:
            return "calls a built-in function that is not IMMUTABLE";
        case ExpressionFault::kRoleFunction:
            return "reaches a function that is neither PostgreSQL's nor a superuser's";
        case ExpressionFault::kRoleType:
            return "reaches a type that is neither PostgreSQL's nor a superuser's";
        case ExpressionFault::kIoCoercionTo:
            return "converts text to a type that is not built in";
    }
    return "is refused";
}

}  // namespace customer_access
