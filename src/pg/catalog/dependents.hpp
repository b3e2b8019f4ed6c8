// The objects that depend on one object, read from pg_depend by its reference index: one scan
// for every caller that asks "what depends on X" (the extension's members, a table's foreign
// keys, a type's typed tables, what rests on an object).
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "utils/fmgroids.h"
}

namespace customer_access::pg {

// Calls `each` with every pg_depend row whose referenced object is (classid, objid) until it
// returns true; whether one did. `depend` is pg_depend, opened by the caller. `each` holds
// only trivially destructible values: an ERROR in the scan leaves through this frame.
template <typename Each>
bool any_dependent(Relation depend, Oid classid, Oid objid, Each each) {
    ScanKeyData keys[2];
    ScanKeyInit(&keys[0], Anum_pg_depend_refclassid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(classid));
    ScanKeyInit(&keys[1], Anum_pg_depend_refobjid, BTEqualStrategyNumber, F_OIDEQ,
                ObjectIdGetDatum(objid));
    SysScanDesc scan = systable_beginscan(depend, DependReferenceIndexId, true, nullptr, 2, keys);
    bool found = false;
    HeapTuple tuple;
    while (!found && HeapTupleIsValid(tuple = systable_getnext(scan)))
        found = each(*reinterpret_cast<Form_pg_depend>(GETSTRUCT(tuple)));
    systable_endscan(scan);
    return found;
}

// Calls `each` with every pg_depend row that references (classid, objid).
template <typename Each>
void for_each_dependent(Oid classid, Oid objid, Each each) {
    Relation depend = table_open(DependRelationId, AccessShareLock);
    any_dependent(depend, classid, objid, [&each](const FormData_pg_depend &d) {
        each(d);
        return false;
    });
    table_close(depend, AccessShareLock);
}

}  // namespace customer_access::pg
