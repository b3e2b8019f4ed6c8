// access_role values as Datums: one byte, the level, passed by value.
#pragma once

#include "core/access_role.hpp"
#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

inline Level role_from_datum(Datum d) {
    return DatumGetUInt8(d);
}
inline Datum role_to_datum(Level level) {
    return UInt8GetDatum(level);
}

#define PG_GETARG_ACCESS_ROLE(n) (customer_access::pg::role_from_datum(PG_GETARG_DATUM(n)))
#define PG_RETURN_ACCESS_ROLE(x) return customer_access::pg::role_to_datum(x)

// The role with this level; a level not in the table (corrupt data) is an error.
const RoleInfo &role_info(Level level);

}  // namespace customer_access::pg
