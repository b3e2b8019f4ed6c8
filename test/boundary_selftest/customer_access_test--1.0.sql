-- Test aid of customer_access's test suite (not part of the extension).
\echo Use "CREATE EXTENSION customer_access_test" to load this file. \quit
CREATE FUNCTION @extschema@.cpp_boundary_selftest(kind text) RETURNS integer
    AS 'MODULE_PATHNAME', 'cpp_boundary_selftest' LANGUAGE C VOLATILE STRICT;
COMMENT ON FUNCTION @extschema@.cpp_boundary_selftest(text) IS
    'Test aid: throws runtime_error, bad_alloc or a non-standard C++ exception through the boundary; ''destroyed'' counts destructors run';
REVOKE ALL ON FUNCTION @extschema@.cpp_boundary_selftest(text) FROM PUBLIC;
