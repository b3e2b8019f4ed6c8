#include "grant_readers.hpp"

namespace customer_access {

bool reads_every_grant(const ReaderFacts &facts) noexcept {
    return facts.superuser || (facts.may_select_grants && !facts.row_security_applies);
}

bool may_answer_about(const Uuid *application_user, const Uuid &asked,
                      bool (*caller_reads_every_grant)(void *context), void *context) {
    if (application_user != nullptr && same_uuid(*application_user, asked))
        return true;
    return caller_reads_every_grant(context);
}

}  // namespace customer_access
