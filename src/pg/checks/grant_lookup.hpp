// Reading grants straight from customer_access.external_access through its
// (user_id, customer_id) index, with a given snapshot: no SPI, no SQL text, and so no
// dependence on the caller's privileges or on row security of the grants table.
#pragma once

#include "core/grant_cache.hpp"
#include "pg/boundary/postgres.hpp"

extern "C" {
#include "utils/snapshot.h"
}

namespace customer_access::pg {

// Where the grants are: the verified table and pair index; resolved once per query.
struct GrantSource {
    Oid table;
    Oid pair_index;
    Oid customer_index;
    AttrNumber user_column;
    AttrNumber customer_column;
    AttrNumber role_column;
    AttrNumber days_back_column;
    AttrNumber expires_at_column;  // InvalidAttrNumber before 1.3: nothing expires
};

// The point in time the expiry rule asks about: the transaction's start, now() (in a parallel
// worker, its leader's), so a statement and its whole transaction see one set of grants.
Timestamp rule_now();

GrantSource find_grant_source();

// The grant of one (user, customer) pair; exists false when there is none.
Grant lookup_grant(const GrantSource &source, Snapshot snapshot, const Uuid &user,
                   const Uuid &customer);

// Calls visit(customer, grant) for every grant of the user, in customer order.
// visit must be a plain function pointer: it runs inside the scan and may ereport.
using GrantVisitor = void (*)(void *context, const Uuid &customer, const Grant &grant);
void scan_user_grants(const GrantSource &source, Snapshot snapshot, const Uuid &user,
                      GrantVisitor visit, void *context);
// The same, stopping as soon as visit returns false.
using GrantVisitorUntil = bool (*)(void *context, const Uuid &customer, const Grant &grant);
void scan_user_grants_until(const GrantSource &source, Snapshot snapshot, const Uuid &user,
                            GrantVisitorUntil visit, void *context);

// Calls visit(user, grant) for every grant on the customer.
void scan_customer_grants(const GrantSource &source, Snapshot snapshot, const Uuid &customer,
                          GrantVisitor visit, void *context);

// How many of the user's grants in force have a role >= need, for planner estimates:
// remembered for up to a second so that planning a point lookup does not scan a large user's
// grants every time. This backend's own grant changes are seen at once; other sessions'
// within a second; an expiry exactly (a count is reused only by a transaction whose now()
// sees the same grants in force). Answers never depend on it.
double estimated_user_grants(const GrantSource &source, Snapshot snapshot, const Uuid &user,
                             Level need);

// Called by the change-history trigger on every grant change this backend makes.
void note_grants_changed();

inline const pg_uuid_t *as_pg_uuid(const Uuid &u) {
    return reinterpret_cast<const pg_uuid_t *>(&u);
}
inline Uuid from_pg_uuid(const pg_uuid_t *u) {
    Uuid out;
    memcpy(out.bytes, u->data, sizeof out.bytes);
    return out;
}
static_assert(sizeof(Uuid) == sizeof(pg_uuid_t));

// A uuid Datum in the current memory context.
inline Datum uuid_datum(const Uuid &u) {
    pg_uuid_t *copy = static_cast<pg_uuid_t *>(palloc(sizeof(pg_uuid_t)));
    memcpy(copy->data, u.bytes, sizeof u.bytes);
    return UUIDPGetDatum(copy);
}

}  // namespace customer_access::pg
