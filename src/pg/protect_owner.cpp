// Trigger function customer_access.protect_owner(): Owner (L90) access, once given, can
// never be revoked or narrowed by DML. Row-level BEFORE UPDATE OR DELETE, statement-level
// BEFORE TRUNCATE; the extension enables it ALWAYS so replica mode cannot skip it.
#include "boundary.hpp"
#include "grant_row.hpp"
#include "settings.hpp"

extern "C" {
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/snapmgr.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

[[noreturn]] void refuse(OwnerChange change, const char *table, const char *keys) {
    ereport(
        ERROR,
        (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("%s", owner_change_text(change).refusal),
         errdetail("In %s, the grant%s holds Owner (L90) access; %s is not allowed.", table, keys,
                   owner_change_text(change).doing),
         errhint("Changing notes or widening days_back_access is allowed. A superuser may SET "
                 "customer_access.allow_owner_revoke = on to revoke an Owner on purpose.")));
    pg_unreachable();
}

// Whether the table holds any Owner row, seen by a fresh snapshot: TRUNCATE already holds
// its ACCESS EXCLUSIVE lock, so nothing can change underneath. A direct scan, so neither
// the caller's privileges nor row security can hide a row.
bool has_owner_row(Relation rel, AttrNumber role_column) {
    Snapshot snapshot = RegisterSnapshot(GetLatestSnapshot());
    TableScanDesc scan = table_beginscan(rel, snapshot, 0, nullptr);
    TupleTableSlot *slot = table_slot_create(rel, nullptr);
    bool found = false;
    while (!found && table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
        bool isnull;
        Datum role = slot_getattr(slot, role_column, &isnull);
        found = !isnull && DatumGetUInt8(role) == kOwnerLevel;
    }
    ExecDropSingleTupleTableSlot(slot);
    table_endscan(scan);
    UnregisterSnapshot(snapshot);
    return found;
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(protect_owner) {
    TriggerData *trigger = trigger_call(fcinfo, "protect_owner");
    TriggerEvent event = trigger->tg_event;
    Relation rel = trigger->tg_relation;
    if (!TRIGGER_FIRED_BEFORE(event))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("protect_owner() must be fired BEFORE the change")));
    const GrantColumns &columns = trigger_columns(fcinfo, trigger);

    if (TRIGGER_FIRED_BY_TRUNCATE(event)) {
        if (has_owner_row(rel, columns.role) && !owner_revoke_allowed())
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("Owner access cannot be revoked by TRUNCATE"),
                     errdetail("Table %s holds Owner (L90) grants, which can never be revoked.",
                               RelationGetRelationName(rel)),
                     errhint("Delete the other grants instead.")));
        return PointerGetDatum(nullptr);
    }
    if (!TRIGGER_FIRED_FOR_ROW(event))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("protect_owner() must be fired FOR EACH ROW on UPDATE and DELETE, "
                               "or FOR EACH STATEMENT on TRUNCATE")));
    if (TRIGGER_FIRED_BY_INSERT(event))
        return PointerGetDatum(trigger->tg_trigtuple);

    // tg_trigtuple is the row version about to change: after a wait on a concurrent
    // update, PostgreSQL hands the trigger the newest version, so a fresh Owner is seen.
    HeapTuple before = trigger->tg_trigtuple;
    HeapTuple after = TRIGGER_FIRED_BY_UPDATE(event) ? trigger->tg_newtuple : nullptr;
    TupleDesc desc = RelationGetDescr(rel);
    OwnerChange change = owner_change(before, after, desc, columns);
    if (change != OwnerChange::kAllowed && !owner_revoke_allowed())
        refuse(change, RelationGetRelationName(rel), describe_grant_keys(before, desc, columns));
    return PointerGetDatum(after != nullptr ? after : before);
}
