#include "foreign_key_rule.hpp"

namespace customer_access {

ForeignKeyVerdict judge_foreign_key(const ForeignKeyPair *pairs, std::size_t count) {
    if (count == 0)
        return ForeignKeyVerdict{ForeignKeyFault::kUnknownColumn, 0};
    for (std::size_t i = 0; i < count; ++i) {
        const ForeignKeyPair &p = pairs[i];
        if (p.referencing_type == 0 || p.referenced_type == 0)
            return ForeignKeyVerdict{ForeignKeyFault::kUnknownColumn, i};
        if (p.referencing_type != p.referenced_type)
            return ForeignKeyVerdict{ForeignKeyFault::kTypeMismatch, i};
        if (!p.operators_known)
            continue;
        for (const ObjectFacts &op : p.operators)
            if (!op.found || !(is_built_in(op.oid) || op.extension_member))
                return ForeignKeyVerdict{ForeignKeyFault::kOperator, i};
    }
    return ForeignKeyVerdict{};
}

ForeignKeyFault judge_key_actions(const ForeignKeyActions &key) {
    if (key.references_extension && !key.from_extension && key.acts &&
        !key.referencing_owner_trusted)
        return ForeignKeyFault::kRoleAction;
    return ForeignKeyFault::kNone;
}

const char *foreign_key_fault_text(ForeignKeyFault fault) {
    switch (fault) {
        case ForeignKeyFault::kNone:
            return "is allowed";
        case ForeignKeyFault::kUnknownColumn:
            return "has a column whose type cannot be told before the key is made";
        case ForeignKeyFault::kTypeMismatch:
            return "has a referencing column whose type is not exactly the referenced column's";
        case ForeignKeyFault::kOperator:
            return "compares with an equality operator that is not built in";
        case ForeignKeyFault::kRoleAction:
            return "has an ON DELETE or ON UPDATE action on a table that no superuser owns";
    }
    return "is refused";
}

}  // namespace customer_access
