// JSON objects from requests (claims, token parts), parsed without raising.
#pragma once

#include "pg/boundary/postgres.hpp"

extern "C" {
#include "utils/jsonb.h"
}

namespace customer_access::pg {

// The text as a jsonb object; nullptr when it is no JSON object, or is past the limits of
// json_limits.hpp, or has a \u0000 escape.
Jsonb *json_object_or_null(const char *text, int length);

}  // namespace customer_access::pg
