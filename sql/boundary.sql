-- The C++/PostgreSQL boundary: a C++ exception thrown inside an SQL-callable function becomes
-- an ERROR with a clear SQLSTATE, after the throwing frames' destructors have run, and the
-- session goes on.
\set ECHO none
\i test/sql/try.sql
\set ECHO all
-- The self-test lives in the test-only extension customer_access_test, never in customer_access.
CREATE EXTENSION customer_access_test;
SELECT customer_access_test.cpp_boundary_selftest('destroyed') AS destroyed_before;
SELECT pg_temp.try($$SELECT customer_access_test.cpp_boundary_selftest('runtime_error')$$);
SELECT pg_temp.try($$SELECT customer_access_test.cpp_boundary_selftest('bad_alloc')$$);
SELECT pg_temp.try($$SELECT customer_access_test.cpp_boundary_selftest('non_standard')$$);
-- A PostgreSQL ERROR raised by PostgreSQL code that C++ frames called back (the statement
-- cache's lookups): raised again with its own SQLSTATE after those frames unwound.
SELECT pg_temp.try($$SELECT customer_access_test.cpp_boundary_selftest('postgres_error')$$);
DO $$ BEGIN
    PERFORM customer_access_test.cpp_boundary_selftest('postgres_cancel');
EXCEPTION WHEN query_canceled THEN
    RAISE NOTICE 'query_canceled (57014) arrived as itself';
END $$;
SELECT pg_temp.try($$SELECT customer_access_test.cpp_boundary_selftest('postgres_error_uncaught')$$);
-- one destructor per throw ran before the error was reported
SELECT customer_access_test.cpp_boundary_selftest('destroyed') AS destroyed_after;
SELECT customer_access_test.cpp_boundary_selftest('nothing') AS no_throw;
-- not for PUBLIC
SELECT has_function_privilege('public', 'customer_access_test.cpp_boundary_selftest(text)', 'EXECUTE') AS public_may_call;
-- (scripts/check-boundary checks in the source that every SQL-callable C function is
-- defined behind the boundary)
SELECT 'the session goes on' AS after_three_exceptions;
DROP EXTENSION customer_access_test;
