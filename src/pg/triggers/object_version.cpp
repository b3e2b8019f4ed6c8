// Trigger function customer_access.stamp_object_version(): BEFORE INSERT OR UPDATE FOR EACH
// ROW on customer_access.external_access only. object_version is 0 on insert and the old
// value + 1 on update, whatever the statement set.
#include "pg/boundary/boundary.hpp"
#include "pg/citus/copy_guard.hpp"
#include "pg/triggers/trigger_rows.hpp"

extern "C" {
#include "access/htup_details.h"
}

using namespace customer_access;
using namespace customer_access::pg;

CUSTOMER_ACCESS_FUNCTION(stamp_object_version) {
    const ExtensionCatalog &catalog = extension_catalog();
    TriggerData *trigger =
        bound_trigger(fcinfo, "stamp_object_version", catalog.grants, catalog.grant_rows);
    TriggerEvent event = trigger->tg_event;
    if (!TRIGGER_FIRED_BEFORE(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
        !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("stamp_object_version() must be fired BEFORE INSERT OR UPDATE FOR "
                               "EACH ROW")));
    // A restored grant keeps its version, and so does one Citus copies into a new copy.
    if (TRIGGER_FIRED_BY_INSERT(event) && (restoring_saved_rows() || copying_existing_grants()))
        return PointerGetDatum(trigger->tg_trigtuple);
    TupleDesc desc = RelationGetDescr(trigger->tg_relation);
    AttrNumber column = catalog.layout.object_version;
    int32 version = 0;
    if (TRIGGER_FIRED_BY_UPDATE(event)) {
        GrantRow old_row = read_grant_row(trigger->tg_trigtuple, desc, catalog.layout);
        if (old_row.object_version == PG_INT32_MAX)
            ereport(ERROR, (errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
                            errmsg("object_version of the grant is at its maximum")));
        version = old_row.object_version + 1;
    }
    HeapTuple row = TRIGGER_FIRED_BY_UPDATE(event) ? trigger->tg_newtuple : trigger->tg_trigtuple;
    int columns[1] = {column};
    Datum values[1] = {Int32GetDatum(version)};
    bool nulls[1] = {false};
    return PointerGetDatum(heap_modify_tuple_by_cols(row, desc, 1, columns, values, nulls));
}
