// The utility hook of a Citus node: Citus propagates a SET LOCAL by sending the query text it
// is given, so it is given only the SET's own statement (a multi-statement string would
// otherwise run its other statements on every node before Citus's own BEGIN commands);
// customer_access.carrier is set only by a top-level SET of a connection; COPY ... FROM and
// TRUNCATE of the grants and of their copies pass through the copy guard.
#pragma once

namespace customer_access::pg {

void install_citus_utility_hook();

}  // namespace customer_access::pg
