// The one place that knows how PostgreSQL's internals differ between the supported major
// versions (15, 17, 18). Code elsewhere calls these names and never tests PG_VERSION_NUM.
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "nodes/nodeFuncs.h"
#include "storage/proc.h"
}

namespace customer_access::pg {

// The backend's local transaction id: the stamp of "given in this transaction". PGPROC kept
// it as `lxid` up to 16 and as `vxid.lxid` since 17.
inline LocalTransactionId local_transaction_of(const PGPROC *proc) {
    if (proc == nullptr)
        return InvalidLocalTransactionId;
#if PG_VERSION_NUM >= 170000
    return proc->vxid.lxid;
#else
    return proc->lxid;
#endif
}

inline LocalTransactionId current_local_transaction() {
    return local_transaction_of(MyProc);
}

// The tree walkers. Up to 15 they are declared with an unprototyped bool (*)(), since 16
// they are macros that cast to tree_walker_callback: a walker goes through void (*)(), the
// generic function pointer type the compiler lets us cast through, to either.
using NodeWalker = bool (*)(Node *node, void *context);

inline bool walk_expression(Node *node, NodeWalker walker, void *context) {
    auto generic = reinterpret_cast<void (*)()>(walker);
    return expression_tree_walker(node, reinterpret_cast<bool (*)()>(generic), context);
}

inline bool walk_raw_expression(Node *node, NodeWalker walker, void *context) {
    auto generic = reinterpret_cast<void (*)()>(walker);
    return raw_expression_tree_walker(node, reinterpret_cast<bool (*)()>(generic), context);
}

}  // namespace customer_access::pg
