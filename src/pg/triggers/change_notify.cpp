// The history ids of the grant changes of the running transaction, per subtransaction, and
// the one notification at its commit. The notification is queued in the PRE_COMMIT callback,
// which PostgreSQL calls after the last deferred trigger and before PreCommit_Notify() puts
// the transaction's notifications into the queue: listeners receive it only if the
// transaction commits, and after it has.
//
// A transaction that is PREPAREd (two-phase commit) sends none: PostgreSQL cannot prepare a
// NOTIFY, and failing the PREPARE would break two-phase commit (Citus uses it when the
// coordinator writes its own copy of the grants through a connection instead of locally).
// purge_history() and the rows a restore brings back are not grant changes: they send none.
#include "pg/triggers/change_notify.hpp"

#include <cinttypes>

extern "C" {
#include "access/xact.h"
#include "commands/async.h"
#include "utils/memutils.h"
}

namespace customer_access::pg {
namespace {

constexpr const char *kChannel = "customer_access_changed";

// The smallest and largest history id written in one subtransaction that is still alive (or
// committed into its parent), innermost first; in TopTransactionContext.
struct Range {
    SubTransactionId subtransaction;
    int64 first;
    int64 last;
    Range *outer;
};
Range *innermost = nullptr;

void widen(Range *range, int64 first, int64 last) {
    if (first < range->first)
        range->first = first;
    if (last > range->last)
        range->last = last;
}

void follow_subtransaction(SubXactEvent event, SubTransactionId mine, SubTransactionId parent,
                           void *) {
    if (innermost == nullptr || innermost->subtransaction != mine)
        return;  // this subtransaction wrote no history (nor any it committed)
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        innermost = innermost->outer;  // its entries are gone with it
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        Range *outer = innermost->outer;
        if (outer != nullptr && outer->subtransaction == parent) {
            widen(outer, innermost->first, innermost->last);
            innermost = outer;
        } else {
            innermost->subtransaction = parent;
        }
    }
}

void notify_at_commit(XactEvent event, void *) {
    switch (event) {
        case XACT_EVENT_PRE_COMMIT:
            if (innermost != nullptr) {
                int64 first = innermost->first, last = innermost->last;
                for (Range *r = innermost->outer; r != nullptr; r = r->outer) {
                    first = r->first < first ? r->first : first;
                    last = r->last > last ? r->last : last;
                }
                innermost = nullptr;
                Async_Notify(kChannel, psprintf("{\"first_history_id\": " INT64_FORMAT
                                                ", \"last_history_id\": " INT64_FORMAT "}",
                                                first, last));
            }
            break;
        case XACT_EVENT_COMMIT:
        case XACT_EVENT_ABORT:
        case XACT_EVENT_PREPARE:
        case XACT_EVENT_PRE_PREPARE:
            innermost = nullptr;  // its memory goes with the transaction
            break;
        default:
            break;
    }
}

}  // namespace

void note_history_entry(int64 history_id) {
    SubTransactionId mine = GetCurrentSubTransactionId();
    if (innermost != nullptr && innermost->subtransaction == mine) {
        widen(innermost, history_id, history_id);
        return;
    }
    auto *range = static_cast<Range *>(MemoryContextAlloc(TopTransactionContext, sizeof(Range)));
    *range = Range{mine, history_id, history_id, innermost};
    innermost = range;
}

void install_change_notifications() {
    RegisterSubXactCallback(follow_subtransaction, nullptr);
    RegisterXactCallback(notify_at_commit, nullptr);
}

}  // namespace customer_access::pg
