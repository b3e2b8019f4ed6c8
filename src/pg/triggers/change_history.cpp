// The change history: record_change() appends every INSERT, UPDATE and DELETE of
// external_access to external_access_history; forbid_history_change() keeps the history
// append-only; next_history_id() numbers its entries.
//
// Everything an entry holds is built first, as the acting role, from the row read by the
// verified layout (no output function, cast or operator the caller could have written runs).
// Only the INSERT itself runs as the history's owner, with a fixed search_path, so callers
// need no privilege on the history and cannot forge entries.
#include "pg/boundary/boundary.hpp"
#include "pg/citus/citus_identity.hpp"
#include "pg/checks/grant_lookup.hpp"
#include "pg/triggers/change_notify.hpp"
#include "pg/triggers/trigger_rows.hpp"
#include "pg/identity/identity.hpp"
#include "pg/catalog/pinned_search_path.hpp"
#include "pg/identity/settings.hpp"
#include "pg/catalog/relation_owner.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/tableam.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "miscadmin.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

constexpr int kParams = 9;

// True only while purge_history() runs its DELETE: the one way history rows go, and only
// those older than purge_before (a cascade or trigger that reaches further is refused).
bool purging = false;
TimestampTz purge_before = 0;
uint64 purged_rows = 0;

// Prepared once per backend; every name in it is schema-qualified and every parameter has a
// built-in type.
SPIPlanPtr insert_plan = nullptr;

SPIPlanPtr history_insert_plan() {
    if (insert_plan != nullptr)
        return insert_plan;
    Oid types[kParams] = {TEXTOID,  NAMEOID,  NAMEOID, UUIDOID, UUIDOID,
                          JSONBOID, JSONBOID, BOOLOID, INT8OID};
    SPIPlanPtr plan = SPI_prepare(
        "INSERT INTO customer_access.external_access_history (operation, session_user_name, "
        "current_user_name, application_user_id, access_id, old_row, new_row, owner_override, "
        "history_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        kParams, types);
    if (plan == nullptr || SPI_keepplan(plan) != 0)
        elog(ERROR, "could not prepare the history insert: %s", SPI_result_code_string(SPI_result));
    insert_plan = plan;
    return plan;
}

Datum name_datum(Oid role) {
    return DirectFunctionCall1(namein, CStringGetDatum(GetUserNameFromId(role, false)));
}

Datum row_jsonb(const GrantRow &row) {
    std::size_t length = grant_row_json(row, nullptr, 0);
    char *text = static_cast<char *>(palloc(length + 1));
    grant_row_json(row, text, length + 1);
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(text));
}

// The counter is advanced by the history's owner (see insert_as_owner).
int64 new_history_id() {
    constexpr int64 kPostgresEpochInUnixMicros =
        static_cast<int64>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC;
    int64 micros = GetCurrentTimestamp() + kPostgresEpochInUnixMicros;
    Datum counter =
        DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(extension_catalog().history_counter));
    return micros * 1000 + DatumGetInt64(counter);
}

// Runs the insert as the history's owner with search_path = pg_catalog, pg_temp; the new
// entry's id.
int64 insert_as_owner(Oid history, Datum *values, const char *nulls) {
    Oid acting_role;
    int security_context;
    GetUserIdAndSecContext(&acting_role, &security_context);
    int nest = pin_search_path();
    // An error below aborts the (sub)transaction, which restores the user id and settings.
    Oid owner = relation_owner(history);
    if (!OidIsValid(owner))
        elog(ERROR, "cache lookup failed for relation %u", history);
    SetUserIdAndSecContext(
        owner, security_context | SECURITY_LOCAL_USERID_CHANGE | SECURITY_RESTRICTED_OPERATION);
    int64 history_id = new_history_id();
    values[kParams - 1] = Int64GetDatum(history_id);
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    int rc = SPI_execute_plan(history_insert_plan(), values, nulls, false, 0);
    if (rc != SPI_OK_INSERT)
        elog(ERROR, "history insert failed: %s", SPI_result_code_string(rc));
    SPI_finish();
    SetUserIdAndSecContext(acting_role, security_context);
    unpin_search_path(nest);
    return history_id;
}

// Deletes the entries older than `before`; the count. Plain C frame: the flag is reset
// however the DELETE ends.
uint64 delete_history_before(TimestampTz before) {
    Oid types[1] = {TIMESTAMPTZOID};
    Datum values[1] = {TimestampTzGetDatum(before)};
    int pinned = pin_search_path();
    if (SPI_connect() != SPI_OK_CONNECT)
        elog(ERROR, "SPI_connect failed");
    purging = true;
    purge_before = before;
    purged_rows = 0;
    PG_TRY();
    {
        int rc = SPI_execute_with_args(
            "DELETE FROM customer_access.external_access_history WHERE changed_at < $1", 1, types,
            values, nullptr, false, 0);
        if (rc != SPI_OK_DELETE)
            elog(ERROR, "history purge failed: %s", SPI_result_code_string(rc));
    }
    PG_FINALLY();
    { purging = false; }
    PG_END_TRY();
    SPI_finish();
    unpin_search_path(pinned);
    return purged_rows;  // every history row that went, however its DELETE came
}

}  // namespace

