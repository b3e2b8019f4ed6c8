// Citus keeps the rows of a recursively planned subquery, and the partitions of a repartition
// join, as intermediate result files named by the role and the distributed transaction, on
// every node that needs them, until the transaction ends. Citus lets any backend of that role
// read and write them once it has taken the transaction's id, and
// assign_distributed_transaction_id() and get_all_active_transactions() are PUBLIC: another
// session of a shared portal role could read the rows another user's policy let through.
// Once the grants are distributed, a backend that is not a superuser touches intermediate
// results only when the rule admits it (core/identity_carrier.hpp,
// may_use_intermediate_results): it started the transaction, or a carrier was accepted on its
// connection for that transaction, or its connection brought a result pass for it (the
// connections fetch_intermediate_results() opens to other nodes). Refused: 42501. In any
// database of a Citus node, a session never touches the results of a distributed transaction
// that a backend of another database holds (the files of every database are in one place).
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "fmgr.h"
#include "nodes/parsenodes.h"
}

namespace customer_access::pg {

// A call of a Citus function that reads or writes intermediate results here (fetch: it
// fetches them from another node) starts or ends (citus_function_hook.hpp).
void intermediate_results_call(FmgrHookEventType event, bool fetch);

// Whether a COPY is Citus's COPY "result id" TO STDOUT / FROM STDIN WITH (format result).
bool is_result_copy(const CopyStmt *copy);

// Before such a COPY: refuses it unless the rule admits this backend (and COPY (query) WITH
// (format result), which Citus 13.2 cannot handle, always: 0A000).
void check_result_copy(const CopyStmt *copy);

}  // namespace customer_access::pg
