// SQL type customer_access.access_role: I/O, comparison, hashing, casts and accessors.
#include <cstring>

#include "pg/type/access_role_datum.hpp"
#include "pg/boundary/boundary.hpp"

extern "C" {
#include "common/hashfn.h"
#include "utils/sortsupport.h"
}

using customer_access::Level;
using customer_access::RoleInfo;
using customer_access::pg::role_info;

namespace customer_access::pg {

const RoleInfo &role_info(Level level) {
    const RoleInfo *info = role_by_level(level);
    if (info == nullptr)
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED),
                        errmsg("invalid stored value %d for type customer_access.access_role",
                               static_cast<int>(level))));
    return *info;
}

}  // namespace customer_access::pg

namespace {

Datum text_of(std::string_view s) {
    return PointerGetDatum(cstring_to_text_with_len(s.data(), static_cast<int>(s.size())));
}

int compare_levels(Level a, Level b) {
    return (a > b) - (a < b);
}

int sort_compare(Datum a, Datum b, SortSupport) {
    return compare_levels(DatumGetUInt8(a), DatumGetUInt8(b));
}

}  // namespace

CUSTOMER_ACCESS_FUNCTION(access_role_in) {
    const char *text = PG_GETARG_CSTRING(0);
    std::optional<Level> level = customer_access::parse_role(text);
    if (!level)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
                 errmsg("invalid input syntax for type customer_access.access_role: \"%s\"", text),
                 errhint("Valid values are %s (case-insensitive).",
                         customer_access::valid_role_spellings())));
    PG_RETURN_ACCESS_ROLE(*level);
}

CUSTOMER_ACCESS_FUNCTION(access_role_out) {
    const RoleInfo &info = role_info(PG_GETARG_ACCESS_ROLE(0));
    PG_RETURN_CSTRING(pnstrdup(info.code.data(), info.code.size()));
}

// Binary form: one byte, the level.
CUSTOMER_ACCESS_FUNCTION(access_role_recv) {
    StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    int remaining = buf->len - buf->cursor;
    if (remaining != 1)
        ereport(ERROR,
                (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                 errmsg("invalid binary customer_access.access_role: expected 1 byte, got %d",
                        remaining)));
    int level = pq_getmsgbyte(buf);
    if (customer_access::role_by_level(level) == nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
                        errmsg("invalid binary customer_access.access_role: level %d", level),
                        errhint("Valid levels are 10, 20, 30, 40, 80 and 90.")));
    PG_RETURN_ACCESS_ROLE(static_cast<Level>(level));
}

CUSTOMER_ACCESS_FUNCTION(access_role_send) {
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendbyte(&buf, PG_GETARG_ACCESS_ROLE(0));
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

#define ACCESS_ROLE_COMPARISON(name, op)                                      \
    CUSTOMER_ACCESS_FUNCTION(name) {                                          \
        PG_RETURN_BOOL(PG_GETARG_ACCESS_ROLE(0) op PG_GETARG_ACCESS_ROLE(1)); \
    }

ACCESS_ROLE_COMPARISON(access_role_eq, ==)
ACCESS_ROLE_COMPARISON(access_role_ne, !=)
ACCESS_ROLE_COMPARISON(access_role_lt, <)
ACCESS_ROLE_COMPARISON(access_role_le, <=)
ACCESS_ROLE_COMPARISON(access_role_gt, >)
ACCESS_ROLE_COMPARISON(access_role_ge, >=)

CUSTOMER_ACCESS_FUNCTION(access_role_cmp) {
    PG_RETURN_INT32(compare_levels(PG_GETARG_ACCESS_ROLE(0), PG_GETARG_ACCESS_ROLE(1)));
}

CUSTOMER_ACCESS_FUNCTION(access_role_sortsupport) {
    SortSupport ssup = reinterpret_cast<SortSupport>(PG_GETARG_POINTER(0));
    ssup->comparator = sort_compare;
    PG_RETURN_VOID();
}

CUSTOMER_ACCESS_FUNCTION(access_role_hash) {
    return hash_uint32(PG_GETARG_ACCESS_ROLE(0));
}

CUSTOMER_ACCESS_FUNCTION(access_role_hash_extended) {
    return hash_uint32_extended(PG_GETARG_ACCESS_ROLE(0), PG_GETARG_INT64(1));
}

CUSTOMER_ACCESS_FUNCTION(access_role_smaller) {
    Level a = PG_GETARG_ACCESS_ROLE(0), b = PG_GETARG_ACCESS_ROLE(1);
    PG_RETURN_ACCESS_ROLE(a < b ? a : b);
}

CUSTOMER_ACCESS_FUNCTION(access_role_larger) {
    Level a = PG_GETARG_ACCESS_ROLE(0), b = PG_GETARG_ACCESS_ROLE(1);
    PG_RETURN_ACCESS_ROLE(a > b ? a : b);
}

CUSTOMER_ACCESS_FUNCTION(access_role_from_integer) {
    int32 level = PG_GETARG_INT32(0);
    if (customer_access::role_by_level(level) == nullptr)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%d is not a customer_access.access_role level", level),
                        errhint("Valid levels are 10, 20, 30, 40, 80 and 90.")));
    PG_RETURN_ACCESS_ROLE(static_cast<Level>(level));
}

CUSTOMER_ACCESS_FUNCTION(access_role_level) {
    PG_RETURN_INT32(PG_GETARG_ACCESS_ROLE(0));
}

CUSTOMER_ACCESS_FUNCTION(access_role_api_name) {
    return text_of(role_info(PG_GETARG_ACCESS_ROLE(0)).api_name);
}

CUSTOMER_ACCESS_FUNCTION(access_role_description) {
    return text_of(role_info(PG_GETARG_ACCESS_ROLE(0)).description);
}

CUSTOMER_ACCESS_FUNCTION(access_role_grants) {
    return text_of(role_info(PG_GETARG_ACCESS_ROLE(0)).grants);
}

// Every role, lowest first: the rows of the view customer_access.roles.
CUSTOMER_ACCESS_FUNCTION(access_role_all) {
    FuncCallContext *funcctx = SRF_IS_FIRSTCALL() ? SRF_FIRSTCALL_INIT() : nullptr;
    funcctx = SRF_PERCALL_SETUP();
    if (funcctx->call_cntr >= customer_access::kRoles.size())
        SRF_RETURN_DONE(funcctx);
    // SRF_RETURN_NEXT advances call_cntr before it evaluates its argument.
    Datum role =
        customer_access::pg::role_to_datum(customer_access::kRoles[funcctx->call_cntr].level);
    SRF_RETURN_NEXT(funcctx, role);
}
