#include "pg/boundary/boundary.hpp"
#include "pg/boundary/compat.hpp"
#include "pg/checks/grant_readers.hpp"

#include "core/grant_readers.hpp"

#include "pg/catalog/extension_catalog.hpp"
#include "pg/identity/identity.hpp"
#include "pg/identity/settings.hpp"

extern "C" {
#include "access/xact.h"
#include "miscadmin.h"
#include "storage/proc.h"
#include "utils/acl.h"
#include "utils/rls.h"
}

namespace customer_access::pg {
namespace {

// The last decision, for one role in one statement: privileges cannot change within it.
struct Decision {
    Oid role;
    LocalTransactionId transaction;
    TimestampTz statement;
    CommandId command;
    bool allowed;
} last{InvalidOid, InvalidLocalTransactionId, 0, InvalidCommandId, false};

[[noreturn]] void refuse(const char *function) {
    ereport(ERROR,
            (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
             errmsg("%s() answers about other application users only to a role that may read "
                    "every grant",
                    function),
             errdetail("The caller is no superuser and has no SELECT on "
                       "customer_access.external_access free of its row security."),
             errhint("Use can_access() and accessible_customers(current_user_id()) for the "
                     "application user itself, or grant an auditor role BYPASSRLS and SELECT.")));
    pg_unreachable();
}

}  // namespace

bool may_read_every_grant() {
    Oid role = GetUserId();
    LocalTransactionId transaction = current_local_transaction();
    TimestampTz statement = GetCurrentStatementStartTimestamp();
    CommandId command = GetCurrentCommandId(false);
    if (last.role == role && last.transaction == transaction && last.statement == statement &&
        last.command == command)
        return last.allowed;
    ReaderFacts facts{superuser(), false, true};
    if (!facts.superuser) {
        Oid grants = extension_catalog().grants;
        facts.may_select_grants = pg_class_aclcheck(grants, role, ACL_SELECT) == ACLCHECK_OK;
        facts.row_security_applies = check_enable_rls(grants, InvalidOid, true) == RLS_ENABLED;
    }
    bool allowed = reads_every_grant(facts);
    last = Decision{role, transaction, statement, command, allowed};
    return allowed;
}

namespace {

bool reads_every_grant_callback(void *) {
    return may_read_every_grant();
}

}  // namespace

bool may_answer_about_user(const Uuid &user) {
    Uuid me;
    bool has_me = current_application_user(&me);
    return from_core([&] {
        return may_answer_about(has_me ? &me : nullptr, user,
                                guarded<reads_every_grant_callback>::call, nullptr);
    });
}

void require_grant_reader(const Uuid &user, const char *function) {
    if (!may_answer_about_user(user))
        refuse(function);
}

void require_full_grant_reader(const char *function) {
    if (!may_read_every_grant())
        refuse(function);
}

}  // namespace customer_access::pg
