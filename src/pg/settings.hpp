// The extension's settings (GUCs): the application user and the Owner-revoke exit.
#pragma once

#include "../core/grant_cache.hpp"
#include "postgres.hpp"

namespace customer_access::pg {

void define_settings();

// The session's application user (customer_access.user_id): false when unset or empty.
// A value that is no uuid (possible only if set before the module loaded) is 22P02.
bool current_application_user(Uuid *user);

// customer_access.allow_owner_revoke, honoured only while a superuser is in control.
bool owner_revoke_allowed();

}  // namespace customer_access::pg
