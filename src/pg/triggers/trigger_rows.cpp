#include "pg/triggers/trigger_rows.hpp"

#include "pg/checks/grant_lookup.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/timestamp.h"
#include "catalog/namespace.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "utils/portal.h"
}

namespace customer_access::pg {
namespace {

// The relation's descriptor must still be the verified one (the catalog is re-verified after
// every relcache invalidation; this guards the window between the two).
void check_descriptor(TupleDesc desc, const ExtensionCatalog &c) {
    const GrantsLayout &l = c.layout;
    struct Expected {
        AttrNumber attnum;
        Oid type;
        bool present;  // expires_at: only since 1.3 (the catalog says whether it is there)
    } expected[] = {{l.id, UUIDOID, true},
                    {l.customer, UUIDOID, true},
                    {l.user, UUIDOID, true},
                    {l.role, c.role_type, true},
                    {l.days_back, INT4OID, true},
                    {l.notes, TEXTOID, true},
                    {l.object_version, INT4OID, true},
                    {l.expires_at, TIMESTAMPTZOID, l.expires_at != InvalidAttrNumber}};
    for (const Expected &e : expected) {
        if (!e.present)
            continue;
        if (e.attnum < 1 || e.attnum > desc->natts ||
            TupleDescAttr(desc, e.attnum - 1)->atttypid != e.type ||
            TupleDescAttr(desc, e.attnum - 1)->attisdropped)
            ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                            errmsg("the layout of customer_access.external_access was changed")));
    }
}

Uuid uuid_at(HeapTuple row, TupleDesc desc, AttrNumber attnum) {
    bool isnull;
    Datum d = heap_getattr(row, attnum, desc, &isnull);
    Uuid u{};
    if (!isnull)
        u = from_pg_uuid(DatumGetUUIDP(d));
    return u;
}

}  // namespace

TriggerData *bound_trigger(FunctionCallInfo fcinfo, const char *function, Oid table, Oid shard) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("%s() must be called as a trigger", function)));
    TriggerData *trigger = reinterpret_cast<TriggerData *>(fcinfo->context);
    Oid fired_on = RelationGetRelid(trigger->tg_relation);
    if (fired_on != table && (fired_on != shard || !OidIsValid(shard)))
        ereport(ERROR,
                (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                 errmsg("customer_access.%s() runs only as a trigger of the extension's own table",
                        function),
                 errdetail("Trigger \"%s\" fired it on \"%s\".", trigger->tg_trigger->tgname,
                           RelationGetRelationName(trigger->tg_relation))));
    return trigger;
}

GrantRow read_grant_row(HeapTuple row, TupleDesc desc, const GrantsLayout &layout) {
    check_descriptor(desc, extension_catalog());
    GrantRow r{};
    r.id = uuid_at(row, desc, layout.id);
    r.customer = uuid_at(row, desc, layout.customer);
    r.user = uuid_at(row, desc, layout.user);
    bool isnull;
    Datum role = heap_getattr(row, layout.role, desc, &isnull);
    r.grant = Grant{true, isnull ? Level{0} : DatumGetUInt8(role), Window{true, 0}};
    Datum days = heap_getattr(row, layout.days_back, desc, &isnull);
    if (!isnull)
        r.grant.window = Window{false, DatumGetInt32(days)};
    Datum notes = heap_getattr(row, layout.notes, desc, &isnull);
    if (!isnull) {
        text *t = DatumGetTextPP(notes);
        r.has_notes = true;
        r.notes = std::string_view(VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t));
    }
    Datum version = heap_getattr(row, layout.object_version, desc, &isnull);
    r.object_version = isnull ? 0 : DatumGetInt32(version);
    if (layout.expires_at != InvalidAttrNumber) {
        Datum expires = heap_getattr(row, layout.expires_at, desc, &isnull);
        if (!isnull) {
            r.grant.expires_at = DatumGetTimestampTz(expires);
            // PostgreSQL's own JSON form of a timestamptz, in UTC whatever the session's zone
            static const int kUtc = 0;
            char *text = JsonEncodeDateTime(nullptr, expires, TIMESTAMPTZOID, &kUtc);
            r.has_expires_at = true;
            r.expires_at_text = std::string_view(text);
        }
    }
    return r;
}

OwnerChange owner_change(const GrantRow &before, const GrantRow *after) {
    if (after == nullptr)
        return check_owner_change(before.grant, nullptr, false);
    bool keys_changed = !same_uuid(before.id, after->id) ||
                        !same_uuid(before.customer, after->customer) ||
                        !same_uuid(before.user, after->user);
    return check_owner_change(before.grant, &after->grant, keys_changed);
}

bool restoring_saved_rows() {
    return restoring_saved_rows_into(extension_catalog().grants);
}

bool restoring_saved_rows_into(Oid table) {
    if (ActivePortal == nullptr || ActivePortal->commandTag != CMDTAG_COPY || !superuser() ||
        list_length(ActivePortal->stmts) != 1)
        return false;
    // The session's own statement must be COPY <table> FROM ...: not a COPY of a
    // query (which could call functions that insert), nor an insert inside a function.
    auto *planned = static_cast<PlannedStmt *>(linitial(ActivePortal->stmts));
    if (!IsA(planned, PlannedStmt) || planned->utilityStmt == nullptr ||
        !IsA(planned->utilityStmt, CopyStmt))
        return false;
    auto *copy = castNode(CopyStmt, planned->utilityStmt);
    if (!copy->is_from || copy->relation == nullptr || copy->query != nullptr ||
        RangeVarGetRelid(copy->relation, NoLock, true) != table)
        return false;
    const char *row_security = GetConfigOption("row_security", false, false);
    const char *check_bodies = GetConfigOption("check_function_bodies", false, false);
    return row_security != nullptr && strcmp(row_security, "off") == 0 && check_bodies != nullptr &&
           strcmp(check_bodies, "off") == 0;
}

char *describe_grant_keys(const GrantRow &row) {
    char customer[37], user[37];
    uuid_to_text(row.customer, customer);
    uuid_to_text(row.user, user);
    return psprintf(" with customer_id = %s, user_id = %s", customer, user);
}

}  // namespace customer_access::pg
