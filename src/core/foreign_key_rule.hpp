// The rule for foreign keys between the extension's tables and other tables. PostgreSQL
// checks a foreign key by querying the referenced table as its owner, and runs ON DELETE /
// ON UPDATE actions on the referencing table as that table's owner, comparing with the
// equality operators it chose when the key was made, casting the other side's values to
// their input types. With the extension's tables on either side, whatever such a cast or
// operator runs would run as the extension's owner (a superuser) or reach the grants: so
// each referencing column has exactly the referenced column's type (no implicit cast, no
// domain), and the operators are PostgreSQL's own or the extension's.
#pragma once

#include <cstddef>
#include <cstdint>

#include "expression_rule.hpp"

namespace customer_access {

// One column pair of a foreign key.
struct ForeignKeyPair {
    std::uint32_t referencing_type = 0;  // 0: not known (refused)
    std::uint32_t referenced_type = 0;
    // The equality operators PostgreSQL chose (pg_constraint conpfeqop, conppeqop,
    // conffeqop), once the key exists; before it is made (judged from the statement) they
    // follow from the types and the referenced key's index.
    bool operators_known = false;
    ObjectFacts operators[3];
};

enum class ForeignKeyFault : std::uint8_t {
    kNone,
    kUnknownColumn,  // a column whose type could not be told
    kTypeMismatch,   // the referencing column's type is not exactly the referenced one's
    kOperator,       // an equality operator neither PostgreSQL's nor the extension's
    kRoleAction,     // an ON DELETE / ON UPDATE action on a table a role owns
};

struct ForeignKeyVerdict {
    ForeignKeyFault fault = ForeignKeyFault::kNone;
    std::size_t index = 0;  // the column pair that decided it
    bool allowed() const { return fault == ForeignKeyFault::kNone; }
};

ForeignKeyVerdict judge_foreign_key(const ForeignKeyPair *pairs, std::size_t count);

// A key that references one of the extension's tables runs its ON DELETE / ON UPDATE action
// (CASCADE, SET NULL, SET DEFAULT) on the referencing table as that table's owner, in the
// session and transaction of whoever deletes or re-keys the referenced row: the referencing
// table's triggers, defaults and constraints run there, and a deferred constraint trigger
// queued by the action fires at commit as the committing role (a superuser who deleted a
// grant). So such a key acts only when a superuser owns the referencing table; from a table
// a role owns it is NO ACTION or RESTRICT, which reads that table and runs none of its code.
struct ForeignKeyActions {
    bool references_extension = false;       // the referenced table is one of the extension's
    bool from_extension = false;             // the referencing table is one of the extension's
    bool referencing_owner_trusted = false;  // a superuser owns the referencing table
    bool acts = false;  // ON DELETE or ON UPDATE is CASCADE, SET NULL or SET DEFAULT
};

ForeignKeyFault judge_key_actions(const ForeignKeyActions &key);

const char *foreign_key_fault_text(ForeignKeyFault fault);

}  // namespace customer_access
