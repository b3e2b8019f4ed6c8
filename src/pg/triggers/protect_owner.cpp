// Trigger function customer_access.protect_owner(): Owner (L90) access, once given, can
// never be revoked or narrowed by DML, nor given an expiry (1.3). AFTER INSERT OR UPDATE OR
// DELETE FOR EACH ROW, so it judges the row as finally written, after every BEFORE trigger; its
// error aborts the statement before anything is visible. BEFORE TRUNCATE FOR EACH STATEMENT. The
// extension enables both ALWAYS so replica mode cannot skip them, and they run only on
// customer_access.external_access.
#include "pg/boundary/boundary.hpp"
#include "pg/citus/copy_guard.hpp"
#include "pg/citus/distribute.hpp"
#include "pg/triggers/trigger_rows.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/snapmgr.h"
}

using namespace customer_access;
using namespace customer_access::pg;

namespace {

[[noreturn]] void refuse(OwnerChange change, const char *keys) {
    ereport(
        ERROR,
        (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE), errmsg("%s", owner_change_text(change).refusal),
         errdetail("In customer_access.external_access, the grant%s holds Owner (L90) access; %s "
                   "is not allowed.",
                   keys, owner_change_text(change).doing),
         change == OwnerChange::kExpires
             ? errhint("An Owner's expires_at stays NULL; give an expiring grant a lower role.")
             : errhint("Changing notes or widening days_back_access is allowed. A superuser may "
                       "SET customer_access.allow_owner_revoke = on to revoke an Owner on "
                       "purpose.")));
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

[[noreturn]] void misfired() {
    ereport(ERROR,
            (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
             errmsg("protect_owner() must be fired AFTER INSERT, UPDATE OR DELETE FOR EACH ROW, "
                    "or BEFORE TRUNCATE FOR EACH STATEMENT")));
    pg_unreachable();
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(protect_owner) {
    const ExtensionCatalog &catalog = extension_catalog();
    TriggerData *trigger =
        bound_trigger(fcinfo, "protect_owner", catalog.grants, catalog.grant_rows);
    TriggerEvent event = trigger->tg_event;
    Relation rel = trigger->tg_relation;

    if (TRIGGER_FIRED_BY_TRUNCATE(event)) {
        if (!TRIGGER_FIRED_BEFORE(event))
            misfired();
        // A Citus copy is truncated only by Citus, for a TRUNCATE through the coordinator.
        if (!truncate_through_citus(RelationGetRelid(rel)))
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("the grants are changed through customer_access.external_access only"),
                     errdetail("\"%s\" is this node's Citus copy of the grants.",
                               RelationGetRelationName(rel))));
        // (distribute() empties the table itself once its rows are in the Citus copies)
        if (has_owner_row(rel, catalog.layout.role) && !owner_revoke_allowed() &&
            !(copying_grants_into_shards() && RelationGetRelid(rel) == catalog.grants))
            ereport(ERROR,
                    (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                     errmsg("Owner access cannot be revoked by TRUNCATE"),
                     errdetail("Table customer_access.external_access holds Owner (L90) grants, "
                               "which can never be revoked."),
                     errhint("Delete the other grants instead.")));
        // (distribute() moves the rows into the Citus copies: nothing is revoked)
        if (!(copying_grants_into_shards() && RelationGetRelid(rel) == catalog.grants))
            record_truncated_grants(rel);
        return PointerGetDatum(nullptr);
    }
    if (!TRIGGER_FIRED_AFTER(event) || !TRIGGER_FIRED_FOR_ROW(event))
        misfired();

    // For AFTER triggers tg_trigtuple is the version that was changed: after a wait on a
    // concurrent update it is the newest one, so a fresh Owner is seen.
    TupleDesc desc = RelationGetDescr(rel);
    GrantRow before = read_grant_row(trigger->tg_trigtuple, desc, catalog.layout);
    OwnerChange change;
    if (TRIGGER_FIRED_BY_INSERT(event)) {
        // A new Owner must not expire (1.3). Rows a restore or Citus copies back were judged
        // when they were first written.
        if (restoring_saved_rows() || copying_grants_into_shards())
            return PointerGetDatum(nullptr);
        change = check_owner_insert(before.grant, before.has_expires_at);
    } else if (TRIGGER_FIRED_BY_UPDATE(event)) {
        GrantRow after = read_grant_row(trigger->tg_newtuple, desc, catalog.layout);
        change = owner_change(before, &after);
    } else {
        change = owner_change(before, nullptr);
    }
    if (change != OwnerChange::kAllowed && !owner_revoke_allowed())
        refuse(change, describe_grant_keys(before));
    return PointerGetDatum(nullptr);
}
