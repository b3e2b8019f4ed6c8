// The trusted keys: decoding JWKs (RFC 7517/7518/8037) into key material, the trigger that
// refuses bad ones (22023), and finding a token's key. The table is read directly, so
// authenticate() needs no privilege on it (PUBLIC has none).
#include "pg/identity/trusted_keys.hpp"

#include "core/base64url.hpp"
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

// A base64url member decoded; false when missing or not base64url.
bool bytes_member(JsonbContainer *object, const char *name, std::string_view *out) {
    char *text = json_string_member(object, name);
    if (text == nullptr)
        return false;
    std::optional<std::size_t> size = base64url_decoded_size(strlen(text));
    if (!size)
        return false;
    auto *buffer = static_cast<std::uint8_t *>(palloc(*size + 1));
    std::optional<std::size_t> n = base64url_decode(text, buffer);
    if (!n || *n == 0)
        return false;
    *out = std::string_view(reinterpret_cast<const char *>(buffer), *n);
    return true;
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

const char *decode_jwk(Jsonb *jwk, KeyMaterial *key) {
    JsonbContainer *object = &jwk->root;
    if (!JB_ROOT_IS_OBJECT(jwk))
        return "a JWK is a JSON object";
    char *kty = json_string_member(object, "kty");
    if (kty == nullptr)
        return "a JWK needs \"kty\"";
    char *use = json_string_member(object, "use");
    if (use != nullptr && strcmp(use, "sig") != 0)
        return "the key is not for signatures (\"use\" is not \"sig\")";
    *key = KeyMaterial{KeyKind::kSecret, {}, {}};
    if (strcmp(kty, "OKP") == 0) {
        char *crv = json_string_member(object, "crv");
        if (crv == nullptr || strcmp(crv, "Ed25519") != 0)
            return "an OKP key must be \"crv\": \"Ed25519\"";
        key->kind = KeyKind::kEd25519;
        if (!bytes_member(object, "x", &key->first))
            return "an Ed25519 key needs \"x\" in base64url";
    } else if (strcmp(kty, "EC") == 0) {
        char *crv = json_string_member(object, "crv");
        if (crv == nullptr || strcmp(crv, "P-256") != 0)
            return "an EC key must be \"crv\": \"P-256\"";
        key->kind = KeyKind::kP256;
        if (!bytes_member(object, "x", &key->first) || !bytes_member(object, "y", &key->second))
            return "a P-256 key needs \"x\" and \"y\" in base64url";
    } else if (strcmp(kty, "RSA") == 0) {
        key->kind = KeyKind::kRsa;
        if (!bytes_member(object, "n", &key->first) || !bytes_member(object, "e", &key->second))
            return "an RSA key needs \"n\" and \"e\" in base64url";
    } else if (strcmp(kty, "oct") == 0) {
        key->kind = KeyKind::kSecret;
        if (!bytes_member(object, "k", &key->first))
            return "an HS256 secret needs \"k\" in base64url";
    } else {
        return "\"kty\" must be OKP (Ed25519), EC (P-256), RSA or oct";
    }
    if (key->kind != KeyKind::kSecret && has_member(object, "d"))
        return "a private key: store only the public part (no \"d\")";
    char *alg = json_string_member(object, "alg");
    if (alg != nullptr && strcmp(alg, jws_alg_name(alg_of_key(key->kind))) != 0)
        return psprintf("\"alg\" must be \"%s\" for this key", jws_alg_name(alg_of_key(key->kind)));
    if (has_member(object, "alg") && alg == nullptr)
        return "\"alg\" must be a string";
    return key_problem(*key);
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
    Jsonb *parsed = DatumGetJsonbP(jwk);
    const char *problem = decode_jwk(parsed, &key);
    char *jwk_kid = json_string_member(&parsed->root, "kid");
    if (problem == nullptr && jwk_kid != nullptr && row_kid != nullptr &&
        strcmp(jwk_kid, row_kid) != 0)
        problem = "the JWK's \"kid\" differs from the row's kid";
    if (problem != nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("invalid JWK for trusted key \"%s\": %s",
                               row_kid != nullptr ? row_kid : "", problem),
                        errhint("Store the public JWK as the identity provider publishes it "
                                "(Ed25519, P-256, RSA of 2048 bits or more), or an HS256 secret "
                                "of 32 bytes or more as {\"kty\": \"oct\", \"k\": ...}.")));
    return PointerGetDatum(row);
}
