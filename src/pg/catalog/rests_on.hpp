// What DROP ... CASCADE of an object would take customer_access with: read from pg_depend by
// its index on the referenced object and from the extension's remembered members
// (member_cache), without SPI and without locking the object.
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// Whether `extension` or one of its members depends (normal or automatic dependency) on the
// object, or, when the object is an extension, on one of that extension's members.
bool extension_rests_on_object(Oid extension, Oid classid, Oid objid);

}  // namespace customer_access::pg
