// Reading a grant (role, window, key columns) out of a table row, for the triggers.
#pragma once

#include "../core/owner_rule.hpp"
#include "postgres.hpp"

extern "C" {
#include "commands/trigger.h"
#include "utils/rel.h"
}

namespace customer_access::pg {

inline constexpr int kMaxKeyColumns = 8;

// Where a table keeps its grant: by default the columns of customer_access.external_access;
// a trigger may name others: (role_column, days_back_column or '', key_column...).
struct GrantColumns {
    AttrNumber role;
    AttrNumber days_back;  // 0: the table has no window; every grant is unlimited
    AttrNumber keys[kMaxKeyColumns];
    int key_count;
};

// The trigger data of a trigger function's call; called any other way is an error (39P01).
TriggerData *trigger_call(FunctionCallInfo fcinfo, const char *function);

// The trigger's columns, resolved once per statement and kept in fn_extra; a missing column
// or one of the wrong type is an error.
const GrantColumns &trigger_columns(FunctionCallInfo fcinfo, const TriggerData *trigger);

// What a change of `before` into `after` (nullptr: a delete) does to an Owner.
OwnerChange owner_change(HeapTuple before, HeapTuple after, TupleDesc desc,
                         const GrantColumns &columns);

// " with customer_id = ..., user_id = ...": the key columns of a row, for messages.
char *describe_grant_keys(HeapTuple row, TupleDesc desc, const GrantColumns &columns);

}  // namespace customer_access::pg
