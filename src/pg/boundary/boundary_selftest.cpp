// cpp_boundary_selftest(text): the symbol that customer_access 1.1 declared for its test
// aid. 1.2 installs no test aid (the test-only extension customer_access_test has the real
// one); the symbol stays so that the 1.0--1.1 script still loads, and 1.1--1.2 drops it.
#include "pg/boundary/boundary.hpp"

CUSTOMER_ACCESS_FUNCTION(cpp_boundary_selftest) {
    ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                    errmsg("cpp_boundary_selftest() was removed in customer_access 1.2"),
                    errhint("ALTER EXTENSION customer_access UPDATE;")));
    PG_RETURN_NULL();
}
