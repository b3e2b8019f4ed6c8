#include "pg/triggers/trigger_rows.hpp"

#include "core/restore_mode.hpp"
#include "pg/boundary/compat.hpp"
#include "pg/checks/grant_lookup.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/timestamp.h"
#include "catalog/namespace.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "parser/parsetree.h"
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
        return check_owner_change(before.grant, nullptr, false, false);
    bool keys_changed = !same_uuid(before.id, after->id) ||
                        !same_uuid(before.customer, after->customer) ||
                        !same_uuid(before.user, after->user);
    return check_owner_change(before.grant, &after->grant, keys_changed, after->has_expires_at);
}

namespace {

bool setting_is_off(const char *name) {
    const char *value = GetConfigOption(name, false, false);
    return value != nullptr && strcmp(value, "off") == 0;
}

// Every expression (or target entry's expression) of `items` is a constant (or, with
// `vars`, a column of the VALUES list being scanned).
bool constants_only(List *items, bool vars) {
    ListCell *cell;
    foreach (cell, items) {
        Node *node = static_cast<Node *>(lfirst(cell));
        if (node != nullptr && IsA(node, TargetEntry))
            node = reinterpret_cast<Node *>(castNode(TargetEntry, node)->expr);
        if (node == nullptr || !(IsA(node, Const) || (vars && IsA(node, Var))))
            return false;
    }
    return true;
}

// INSERT INTO the grants [(columns)] VALUES (constants), ... [ON CONFLICT DO NOTHING], and
// nothing else: no function, sub-select, default expression, RETURNING or CTE.
bool inserts_constant_rows(const PlannedStmt *planned, Oid grants) {
    if (planned->commandType != CMD_INSERT || planned->hasReturning || planned->hasModifyingCTE ||
        planned->subplans != NIL || list_length(planned->resultRelations) != 1 ||
        planned->planTree == nullptr || !IsA(planned->planTree, ModifyTable))
        return false;
    if (rt_fetch(linitial_int(planned->resultRelations), planned->rtable)->relid != grants)
        return false;
    auto *modify = castNode(ModifyTable, planned->planTree);
    Plan *source = outerPlan(&modify->plan);
    if (modify->onConflictAction == ONCONFLICT_UPDATE || modify->returningLists != NIL ||
        modify->plan.initPlan != NIL || source == nullptr || source->initPlan != NIL ||
        source->qual != NIL || outerPlan(source) != nullptr || innerPlan(source) != nullptr)
        return false;
    if (IsA(source, Result))
        return castNode(Result, source)->resconstantqual == nullptr &&
               constants_only(source->targetlist, false);
    if (IsA(source, ValuesScan)) {
        if (!constants_only(source->targetlist, true))
            return false;
        ListCell *row;
        foreach (row, castNode(ValuesScan, source)->values_lists)
            if (!constants_only(static_cast<List *>(lfirst(row)), false))
                return false;
        return true;
    }
    return false;
}

// The session's own statement, as the restore-mode rule tells them apart, for `table`.
LoadStatement session_statement(Oid table) {
    if (ActivePortal == nullptr || list_length(ActivePortal->stmts) != 1)
        return LoadStatement::kOther;
    auto *planned = static_cast<PlannedStmt *>(linitial(ActivePortal->stmts));
    if (!IsA(planned, PlannedStmt))
        return LoadStatement::kOther;
    // COPY <table> FROM ...: not a COPY of a query (which could call functions that
    // insert), nor an insert inside a function.
    if (ActivePortal->commandTag == CMDTAG_COPY) {
        if (planned->utilityStmt == nullptr || !IsA(planned->utilityStmt, CopyStmt))
            return LoadStatement::kOther;
        auto *copy = castNode(CopyStmt, planned->utilityStmt);
        return copy->is_from && copy->relation != nullptr && copy->query == nullptr &&
                       RangeVarGetRelid(copy->relation, NoLock, true) == table
                   ? LoadStatement::kCopyFromIntoGrants
                   : LoadStatement::kOther;
    }
    if (ActivePortal->commandTag == CMDTAG_INSERT && inserts_constant_rows(planned, table))
        return LoadStatement::kInsertConstantRows;
    return LoadStatement::kOther;
}

// One statement's answer, asked for every row it inserts: a statement that writes has a
// command id of its own within its transaction.
struct Remembered {
    LocalTransactionId transaction;
    CommandId command;
    Portal portal;
    Oid table;
    bool restoring;
} remembered{InvalidLocalTransactionId, InvalidCommandId, nullptr, InvalidOid, false};

}  // namespace

bool restoring_saved_rows() {
    return restoring_saved_rows_into(extension_catalog().grants);
}

bool restoring_saved_rows_into(Oid table) {
    LoadFacts facts;
    facts.superuser = superuser();
    facts.row_security_off = setting_is_off("row_security");
    facts.check_function_bodies_off = setting_is_off("check_function_bodies");
    // Which statement it is matters only when the rest would let it restore.
    if (!restores_saved_rows(LoadFacts{facts.superuser, facts.row_security_off,
                                       facts.check_function_bodies_off,
                                       LoadStatement::kCopyFromIntoGrants}))
        return false;
    LocalTransactionId transaction = current_local_transaction();
    CommandId command = GetCurrentCommandId(false);
    if (remembered.transaction != transaction || remembered.command != command ||
        remembered.portal != ActivePortal || remembered.table != table) {
        facts.statement = session_statement(table);
        remembered =
            Remembered{transaction, command, ActivePortal, table, restores_saved_rows(facts)};
    }
    return remembered.restoring;
}

char *describe_grant_keys(const GrantRow &row) {
    char customer[37], user[37];
    uuid_to_text(row.customer, customer);
    uuid_to_text(row.user, user);
    return psprintf(" with customer_id = %s, user_id = %s", customer, user);
}

}  // namespace customer_access::pg
