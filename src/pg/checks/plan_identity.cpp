#include "pg/checks/plan_identity.hpp"

extern "C" {
#include "utils/inval.h"
#include "utils/syscache.h"
}

namespace customer_access::pg {
namespace {

// The pg_proc cache hash values of the check functions planned with a user's estimates (the
// six check forms and a few more fit; past that every plan is simply forgotten more often).
constexpr int kMaxFunctions = 16;
uint32 shaped[kMaxFunctions];
int shaped_count = 0;

}  // namespace

void note_identity_shaped_plan(Oid funcid) {
    uint32 hash = GetSysCacheHashValue1(PROCOID, ObjectIdGetDatum(funcid));
    for (int i = 0; i < shaped_count; ++i)
        if (shaped[i] == hash)
            return;
    if (shaped_count < kMaxFunctions)
        shaped[shaped_count++] = hash;
}

void forget_identity_shaped_plans() {
    // What a change of pg_proc rows would do to cached plans, for this backend only: plans
    // that depend on these functions are marked invalid.
    for (int i = 0; i < shaped_count; ++i)
        CallSyscacheCallbacks(PROCOID, shaped[i]);
}

}  // namespace customer_access::pg
