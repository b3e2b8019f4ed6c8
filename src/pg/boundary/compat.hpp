// The one place that knows how PostgreSQL's internals differ between the supported major
// versions (15, 17, 18). Code elsewhere calls these names and never tests PG_VERSION_NUM.
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
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

}  // namespace customer_access::pg
