#include "pg/catalog/rests_on.hpp"

#include "pg/catalog/dependents.hpp"
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
