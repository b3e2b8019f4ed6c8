#include "extension_objects.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "parser/parse_func.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"
}

namespace customer_access::pg {
namespace {

Oid extension_schema(bool missing_ok) {
    return get_namespace_oid(kSchemaName, missing_ok);
}

}  // namespace

Oid extension_relation(const char *name) {
    Oid relid = get_relname_relid(name, extension_schema(false));
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("relation %s.%s of extension customer_access does not exist",
                               kSchemaName, name),
                        errhint("Is the extension installed in this database (CREATE EXTENSION "
                                "customer_access)?")));
    return relid;
}

Oid access_role_type_oid() {
    Oid schema = extension_schema(true);
    if (!OidIsValid(schema))
        return InvalidOid;
    return GetSysCacheOid2(TYPENAMENSP, Anum_pg_type_oid, CStringGetDatum("access_role"),
                           ObjectIdGetDatum(schema));
}

Oid extension_function(const char *name, int nargs, const Oid *argtypes) {
    List *qualified = list_make2(makeString(pstrdup(kSchemaName)), makeString(pstrdup(name)));
    return LookupFuncName(qualified, nargs, argtypes, false);
}

}  // namespace customer_access::pg
