#include "pg/catalog/rests_on.hpp"

#include "pg/catalog/member_cache.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "utils/fmgroids.h"
}

namespace customer_access::pg {
namespace {

// Calls `each` for every pg_depend row whose referenced object is (classid, objid) until it
// returns true; returns whether one did.
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

// The extension itself or one of its members depends on (classid, objid).
bool we_depend_on(Relation depend, Oid extension, Oid classid, Oid objid) {
    return any_dependent(depend, classid, objid, [extension](const FormData_pg_depend &d) {
        if (d.deptype != DEPENDENCY_NORMAL && d.deptype != DEPENDENCY_AUTO)
            return false;
        return (d.classid == ExtensionRelationId && d.objid == extension) ||
               extension_has_member(extension, d.classid, d.objid);
    });
}

}  // namespace

bool extension_rests_on_object(Oid extension, Oid classid, Oid objid) {
    Relation depend = table_open(DependRelationId, AccessShareLock);
    bool rests = we_depend_on(depend, extension, classid, objid);
    if (!rests && classid == ExtensionRelationId && objid != extension)
        rests = any_dependent(depend, classid, objid, [&](const FormData_pg_depend &x) {
            return x.deptype == DEPENDENCY_EXTENSION &&
                   we_depend_on(depend, extension, x.classid, x.objid);
        });
    table_close(depend, AccessShareLock);
    return rests;
}

}  // namespace customer_access::pg
