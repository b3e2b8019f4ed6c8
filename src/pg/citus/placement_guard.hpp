// Citus 13.2's citus_internal.delete_placement_metadata(placement id) and
// citus_internal.update_none_dist_table_metadata(table, ...) check only that they run in a
// connection named like Citus's (application_name, which any role sets) in a coordinated
// transaction (assign_distributed_transaction_id, executable by PUBLIC), not that the caller
// owns the table. Any role could so take a copy of the grants out of the coordinator's
// metadata, or make the grants a single-shard table: later changes of the grants then skip
// the other copies, whose stale rows still answer the checks there. A role that is not a
// superuser may still call them (Citus does, for tables the role owns), but a call that
// changes what the metadata says of the grants (their placements, partition method,
// replication model, colocation) is refused (42501) and undone with its statement.
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "fmgr.h"
}

namespace customer_access::pg {

// A call of one of those functions starts or ends (citus_function_hook.hpp).
void placement_metadata_call(FmgrHookEventType event);

}  // namespace customer_access::pg
