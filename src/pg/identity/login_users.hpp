// customer_access.login_users: in identity mode login, the application user of each database
// login. A row is bound to the login role itself (its OID, role_oid, set by the trigger
// bind_login_role), not only to its name: a role dropped and created again under the same
// name (by any role with CREATEROLE) is not that user.
#pragma once

#include "core/grant_cache.hpp"
#include "pg/boundary/postgres.hpp"

namespace customer_access::pg {

// The application user of the login role `login` (read directly: the caller needs no
// privilege on the table): its row by name, when the row is bound to that very role.
bool login_user_of(Oid login, Uuid *user);

}  // namespace customer_access::pg
