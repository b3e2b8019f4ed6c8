#include "pg/citus/result_guard.hpp"

#include <cstring>

#include "core/identity_carrier.hpp"
#include "pg/boundary/compat.hpp"
#include "pg/catalog/extension_catalog.hpp"
#include "pg/citus/citus_bridge.hpp"
#include "pg/citus/citus_identity.hpp"
#include "pg/citus/citus_link.hpp"
#include "pg/citus/palloc_sealed.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "commands/dbcommands.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "utils/timestamp.h"
}

namespace customer_access::pg {
namespace {

// What this backend knows about itself, as plain values (gathered before any C++ value lives).
struct Facts {
    bool has_transaction;
    DistributedTransaction transaction;
    bool originator;
    bool carrier_accepted;
    const char *pass;  // the startup packet's result pass; "" none
    const char *secret;
    const char *database;
    const char *session_role;
    int64 now;
};

bool admits(const Facts &facts) noexcept {
    try {
        ResultsAccess access{
            facts.has_transaction ? std::optional(facts.transaction) : std::nullopt,
            facts.originator,
            facts.carrier_accepted,
            std::nullopt,
            facts.session_role,
            facts.now};
        if (facts.pass[0] != '\0' && facts.secret[0] != '\0')
            access.pass = open_result_pass(facts.secret, facts.database, facts.pass);
        return may_use_intermediate_results(access);
    } catch (...) {
        return false;
    }
}

// Where the grants are distributed, the rule decides. In every database of a Citus node a
// session is also kept from another database's distributed transaction: Citus keeps the files
// of all databases in one directory per role, initiator and transaction number, and roles are
// the node's.
bool grants_distributed_here() {
    return OidIsValid(installed_extension()) && extension_catalog().distributed;
}

void refuse_other_database() {
    std::optional<DistributedTransaction> transaction = current_distributed_transaction();
    if (transaction && transaction_held_in_other_database(*transaction))
        ereport(ERROR,
                (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                 errmsg("this connection may not use the intermediate results of its distributed "
                        "transaction"),
                 errdetail("The distributed transaction belongs to another database.")));
}

// (a carrier and a pass are sealed for their database: where the rule decides, what it
// admits is this database's)
bool guarded_here() {
    if (superuser())
        return false;
    // (Citus gives a transaction that has none its id inside the function, after this hook:
    // take it now, so that what is judged is the directory the function writes to)
    if (!current_distributed_transaction())
        (void)start_coordinated_transaction();
    // (in every database, the originator of a transaction too: each node numbers the
    // transactions of all its databases from one counter, and a database where Citus has no
    // metadata takes the coordinator's group)
    refuse_other_database();
    return grants_distributed_here();
}

Facts current_facts() {
    std::optional<DistributedTransaction> transaction = current_distributed_transaction();
    Facts facts{transaction.has_value(),
                transaction.value_or(DistributedTransaction{0, 0, 0}),
                distributed_transaction_originator(),
                false,
                connection_result_pass(),
                cluster_secret(),
                get_database_name(MyDatabaseId),
                GetUserNameFromId(GetSessionUserId(), false),
                GetCurrentTimestamp()};
    // (the carrier only when nothing cheaper admits: opening it costs a decryption)
    if (facts.has_transaction && !facts.originator && carrier_present())
        facts.carrier_accepted = carrier_verdict(CarrierUse::kRead) == CarrierVerdict::kAccepted;
    return facts;
}

void refuse() {
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("this connection may not use the intermediate results of its distributed "
                    "transaction"),
             errdetail("Only the backend that started a distributed transaction and the "
                       "connections Citus opened for it may read or write its intermediate "
                       "results."),
             errhint("assign_distributed_transaction_id() does not make a session part of "
                     "another's transaction.")));
}

// The pass for the connections fetch_intermediate_results() opens now: the transaction and
// the role Citus connects as. nullptr when memory ran out (the C++ values live only here).
char *sealed_pass(const DistributedTransaction &transaction, const char *role, int64 now,
                  const char *secret, const char *database) noexcept {
    try {
        BoxNonce nonce;
        if (!pg_strong_random(nonce.data(), nonce.size()))
            return nullptr;
        std::string text =
            seal_result_pass(secret, database, ResultPass{transaction, role, now}, nonce);
        return palloc_sealed(text);
    } catch (...) {
        return nullptr;
    }
}

bool pass_out = false;

}  // namespace

void intermediate_results_call(FmgrHookEventType event, bool fetch) {
    if (event != FHET_START) {
        if (pass_out) {
            set_result_pass_for_connections(nullptr);
            pass_out = false;
        }
        return;
    }
    if (!guarded_here())
        return;
    Facts facts = current_facts();
    if (!admits(facts))
        refuse();
    // (without a distributed transaction Citus starts one for the fetch: nothing of it is on
    // the other node yet, and the fetch connection is refused there as it should be)
    if (fetch && facts.has_transaction && facts.secret[0] != '\0') {
        char *pass = sealed_pass(facts.transaction, GetUserNameFromId(GetUserId(), false),
                                 facts.now, facts.secret, facts.database);
        if (pass == nullptr)
            ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory")));
        set_result_pass_for_connections(pass);
        pass_out = true;
    }
}

bool is_result_copy(const CopyStmt *copy) {
    ListCell *cell;
    foreach (cell, copy->options) {
        auto *option = lfirst_node(DefElem, cell);
        if (strcmp(option->defname, "format") == 0 && option->arg != nullptr &&
            strcmp(defGetString(option), "result") == 0)
            return true;
    }
    return false;
}

void check_result_copy(const CopyStmt *copy) {
    // (Citus reads the result's name from the relation, which COPY (query) does not have)
    if (copy->relation == nullptr)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("COPY (query) WITH (format result) is not supported"),
                        errdetail("Intermediate results are copied by their name.")));
    if (guarded_here() && !admits(current_facts()))
        refuse();
}

}  // namespace customer_access::pg