// purge_history(before): superuser-only retention. Deletes the entries older than `before`
// and records one PURGE entry saying how many, before when, and who.
CUSTOMER_ACCESS_FUNCTION(purge_history) {
    if (!superuser())
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("only a superuser may purge the change history")));
    if (PG_ARGISNULL(0))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
                        errmsg("purge_history() needs a point in time, not NULL")));
    TimestampTz before = PG_GETARG_TIMESTAMPTZ(0);
    const ExtensionCatalog &catalog = extension_catalog();
    uint64 purged = delete_history_before(before);
    char *when = DatumGetCString(DirectFunctionCall1(timestamptz_out, TimestampTzGetDatum(before)));
    char *summary = psprintf("{\"purged\": " UINT64_FORMAT ", \"before\": \"%s\"}", purged, when);
    Uuid app_user;
    bool has_app_user = current_application_user(&app_user);
    Datum values[kParams] = {
        CStringGetTextDatum("PURGE"),
        name_datum(GetSessionUserId()),
        name_datum(GetUserId()),
        has_app_user ? uuid_datum(app_user) : Datum(0),
        Datum(0),
        Datum(0),
        DirectFunctionCall1(jsonb_in, CStringGetDatum(summary)),
        BoolGetDatum(false),
        Datum(0),
    };
    char nulls[kParams] = {' ', ' ', ' ', has_app_user ? ' ' : 'n', 'n', 'n', ' ', ' ', ' '};
    insert_as_owner(catalog.history, values, nulls);
    PG_RETURN_INT64(static_cast<int64>(purged));
}

// next_history_id(): microseconds since the Unix epoch times 1000 plus a cycling counter,
// so ids follow the changes in time and outgrow every id a restored dump brings along.
CUSTOMER_ACCESS_FUNCTION(next_history_id) {
    constexpr int64 kPostgresEpochInUnixMicros =
        static_cast<int64>(POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY * USECS_PER_SEC;
    int64 micros = GetCurrentTimestamp() + kPostgresEpochInUnixMicros;
    Datum counter =
        DirectFunctionCall1(nextval_oid, ObjectIdGetDatum(extension_catalog().history_counter));
    PG_RETURN_INT64(micros * 1000 + DatumGetInt64(counter));
}

namespace {

// One entry of the history for a grant that changed (`before` nullptr: inserted; `after`
// nullptr: deleted), as the acting role and application user; written as the history's owner.
void record_entry(const char *operation, const GrantRow *before, const GrantRow *after,
                  bool owner_override) {
    Uuid app_user;
    bool has_app_user = current_application_user(&app_user);
    const GrantRow &changed = after != nullptr ? *after : *before;
    Datum values[kParams] = {
        CStringGetTextDatum(operation),
        name_datum(GetSessionUserId()),
        name_datum(GetUserId()),
        has_app_user ? uuid_datum(app_user) : Datum(0),
        uuid_datum(changed.id),
        before != nullptr ? row_jsonb(*before) : Datum(0),
        after != nullptr ? row_jsonb(*after) : Datum(0),
        BoolGetDatum(owner_override),
        Datum(0),  // the history id, taken as the history's owner
    };
    char nulls[kParams] = {' ',
                           ' ',
                           ' ',
                           has_app_user ? ' ' : 'n',
                           ' ',
                           before != nullptr ? ' ' : 'n',
                           after != nullptr ? ' ' : 'n',
                           ' ',
                           ' '};
    note_history_entry(insert_as_owner(extension_catalog().history, values, nulls));
}

}  // namespace

namespace customer_access::pg {

// TRUNCATE fires no row trigger: every grant it removes is recorded here, before, as a
// DELETE (an Owner's with owner_override, as only the exit lets TRUNCATE remove one).
void record_truncated_grants(Relation rel) {
    const ExtensionCatalog &catalog = extension_catalog();
    if (!catalog.history_here)
        return;
    note_grants_changed();
    TupleDesc desc = RelationGetDescr(rel);
    MemoryContext per_row = AllocSetContextCreate(
        CurrentMemoryContext, "customer_access truncated grant", ALLOCSET_DEFAULT_SIZES);
    // TRUNCATE holds its ACCESS EXCLUSIVE lock: a fresh snapshot sees every row it removes.
    Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    TableScanDesc scan = table_beginscan(rel, snapshot, 0, nullptr);
    TupleTableSlot *slot = table_slot_create(rel, nullptr);
    while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
        MemoryContext outer = MemoryContextSwitchTo(per_row);
        bool should_free;
        HeapTuple tuple = ExecFetchSlotHeapTuple(slot, false, &should_free);
        GrantRow before = read_grant_row(tuple, desc, catalog.layout);
        record_entry("DELETE", &before, nullptr,
                     owner_change(before, nullptr) != OwnerChange::kAllowed);
        if (should_free)
            heap_freetuple(tuple);
        MemoryContextSwitchTo(outer);
        MemoryContextReset(per_row);
    }
    ExecDropSingleTupleTableSlot(slot);
    table_endscan(scan);
    UnregisterSnapshot(snapshot);
    MemoryContextDelete(per_row);
}

}  // namespace customer_access::pg

