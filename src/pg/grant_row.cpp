#include "grant_row.hpp"

#include "extension_objects.hpp"

extern "C" {
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/datum.h"
}

namespace customer_access::pg {
namespace {

const char *const kDefaultKeys[] = {"customer_id", "user_id", "id"};

AttrNumber column_number(const TriggerData *trigger, const char *name, Oid required_type) {
    Relation rel = trigger->tg_relation;
    int attnum = SPI_fnumber(RelationGetDescr(rel), name);
    if (attnum <= 0)
        ereport(
            ERROR,
            (errcode(ERRCODE_UNDEFINED_COLUMN),
             errmsg("column \"%s\" named by trigger \"%s\" does not exist in table \"%s\"", name,
                    trigger->tg_trigger->tgname, RelationGetRelationName(rel)),
             errhint(
                 "protect_owner() takes (role_column, days_back_column or '', key_column, ...).")));
    Oid type = TupleDescAttr(RelationGetDescr(rel), attnum - 1)->atttypid;
    if (OidIsValid(required_type) && type != required_type)
        ereport(ERROR,
                (errcode(ERRCODE_DATATYPE_MISMATCH),
                 errmsg("column \"%s\" of table \"%s\" has type %s, but trigger \"%s\" needs %s",
                        name, RelationGetRelationName(rel), format_type_be(type),
                        trigger->tg_trigger->tgname, format_type_be(required_type))));
    return static_cast<AttrNumber>(attnum);
}

GrantColumns grant_columns(const TriggerData *trigger) {
    const Trigger *tg = trigger->tg_trigger;
    Oid role_type = access_role_type_oid();
    if (!OidIsValid(role_type))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("type customer_access.access_role does not exist")));
    GrantColumns c{};
    if (tg->tgnargs == 0) {
        c.role = column_number(trigger, "role", role_type);
        c.days_back = column_number(trigger, "days_back_access", INT4OID);
        for (const char *key : kDefaultKeys)
            c.keys[c.key_count++] = column_number(trigger, key, InvalidOid);
        return c;
    }
    if (tg->tgnargs < 2 || tg->tgnargs > 2 + kMaxKeyColumns)
        ereport(
            ERROR,
            (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
             errmsg("trigger \"%s\" gives protect_owner() %d arguments", tg->tgname, tg->tgnargs),
             errhint("Give none, or (role_column, days_back_column or '', up to %d key columns).",
                     kMaxKeyColumns)));
    c.role = column_number(trigger, tg->tgargs[0], role_type);
    c.days_back = tg->tgargs[1][0] == '\0' ? 0 : column_number(trigger, tg->tgargs[1], INT4OID);
    for (int i = 2; i < tg->tgnargs; ++i)
        c.keys[c.key_count++] = column_number(trigger, tg->tgargs[i], InvalidOid);
    return c;
}

GrantState grant_state(HeapTuple row, TupleDesc desc, const GrantColumns &columns) {
    bool isnull;
    Datum role = heap_getattr(row, columns.role, desc, &isnull);
    GrantState state{isnull ? Level{0} : DatumGetUInt8(role), Window{true, 0}};
    if (columns.days_back != 0) {
        Datum days = heap_getattr(row, columns.days_back, desc, &isnull);
        if (!isnull)
            state.window = Window{false, DatumGetInt32(days)};
    }
    return state;
}

bool grant_keys_changed(HeapTuple before, HeapTuple after, TupleDesc desc,
                        const GrantColumns &columns) {
    for (int i = 0; i < columns.key_count; ++i) {
        AttrNumber att = columns.keys[i];
        bool null_before, null_after;
        Datum a = heap_getattr(before, att, desc, &null_before);
        Datum b = heap_getattr(after, att, desc, &null_after);
        if (null_before != null_after)
            return true;
        Form_pg_attribute attr = TupleDescAttr(desc, att - 1);
        if (!null_before && !datumIsEqual(a, b, attr->attbyval, attr->attlen))
            return true;
    }
    return false;
}

}  // namespace

TriggerData *trigger_call(FunctionCallInfo fcinfo, const char *function) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("%s() must be called as a trigger", function)));
    return reinterpret_cast<TriggerData *>(fcinfo->context);
}

const GrantColumns &trigger_columns(FunctionCallInfo fcinfo, const TriggerData *trigger) {
    struct Cached {
        Oid trigger;
        GrantColumns columns;
    };
    auto *cached = static_cast<Cached *>(fcinfo->flinfo->fn_extra);
    if (cached == nullptr || cached->trigger != trigger->tg_trigger->tgoid) {
        GrantColumns columns = grant_columns(trigger);
        if (cached == nullptr) {
            cached =
                static_cast<Cached *>(MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(Cached)));
            fcinfo->flinfo->fn_extra = cached;
        }
        *cached = Cached{trigger->tg_trigger->tgoid, columns};
    }
    return cached->columns;
}

OwnerChange owner_change(HeapTuple before, HeapTuple after, TupleDesc desc,
                         const GrantColumns &columns) {
    GrantState old_state = grant_state(before, desc, columns);
    if (after == nullptr)
        return check_owner_change(old_state, nullptr, false);
    GrantState new_state = grant_state(after, desc, columns);
    return check_owner_change(old_state, &new_state,
                              grant_keys_changed(before, after, desc, columns));
}

char *describe_grant_keys(HeapTuple row, TupleDesc desc, const GrantColumns &columns) {
    StringInfoData text;
    initStringInfo(&text);
    for (int i = 0; i < columns.key_count; ++i) {
        char *value = SPI_getvalue(row, desc, columns.keys[i]);
        appendStringInfo(&text, "%s%s = %s", i == 0 ? " with " : ", ",
                         NameStr(TupleDescAttr(desc, columns.keys[i] - 1)->attname),
                         value != nullptr ? value : "NULL");
    }
    return text.data;
}

}  // namespace customer_access::pg
