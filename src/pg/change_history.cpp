// Trigger function customer_access.record_change(): appends every INSERT, UPDATE and DELETE
// of external_access to external_access_history. The row is written as the history table's
// owner, so callers need no privilege on the history and cannot forge entries; who acted
// is taken before that switch.
#include "boundary.hpp"
#include "extension_objects.hpp"
#include "grant_lookup.hpp"
#include "grant_row.hpp"
#include "settings.hpp"

extern "C" {
#include "access/htup_details.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/fmgrprotos.h"
#include "utils/timestamp.h"
#include "utils/syscache.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

constexpr int kParams = 8;

// Prepared once per backend for the grants table's row type; PostgreSQL's plan cache
// replans it if the tables change.
SPIPlanPtr insert_plan = nullptr;
Oid insert_plan_rowtype = InvalidOid;

SPIPlanPtr history_insert_plan(Oid rowtype) {
    if (insert_plan != nullptr && insert_plan_rowtype == rowtype)
        return insert_plan;
    if (insert_plan != nullptr)
        SPI_freeplan(insert_plan);
    insert_plan = nullptr;
    Oid types[kParams] = {TEXTOID, NAMEOID, NAMEOID, UUIDOID, UUIDOID, rowtype, rowtype, BOOLOID};
    SPIPlanPtr plan = SPI_prepare(
        "INSERT INTO customer_access.external_access_history (operation, session_user_name, "
        "current_user_name, application_user_id, access_id, old_row, new_row, owner_override) "
        "VALUES ($1, $2, $3, $4, $5, pg_catalog.to_jsonb($6), pg_catalog.to_jsonb($7), $8)",
        kParams, types);
    if (plan == nullptr || SPI_keepplan(plan) != 0)
        elog(ERROR, "could not prepare the history insert: %s", SPI_result_code_string(SPI_result));
    insert_plan = plan;
    insert_plan_rowtype = rowtype;
    return plan;
}

Oid relation_owner(Oid relid) {
    HeapTuple tuple = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
    if (!HeapTupleIsValid(tuple))
        elog(ERROR, "cache lookup failed for relation %u", relid);
    Oid owner = reinterpret_cast<Form_pg_class>(GETSTRUCT(tuple))->relowner;
    ReleaseSysCache(tuple);
    return owner;
}

Datum name_datum(Oid role) {
    return DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(role, false)));
}

}  // namespace

// next_history_id(): microseconds since the Unix epoch times 1000 plus a cycling counter,
// so ids follow the changes in time and outgrow every id a restored dump brings along.
CUSTOMER_ACCESS_FUNCTION(next_history_id) {
    constexpr int64 kPostgresEpochInUnixMicros =
        static_cast<int64>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC;
    int64 micros = GetCurrentTimestamp() + kPostgresEpochInUnixMicros;
    Datum counter =
        DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(extension_relation(kHistoryCounter)));
    PG_RETURN_INT64(micros * 1000 + DatumGetInt64(counter));
}

CUSTOMER_ACCESS_FUNCTION(record_change) {
    TriggerData *trigger = trigger_call(fcinfo, "record_change");
    TriggerEvent event = trigger->tg_event;
    if (!TRIGGER_FIRED_AFTER(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
        TRIGGER_FIRED_BY_TRUNCATE(event))
        ereport(
            ERROR,
            (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
             errmsg("record_change() must be fired AFTER INSERT, UPDATE or DELETE FOR EACH ROW")));
    note_grants_changed();
    Relation rel = trigger->tg_relation;
    TupleDesc desc = RelationGetDescr(rel);
    HeapTuple before = TRIGGER_FIRED_BY_INSERT(event) ? nullptr : trigger->tg_trigtuple;
    HeapTuple after = TRIGGER_FIRED_BY_INSERT(event)   ? trigger->tg_trigtuple
                      : TRIGGER_FIRED_BY_UPDATE(event) ? trigger->tg_newtuple
                                                       : nullptr;
    const char *operation = TRIGGER_FIRED_BY_INSERT(event)   ? "INSERT"
                            : TRIGGER_FIRED_BY_UPDATE(event) ? "UPDATE"
                                                             : "DELETE";
    const GrantColumns &columns = trigger_columns(fcinfo, trigger);
    bool owner_override =
        before != nullptr && owner_change(before, after, desc, columns) != OwnerChange::kAllowed;

    Oid acting_role;
    int security_context;
    GetUserIdAndSecContext(&acting_role, &security_context);
    Uuid app_user;
    bool has_app_user = current_application_user(&app_user);

    int id_column = SPI_fnumber(desc, "id");
    if (id_column <= 0)
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_COLUMN),
                        errmsg("table \"%s\" has no column \"id\"", RelationGetRelationName(rel))));
    bool id_null;
    Datum id = heap_getattr(after != nullptr ? after : before, id_column, desc, &id_null);

    Datum values[kParams] = {
        CStringGetTextDatum(operation),
        name_datum(GetSessionUserId()),
        name_datum(acting_role),
        has_app_user ? uuid_datum(app_user) : Datum(0),
        id,
        before != nullptr ? heap_copy_tuple_as_datum(before, desc) : Datum(0),
        after != nullptr ? heap_copy_tuple_as_datum(after, desc) : Datum(0),
        BoolGetDatum(owner_override),
    };
    char nulls[kParams] = {' ',
                           ' ',
                           ' ',
                           has_app_user ? ' ' : 'n',
                           id_null ? 'n' : ' ',
                           before != nullptr ? ' ' : 'n',
                           after != nullptr ? ' ' : 'n',
                           ' '};

    Oid history = extension_relation(kHistoryTable);
    // An error below aborts the (sub)transaction, which restores the user id itself.
    SetUserIdAndSecContext(relation_owner(history), security_context |
                                                        SECURITY_LOCAL_USERID_CHANGE |
                                                        SECURITY_RESTRICTED_OPERATION);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute_plan(history_insert_plan(rel->rd_rel->reltype), values, nulls, false, 0);
    if (rc != SPI_OK_INSERT)
        elog(ERROR, "history insert failed: %s", SPI_result_code_string(rc));
    SPI_finish();
    SetUserIdAndSecContext(acting_role, security_context);
    return PointerGetDatum(nullptr);
}
