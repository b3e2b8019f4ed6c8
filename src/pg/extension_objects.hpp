// Finding the extension's own objects (schema, tables, index, type) by their fixed names.
#pragma once

#include "postgres.hpp"

namespace customer_access::pg {

inline constexpr const char *kSchemaName = "customer_access";
inline constexpr const char *kGrantsTable = "external_access";
inline constexpr const char *kGrantsPairIndex = "external_access_user_customer_key";
inline constexpr const char *kHistoryTable = "external_access_history";
inline constexpr const char *kHistoryCounter = "external_access_history_counter";

// The OID of a relation in the extension's schema; missing is an error (55000).
Oid extension_relation(const char *name);

// The OID of customer_access.access_role, or InvalidOid when the extension is not installed.
Oid access_role_type_oid();

// The OID of a function in the extension's schema with these argument types.
Oid extension_function(const char *name, int nargs, const Oid *argtypes);

}  // namespace customer_access::pg
