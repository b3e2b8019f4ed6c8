// Which objects are members of customer_access, remembered per backend: the DDL guard asks
// about the target of every DDL statement, and pg_depend has no cache (each question would be
// an index scan that costs more than the rest of the guard's decision). All members are read
// at once, by one scan of pg_depend's index on the referenced object (the extension).
//
// Membership changes only by the extension's own scripts, ALTER EXTENSION customer_access
// ADD/DROP (refused by the guard unless the superuser exit is on; announced to every backend
// by the guard at the statement's start, see announce_membership_change) and DROP EXTENSION
// (which drops the anchor table): each of these makes every backend forget what it remembered
// (remembered_generation). A member cannot be dropped alone, so a remembered answer about a
// dropped object's OID can only refuse too much, never too little.
#pragma once

#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// Whether `objid` of `classid` is a member of `extension` (as getExtensionOfObject says);
// read from pg_depend each time while nothing can be remembered (remembered_generation).
bool extension_has_member(Oid extension, Oid classid, Oid objid);

}  // namespace customer_access::pg
