#include "pg/catalog/member_cache.hpp"

#include "pg/catalog/dependents.hpp"

#include "pg/catalog/extension_catalog.hpp"

#include <cstdint>

extern "C" {
#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/pg_depend.h"
#include "catalog/pg_extension.h"
#include "utils/fmgroids.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
}

namespace customer_access::pg {
namespace {

struct MemberKey {
    Oid classid;
    Oid objid;
};

HTAB *members = nullptr;  // entries are just their keys
Oid members_of = InvalidOid;
std::uint64_t members_generation = 0;

// Every object with an extension dependency ('e') on `extension`, into a new table; nullptr
// when an invalidation arrived meanwhile (the scan takes locks, which reads invalidations).
// The scan collects into the current (statement's) memory first: an error in it leaves
// nothing behind.
HTAB *read_members(Oid extension, std::uint64_t generation) {
    List *found = NIL;
    for_each_dependent(ExtensionRelationId, extension, [&found](const FormData_pg_depend &d) {
        if (d.deptype != DEPENDENCY_EXTENSION)
            return;
        auto *key = static_cast<MemberKey *>(palloc(sizeof(MemberKey)));
        *key = MemberKey{d.classid, d.objid};
        found = lappend(found, key);
    });
    if (remembered_generation(extension) != generation)
        return nullptr;
    HASHCTL ctl;
    ctl.keysize = sizeof(MemberKey);
    ctl.entrysize = sizeof(MemberKey);
    ctl.hcxt = CacheMemoryContext;
    HTAB *table = hash_create("customer_access members", list_length(found) + 16, &ctl,
                              HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    ListCell *cell;
    foreach (cell, found)
        hash_search(table, lfirst(cell), HASH_ENTER, nullptr);
    list_free_deep(found);
    return table;
}

}  // namespace

bool extension_has_member(Oid extension, Oid classid, Oid objid) {
    std::uint64_t generation = remembered_generation(extension);
    if (generation == 0)
        return getExtensionOfObject(classid, objid) == extension;
    if (members == nullptr || members_of != extension || members_generation != generation) {
        HTAB *fresh = read_members(extension, generation);  // may ereport: nothing changed then
        if (fresh == nullptr)
            return getExtensionOfObject(classid, objid) == extension;
        if (members != nullptr)
            hash_destroy(members);
        members = fresh;
        members_of = extension;
        members_generation = generation;
    }
    MemberKey key{classid, objid};
    return hash_search(members, &key, HASH_FIND, nullptr) != nullptr;
}

}  // namespace customer_access::pg