CUSTOMER_ACCESS_FUNCTION(record_change) {
    const ExtensionCatalog &catalog = extension_catalog();
    TriggerData *trigger =
        bound_trigger(fcinfo, "record_change", catalog.grants, catalog.grant_rows);
    TriggerEvent event = trigger->tg_event;
    if (!TRIGGER_FIRED_AFTER(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
        TRIGGER_FIRED_BY_TRUNCATE(event))
        ereport(
            ERROR,
            (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
             errmsg("record_change() must be fired AFTER INSERT, UPDATE or DELETE FOR EACH ROW")));
    note_grants_changed();
    // On Citus every node's copy of the grants fires this, and the coordinator's copy
    // records. A copy changed directly (not by Citus for a change of the table) would leave
    // the copies disagreeing, without history.
    if (!change_through_citus(RelationGetRelid(trigger->tg_relation)))
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("the grants are changed through customer_access.external_access only"),
                 errdetail("\"%s\" is this node's Citus copy of the grants.",
                           RelationGetRelationName(trigger->tg_relation))));
    if (!catalog.history_here)
        return PointerGetDatum(nullptr);
    TupleDesc desc = RelationGetDescr(trigger->tg_relation);
    bool inserted = TRIGGER_FIRED_BY_INSERT(event), updated = TRIGGER_FIRED_BY_UPDATE(event);
    if (inserted && (restoring_saved_rows() || copying_existing_grants()))
        return PointerGetDatum(nullptr);  // its history comes back with the history's rows
    HeapTuple before_tuple = inserted ? nullptr : trigger->tg_trigtuple;
    HeapTuple after_tuple = inserted  ? trigger->tg_trigtuple
                            : updated ? trigger->tg_newtuple
                                      : nullptr;
    GrantRow before{}, after{};
    if (before_tuple != nullptr)
        before = read_grant_row(before_tuple, desc, catalog.layout);
    if (after_tuple != nullptr)
        after = read_grant_row(after_tuple, desc, catalog.layout);
    bool owner_override =
        before_tuple != nullptr &&
        owner_change(before, after_tuple != nullptr ? &after : nullptr) != OwnerChange::kAllowed;
    record_entry(inserted  ? "INSERT"
                 : updated ? "UPDATE"
                           : "DELETE",
                 before_tuple != nullptr ? &before : nullptr,
                 after_tuple != nullptr ? &after : nullptr, owner_override);
    return PointerGetDatum(nullptr);
}

// forbid_history_change(): BEFORE UPDATE OR DELETE (row) and BEFORE TRUNCATE (statement) on
// the history only. Refuses for everyone; only purge_history()'s own DELETE passes.
CUSTOMER_ACCESS_FUNCTION(forbid_history_change) {
    TriggerData *trigger =
        bound_trigger(fcinfo, "forbid_history_change", extension_catalog().history);
    TriggerEvent event = trigger->tg_event;
    if (purging && TRIGGER_FIRED_BY_DELETE(event) && TRIGGER_FIRED_FOR_ROW(event)) {
        TupleDesc desc = RelationGetDescr(trigger->tg_relation);
        bool isnull;
        Datum changed_at =
            heap_getattr(trigger->tg_trigtuple, SPI_fnumber(desc, "changed_at"), desc, &isnull);
        if (!isnull && DatumGetTimestampTz(changed_at) < purge_before) {
            ++purged_rows;
            return PointerGetDatum(trigger->tg_trigtuple);
        }
    }
    const char *operation = TRIGGER_FIRED_BY_TRUNCATE(event) ? "TRUNCATE"
                            : TRIGGER_FIRED_BY_UPDATE(event) ? "UPDATE"
                            : TRIGGER_FIRED_BY_DELETE(event) ? "DELETE"
                                                             : "INSERT";
    ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                    errmsg("customer_access.external_access_history is append-only"),
                    errdetail("%s of the change history is not allowed for anyone.", operation)));
    PG_RETURN_NULL();
}
