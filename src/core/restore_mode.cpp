#include "restore_mode.hpp"

namespace customer_access {

bool restores_saved_rows(const LoadFacts &facts) {
    if (!facts.superuser || !facts.row_security_off || !facts.check_function_bodies_off)
        return false;
    return facts.statement == LoadStatement::kCopyFromIntoGrants ||
           facts.statement == LoadStatement::kInsertConstantRows;
}

}  // namespace customer_access
