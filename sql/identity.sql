-- The application user: customer_access.user_id and current_user_id().
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SET search_path = customer_access, public;
-- This suite gives the application user once per session (scope 'session', as in 1.1);
-- identity_modes covers the transaction scope and the other modes.
SET customer_access.identity_scope = session;

-- Unset or empty: NULL
SELECT current_user_id() IS NULL AS unset_is_null;
SET customer_access.user_id = '';
SELECT current_user_id() IS NULL AS empty_is_null;
-- SET, SET LOCAL, set_config; every uuid spelling PostgreSQL accepts
SET customer_access.user_id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11';
SELECT current_user_id();
SET customer_access.user_id = '{A0EEBC99-9C0B4EF8-BB6D6BB9-BD380A12}';
SELECT current_user_id();
BEGIN;
SET LOCAL customer_access.user_id = 'a0eebc999c0b4ef8bb6d6bb9bd380a13';
SELECT current_user_id();
ROLLBACK;
SELECT current_user_id();
SELECT set_config('customer_access.user_id', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a14', true) IS NOT NULL AS set_local;
SELECT current_user_id();
SELECT set_config('customer_access.user_id', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a15', false) IS NOT NULL AS set_session;
SELECT current_user_id();
RESET customer_access.user_id;
SELECT current_user_id() IS NULL AS reset_is_null;

-- Not a uuid: 22P02, and the setting keeps its value
SET customer_access.user_id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a16';
SELECT v, pg_temp.try(format('SET customer_access.user_id = %L', v))
  FROM unnest(ARRAY['not-a-uuid', ' a2000000-0000-0000-0000-000000000001', 'a2000000-0000-0000-0000-00000000001',
                    '42', 'NULL']) AS v;
SELECT pg_temp.try($$SELECT set_config('customer_access.user_id', 'x', true)$$);
SELECT current_user_id();

-- The prefix is reserved: a typo'd setting is an error, not a silent placeholder
SELECT pg_temp.try($$SET customer_access.userid = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'$$);
SELECT pg_temp.try($$SET customer_access.allow_owner_revokes = on$$);

-- STABLE, PARALLEL SAFE, EXECUTE for PUBLIC
SELECT provolatile, proparallel, has_function_privilege('public', oid, 'EXECUTE') AS public_execute
  FROM pg_proc WHERE oid = 'customer_access.current_user_id()'::regprocedure;

-- A value SET before the module was loaded in a session is checked when it is used
\c
SET customer_access.user_id = 'not-a-uuid';
\set ECHO none
\i test/sql/try.sql
\set ECHO all
SELECT pg_temp.try($$SELECT customer_access.current_user_id()$$) AS after_late_load;
\c
SET customer_access.identity_scope = session;
SET customer_access.user_id = 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a17';
SELECT customer_access.current_user_id() AS late_loaded_valid;

-- ... and a non-superuser's SET of the Owner exit before the module loads opens nothing
\c
CREATE ROLE ca_identity_user;
SET ROLE ca_identity_user;
SET customer_access.allow_owner_revoke = on;
SHOW customer_access.allow_owner_revoke;
SELECT customer_access.current_user_id() IS NULL AS loads_module;
SHOW customer_access.allow_owner_revoke;
RESET ROLE;
DROP ROLE ca_identity_user;
