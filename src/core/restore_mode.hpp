// Restore mode: when rows written into the grants table are saved rows coming back (a
// pg_restore, or a plain dump through psql), not new grants. A restored grant keeps its
// object_version and gets no history entry (its history comes back with the history's own
// rows). Only a superuser's load, in a session set up the way pg_dump's scripts and
// pg_restore set it up (row_security off, check_function_bodies off), by the session's own
// statement: a COPY of the grants table FROM data, or an INSERT into it of constant rows
// (pg_dump --inserts, --column-inserts, --rows-per-insert). A COPY of a query, an INSERT
// from a query or with functions, RETURNING or ON CONFLICT DO UPDATE, an insert made inside
// a function, and any role that is not a superuser (BYPASSRLS included) get ordinary,
// recorded inserts.
#pragma once

#include <cstdint>

namespace customer_access {

enum class LoadStatement : std::uint8_t {
    kOther,               // anything else
    kCopyFromIntoGrants,  // COPY customer_access.external_access [(columns)] FROM ...
    kInsertConstantRows,  // INSERT INTO customer_access.external_access [(columns)] VALUES
                          // (constants), ... [ON CONFLICT DO NOTHING], nothing else
};

struct LoadFacts {
    bool superuser = false;                           // the current role is a superuser
    bool row_security_off = false;                    // row_security = off
    bool check_function_bodies_off = false;           // check_function_bodies = off
    LoadStatement statement = LoadStatement::kOther;  // the session's own statement
};

bool restores_saved_rows(const LoadFacts &facts);

// Whether a DDL statement's end re-creates the restored records of table_extras that wait
// for what they refer to: a superuser's statement that adds a primary key, unique constraint
// or unique index (what a recorded foreign key waits for), or any superuser DDL in a session
// set up as a restore sets it up (row_security and check_function_bodies off: pg_restore's
// jobs). A job whose attempt gives up because another job holds a referenced table counts on
// that job replaying when it ends, whatever its statement; an application's migrations
// (row_security on) pay nothing.
bool replays_restored_records(bool superuser, bool adds_unique_key, bool row_security_off,
                              bool check_function_bodies_off);

}  // namespace customer_access
