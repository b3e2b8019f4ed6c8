// Citus 13.2's citus_internal.delete_placement_metadata(placement id) checks only that it runs
// in a connection named like Citus's (application_name, which any role sets) in a coordinated
// transaction (assign_distributed_transaction_id, executable by PUBLIC); it does not check
// that the caller owns the placement's table. Any role could so take a copy of the grants out
// of the coordinator's metadata: later changes of the grants then skip that node, whose stale
// copy still answers the checks there. A role that is not a superuser may still call it (Citus
// does, for tables the role owns), but a call that leaves the grants' shard with fewer
// placements is refused (42501) and undone with its statement.
#pragma once

namespace customer_access::pg {

void install_placement_guard();

}  // namespace customer_access::pg
