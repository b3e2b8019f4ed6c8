#include "pg/checks/plan_identity.hpp"

#include "pg/identity/identity.hpp"

extern "C" {
#include "access/xact.h"
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

// Whether a plan was shaped by an identity during the current transaction.
bool shaped_in_transaction = false;
// Whether the session user was set for this transaction only (SET LOCAL SESSION
// AUTHORIZATION): it goes back at the transaction's end, and with it a login's identity.
bool session_user_set_locally = false;

void at_transaction_end(XactEvent event, void *) {
    switch (event) {
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PREPARE:
            if (session_user_set_locally ||
                (shaped_in_transaction && identity_ends_with_transaction()))
                forget_identity_shaped_plans();
            shaped_in_transaction = false;
            session_user_set_locally = false;
            break;
        default:
            break;
    }
}

}  // namespace

void note_identity_shaped_plan(Oid funcid) {
    shaped_in_transaction = true;
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

void note_session_user_set(bool local) {
    forget_identity_shaped_plans();
    if (local)
        session_user_set_locally = true;
}

void install_plan_identity_callbacks() {
    RegisterXactCallback(at_transaction_end, nullptr);
}

}  // namespace customer_access::pg
