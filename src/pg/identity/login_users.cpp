// login_users: finding a login's row, and the trigger that binds each row to its role's OID.
#include "pg/boundary/compat.hpp"
#include "pg/identity/login_users.hpp"

#include "pg/boundary/boundary.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/triggers/trigger_rows.hpp"

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "catalog/namespace.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace customer_access::pg {
namespace {

Oid login_users_table() {
    return get_relname_relid("login_users", extension_schema(extension_catalog().extension));
}

}  // namespace

bool login_user_of(Oid login, Uuid *user) {
    Oid schema = extension_schema(extension_catalog().extension);
    Oid table = get_relname_relid("login_users", schema);
    Oid index = get_relname_relid("login_users_pkey", schema);
    if (!OidIsValid(table) || !OidIsValid(index))
        return false;
    AttrNumber user_column = get_attnum(table, "user_id");
    AttrNumber role_column = get_attnum(table, "role_oid");
    if (user_column == InvalidAttrNumber || role_column == InvalidAttrNumber)
        return false;  // (a 1.2 table before ALTER EXTENSION UPDATE: no row is bound)
    Relation rel = table_open(table, AccessShareLock);
    Relation idx = index_open(index, AccessShareLock);
    NameData name;
    namestrcpy(&name, GetUserNameFromId(login, false));
    ScanKeyData key;
    ScanKeyInit(&key, 1, BTEqualStrategyNumber, F_NAMEEQ, NameGetDatum(&name));
    Snapshot snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    IndexScanDesc scan = begin_index_scan(rel, idx, snapshot, 1);
    index_rescan(scan, &key, 1, nullptr, 0);
    TupleTableSlot *slot = table_slot_create(rel, nullptr);
    bool found = false;
    if (index_getnext_slot(scan, ForwardScanDirection, slot)) {
        bool user_null, role_null;
        Datum value = slot_getattr(slot, user_column, &user_null);
        Datum role = slot_getattr(slot, role_column, &role_null);
        if (!user_null && !role_null && DatumGetObjectId(role) == login) {
            found = true;
            *user = from_pg_uuid(DatumGetUUIDP(value));
        }
    }
    ExecDropSingleTupleTableSlot(slot);
    index_endscan(scan);
    index_close(idx, AccessShareLock);
    table_close(rel, AccessShareLock);
    return found;
}

}  // namespace customer_access::pg

using namespace customer_access;
using namespace customer_access::pg;

// bind_login_role(): BEFORE INSERT OR UPDATE FOR EACH ROW on login_users only. role_oid is
// the OID of the role the row names when the row is written (42704 when there is none), and
// stays that role's while the login is unchanged, whatever the statement sets; setting it to
// NULL binds the row again to the role that has the name now (after a restore into another
// cluster, or a role re-created on purpose). A row loaded back by a restore keeps its value.
CUSTOMER_ACCESS_FUNCTION(bind_login_role) {
    Oid table = login_users_table();
    TriggerData *trigger = bound_trigger(fcinfo, "bind_login_role", table);
    TriggerEvent event = trigger->tg_event;
    if (!TRIGGER_FIRED_BEFORE(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
        !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("bind_login_role() must be fired BEFORE INSERT OR UPDATE FOR "
                               "EACH ROW")));
    bool update = TRIGGER_FIRED_BY_UPDATE(event);
    HeapTuple row = update ? trigger->tg_newtuple : trigger->tg_trigtuple;
    TupleDesc desc = RelationGetDescr(trigger->tg_relation);
    AttrNumber login_column = get_attnum(table, "login");
    AttrNumber role_column = get_attnum(table, "role_oid");
    if (login_column == InvalidAttrNumber || role_column == InvalidAttrNumber)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("customer_access.login_users has no column role_oid"),
                        errhint("ALTER EXTENSION customer_access UPDATE.")));
    bool login_null, role_null;
    Datum login = heap_getattr(row, login_column, desc, &login_null);
    heap_getattr(row, role_column, desc, &role_null);
    if (login_null)
        return PointerGetDatum(row);  // the primary key refuses it
    if (!update && !role_null && restoring_saved_rows_into(table))
        return PointerGetDatum(row);  // a restored row keeps the role it was bound to
    if (update && !role_null) {
        bool old_null, old_role_null;
        Datum old_login = heap_getattr(trigger->tg_trigtuple, login_column, desc, &old_null);
        Datum old_role = heap_getattr(trigger->tg_trigtuple, role_column, desc, &old_role_null);
        if (!old_null &&
            strcmp(NameStr(*DatumGetName(old_login)), NameStr(*DatumGetName(login))) == 0) {
            // The same login: the row stays bound to the role it was bound to.
            int columns[1] = {role_column};
            Datum values[1] = {old_role};
            bool nulls[1] = {old_role_null};
            return PointerGetDatum(heap_modify_tuple_by_cols(row, desc, 1, columns, values, nulls));
        }
    }
    const char *name = NameStr(*DatumGetName(login));
    Oid role = get_role_oid(name, true);
    if (!OidIsValid(role))
        ereport(ERROR,
                (errcode(ERRCODE_UNDEFINED_OBJECT), errmsg("role \"%s\" does not exist", name),
                 errdetail("A row of customer_access.login_users is bound to its login "
                           "role (the role's OID)."),
                 errhint("Create the login role first.")));
    int columns[1] = {role_column};
    Datum values[1] = {ObjectIdGetDatum(role)};
    bool nulls[1] = {false};
    return PointerGetDatum(heap_modify_tuple_by_cols(row, desc, 1, columns, values, nulls));
}
