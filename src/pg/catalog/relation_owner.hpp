// A relation's owner from the catalog cache: the one place that reads pg_class.relowner.
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_class.h"
#include "utils/syscache.h"
}

namespace customer_access::pg {

// The owner of `relid`; InvalidOid when there is no such relation.
inline Oid relation_owner(Oid relid) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple))
        return InvalidOid;
    Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
    ReleaseSysCache(tuple);
    return owner;
}

}  // namespace customer_access::pg
