#include "restore_mode.hpp"

namespace customer_access {

bool restores_saved_rows(const LoadFacts &facts) {
    if (!facts.superuser || !facts.row_security_off || !facts.check_function_bodies_off)
        return false;
    return facts.statement == LoadStatement::kCopyFromIntoGrants ||
           facts.statement == LoadStatement::kInsertConstantRows;
}

bool replays_restored_records(bool superuser, bool adds_unique_key, bool row_security_off,
                              bool check_function_bodies_off) {
    return superuser && (adds_unique_key || (row_security_off && check_function_bodies_off));
}

}  // namespace customer_access
