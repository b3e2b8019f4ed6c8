// What customer_access needs from Citus, found at run time (customer_access neither links to
// nor requires Citus): whether Citus is loaded, which backends run shard queries for a
// coordinator, the distributed transaction, SET LOCAL propagation, and where the local shard
// of a reference table is. Citus 13 is the version tested.
#pragma once

#include <optional>

#include "core/identity_carrier.hpp"
#include "pg/boundary/postgres.hpp"

extern "C" {
#include "nodes/plannodes.h"
}

namespace customer_access::pg {

// Whether the Citus library is loaded in this backend (never loads it).
bool citus_loaded();

// Whether this backend was opened by another Citus node to run its shard queries (Citus
// names such connections "citus_internal gpid=...").
bool in_citus_internal_backend();

// This backend's distributed transaction, if Citus assigned one.
std::optional<DistributedTransaction> current_distributed_transaction();

// Whether this backend started its distributed transaction (rather than being assigned it by
// assign_distributed_transaction_id()).
bool distributed_transaction_originator();

// Whether a backend of another database on this node holds a distributed transaction of
// this initiator and number (what names Citus's intermediate result files), read from Citus's
// per-backend data whoever the backend is.
bool transaction_held_in_other_database(const DistributedTransaction &transaction);

// Makes the current transaction a coordinated one (its shard queries then run in remote
// transaction blocks that receive the propagated SET LOCALs) and returns its id.
DistributedTransaction start_coordinated_transaction();

// The session tags (customer_access.session, reported by each node backend when the
// connection started) of this backend's Citus connections as `user` to this database, in a
// palloc'd array; their number. Connections whose node reported no tag are left out.
int connection_sessions(const char *user, SessionTag **tags);

// Makes sure this backend has a Citus connection as `user` to every node that holds a
// placement of `shard` (this node too, with include_local: Citus's COPY reaches this node's
// placement through a connection), so that a carrier sealed now names the connections Citus
// then uses.
void connect_to_placements(int64 shard, const char *user, bool include_local);

// Citus's count of the stored procedures being called in this backend: while it is above 0,
// Citus does not delegate a CALL to a worker (it runs it here, its statements distributed as
// any other). nullptr when Citus is not loaded.
int *citus_procedure_level();

// The placements of a shard in this node's Citus metadata.
int64 placement_count(int64 shard);

// What this node's Citus metadata says of a table with one shard: how many placements it has,
// and its partition method, replication model and colocation group.
struct CitusTableMetadata {
    int64 placements;
    int64 partition[3];
    bool operator==(const CitusTableMetadata &other) const {
        return placements == other.placements && partition[0] == other.partition[0] &&
               partition[1] == other.partition[1] && partition[2] == other.partition[2];
    }
};
CitusTableMetadata citus_table_metadata(Oid table, int64 shard);

// This node's Citus group (0: the coordinator), and the group of a node by its node id.
int32 local_group_id();
std::optional<int32> group_of_node(int32 node);

// SET LOCAL name = 'value' on every node the transaction uses now or will use (value holds
// no quote or backslash).
void propagate_set_local(const char *name, const char *value);

// Whether citus.enable_local_execution is on: Citus runs the tasks on this node's placements
// in this backend rather than through a connection.
bool citus_local_execution_enabled();

// Whether Citus is executing a task on this shard locally, in this backend (what a change
// made through the distributed table is on the coordinator's copy).
bool in_local_execution_of(int64 shard);
bool in_local_execution();  // on any shard

// Whether a plan is (or contains, down its outer and inner trees) a Citus distributed scan.
bool is_citus_plan(Plan *plan);

// Where the rows of a table live on this node: the table itself, or, for a Citus reference
// table, its shard here ("<name>_<shardid>" in the same schema).
struct RowHome {
    bool distributed;  // a Citus table
    Oid relation;      // the shard here; InvalidOid when this node holds none
    int64 shard;
    int32 group;  // this node's Citus group (0: the coordinator)
};
RowHome row_home(Oid table);

}  // namespace customer_access::pg
