// The trusted keys: decoding JWKs (RFC 7517/7518/8037) into key material, the trigger that
// refuses bad ones (22023), and finding a token's key. The table is read directly, so
// authenticate() needs no privilege on it (PUBLIC has none).
#include "pg/identity/trusted_keys.hpp"

#include "core/base64url.hpp"
#include "core/jwk_rules.hpp"
#include "pg/boundary/boundary.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/triggers/trigger_rows.hpp"

extern "C" {
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
}

namespace customer_access::pg {
namespace {

// A base64url member decoded; nullopt when missing, not a string, not base64url or empty.
std::optional<std::string_view> bytes_member(JsonbContainer *object, const char *name) {
    char *text = json_string_member(object, name);
    if (text == nullptr)
        return std::nullopt;
    std::optional<std::size_t> size = base64url_decoded_size(strlen(text));
    if (!size)
        return std::nullopt;
    auto *buffer = static_cast<std::uint8_t *>(palloc(*size + 1));
    std::optional<std::size_t> n = base64url_decode(text, buffer);
    if (!n || *n == 0)
        return std::nullopt;
    return std::string_view(reinterpret_cast<const char *>(buffer), *n);
}

std::optional<std::string_view> text_member(JsonbContainer *object, const char *name) {
    char *text = json_string_member(object, name);
    if (text == nullptr)
        return std::nullopt;
    return std::string_view(text);
}

bool has_member(JsonbContainer *object, const char *name) {
    return getKeyJsonValueFromContainer(object, name, static_cast<int>(strlen(name)), nullptr) !=
           nullptr;
}

Oid keys_table() {
    Oid relid = get_relname_relid("trusted_keys", extension_schema(extension_catalog().extension));
    if (!OidIsValid(relid))
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("customer_access.trusted_keys does not exist")));
    return relid;
}

char *text_at(TupleTableSlot *slot, AttrNumber attnum) {
    bool isnull;
    Datum d = slot_getattr(slot, attnum, &isnull);
    return isnull ? nullptr : TextDatumGetCString(d);
}

}  // namespace

char *json_string_member(JsonbContainer *object, const char *name) {
    if (!JsonContainerIsObject(object))
        return nullptr;
    JsonbValue *value =
        getKeyJsonValueFromContainer(object, name, static_cast<int>(strlen(name)), nullptr);
    if (value == nullptr || value->type != jbvString)
        return nullptr;
    return pnstrdup(value->val.string.val, value->val.string.len);
}

const char *decode_jwk(Jsonb *jwk, const char *row_kid, KeyMaterial *key) {
    JwkFields fields{};
    fields.is_object = JB_ROOT_IS_OBJECT(jwk);
    if (fields.is_object) {
        JsonbContainer *object = &jwk->root;
        fields.kty = text_member(object, "kty");
        fields.crv = text_member(object, "crv");
        fields.use = text_member(object, "use");
        fields.alg = text_member(object, "alg");
        fields.kid = text_member(object, "kid");
        fields.alg_present = has_member(object, "alg");
        fields.has_private = has_member(object, "d");
        fields.x = bytes_member(object, "x");
        fields.y = bytes_member(object, "y");
        fields.n = bytes_member(object, "n");
        fields.e = bytes_member(object, "e");
        fields.k = bytes_member(object, "k");
    }
    return jwk_problem(
        fields, row_kid != nullptr ? std::optional<std::string_view>(row_kid) : std::nullopt, key);
}

bool find_trusted_key(const char *kid, TrustedKey *found) {
    Oid relid = keys_table();
    AttrNumber kid_column = get_attnum(relid, "kid"), jwk_column = get_attnum(relid, "jwk"),
               issuer_column = get_attnum(relid, "issuer"),
               audience_column = get_attnum(relid, "audience"),
               enabled_column = get_attnum(relid, "enabled");
    Relation rel = table_open(relid, AccessShareLock);
    Snapshot snapshot = ActiveSnapshotSet() ? GetActiveSnapshot() : GetTransactionSnapshot();
    TableScanDesc scan = table_beginscan(rel, snapshot, 0, nullptr);
    TupleTableSlot *slot = table_slot_create(rel, nullptr);
    int matches = 0;
    while (table_scan_getnextslot(scan, ForwardScanDirection, slot)) {
        bool isnull;
        Datum enabled = slot_getattr(slot, enabled_column, &isnull);
        if (isnull || !DatumGetBool(enabled))
            continue;
        char *row_kid = text_at(slot, kid_column);
        if (kid != nullptr && (row_kid == nullptr || strcmp(row_kid, kid) != 0))
            continue;
        ++matches;
        Datum jwk = slot_getattr(slot, jwk_column, &isnull);
        *found = TrustedKey{row_kid, isnull ? nullptr : DatumGetJsonbPCopy(jwk),
                            text_at(slot, issuer_column), text_at(slot, audience_column)};
    }
    ExecDropSingleTupleTableSlot(slot);
    table_endscan(scan);
    table_close(rel, AccessShareLock);
    return matches == 1 && found->jwk != nullptr;
}

}  // namespace customer_access::pg

using namespace customer_access;
using namespace customer_access::pg;

// check_trusted_key(): BEFORE INSERT OR UPDATE FOR EACH ROW on trusted_keys only. A JWK that
// makes no usable key, or names another kid than its row, is 22023.
CUSTOMER_ACCESS_FUNCTION(check_trusted_key) {
    TriggerData *trigger = bound_trigger(fcinfo, "check_trusted_key", keys_table());
    TriggerEvent event = trigger->tg_event;
    if (!TRIGGER_FIRED_BEFORE(event) || !TRIGGER_FIRED_FOR_ROW(event) ||
        !(TRIGGER_FIRED_BY_INSERT(event) || TRIGGER_FIRED_BY_UPDATE(event)))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("check_trusted_key() must be fired BEFORE INSERT OR UPDATE FOR "
                               "EACH ROW")));
    HeapTuple row = TRIGGER_FIRED_BY_UPDATE(event) ? trigger->tg_newtuple : trigger->tg_trigtuple;
    TupleDesc desc = RelationGetDescr(trigger->tg_relation);
    Oid relid = RelationGetRelid(trigger->tg_relation);
    bool jwk_null, isnull;
    Datum jwk = heap_getattr(row, get_attnum(relid, "jwk"), desc, &jwk_null);
    if (jwk_null)
        return PointerGetDatum(row);  // NOT NULL says so
    Datum kid = heap_getattr(row, get_attnum(relid, "kid"), desc, &isnull);
    char *row_kid = isnull ? nullptr : TextDatumGetCString(kid);
    KeyMaterial key;
    const char *problem = decode_jwk(DatumGetJsonbP(jwk), row_kid, &key);
    if (problem != nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid JWK for trusted key \"%s\": %s",
                               row_kid != nullptr ? row_kid : "", problem),
                        errhint("Store the public JWK as the identity provider publishes it "
                                "(Ed25519, P-256, RSA of 2048 bits or more), or an HS256 secret "
                                "of 32 bytes or more as {\"kty\": \"oct\", \"k\": ...}.")));
    return PointerGetDatum(row);
}
