// Change notifications (1.3): after a transaction that changed the grants commits, one
// NOTIFY customer_access_changed with the JSON {"first_history_id": F, "last_history_id": L}
// of that transaction's history entries, and nothing else (any role may LISTEN).
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// Called by record_change() for each history entry it wrote, in the (sub)transaction that
// wrote it: entries of an aborted subtransaction do not count.
void note_history_entry(int64 history_id);

// At module load: follows subtransactions, and queues the notification just before commit.
void install_change_notifications();

}  // namespace customer_access::pg
