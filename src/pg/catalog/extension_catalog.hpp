// The extension's own objects, found by OID: resolved once per backend from the extension's
// membership in pg_depend (so no look-alike in another schema counts), verified (column
// types, the pair index's columns, method and validity), and forgotten on any relcache
// invalidation of one of them. A layout that does not verify is an error (55000), never a
// wrong answer.
#pragma once

#include "pg/boundary/postgres.hpp"

#include <cstdint>

namespace customer_access::pg {

inline constexpr const char *kExtensionName = "customer_access";

// Column numbers of customer_access.external_access.
struct GrantsLayout {
    AttrNumber id;
    AttrNumber customer;
    AttrNumber user;
    AttrNumber role;
    AttrNumber days_back;
    AttrNumber notes;
    AttrNumber object_version;
    // timestamptz, since 1.3; InvalidAttrNumber in a database whose extension is not updated
    // to 1.3 yet (its grants do not expire)
    AttrNumber expires_at;
};

struct ExtensionCatalog {
    Oid extension;
    Oid schema;
    Oid role_type;
    Oid grants;                 // customer_access.external_access
    Oid grants_pair_index;      // UNIQUE (user_id, customer_id), verified
    Oid grants_customer_index;  // (customer_id), verified
    GrantsLayout layout;
    // Where the grants' rows are read on this node: the table and its indexes, or, when the
    // table is a Citus reference table, its local shard and the shard's indexes (same layout).
    Oid grant_rows;
    Oid grant_rows_pair_index;
    Oid grant_rows_customer_index;
    bool distributed;    // external_access is a Citus table
    int64 grants_shard;  // its Citus shard id (0 when not distributed)
    bool history_here;   // this node records the history (a Citus node: the coordinator only)
    Oid history;         // customer_access.external_access_history
    Oid history_counter;
};

// The verified catalog; 55000 when the extension is missing or its layout was changed.
const ExtensionCatalog &extension_catalog();

// The extension's OID, or InvalidOid when it is not installed in this database.
Oid installed_extension();

// The schema of the extension (pg_extension.extnamespace).
Oid extension_schema(Oid extension);

// The role that owns the extension (pg_extension.extowner).
Oid extension_owner(Oid extension);

// Whether an object (class, OID) is a member of customer_access.
bool is_extension_member(Oid classid, Oid objid);

// Nonzero while the extension's OID and schema are remembered in this backend (not during its
// own CREATE/ALTER EXTENSION script); it changes whenever they are forgotten, so what is
// remembered about the extension's members holds for one value of it.
std::uint64_t remembered_generation(Oid extension);

// The extension's membership may change in this transaction (ALTER EXTENSION customer_access
// UPDATE, ADD or DROP): every backend forgets what it remembered of the extension when the
// transaction commits, this one at once.
void announce_membership_change();

// A function of the extension's schema with these argument types.
Oid extension_function(const char *name, int nargs, const Oid *argtypes);

}  // namespace customer_access::pg
