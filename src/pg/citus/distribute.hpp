// customer_access.distribute()'s one C step: turning the grants into a Citus reference table.
#pragma once

namespace customer_access::pg {

// Whether Citus is copying the existing grants into their new shards (their history is
// already recorded, so the copies' INSERT triggers record nothing).
bool copying_grants_into_shards();

}  // namespace customer_access::pg
