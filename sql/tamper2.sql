-- Tamper resistance 2 (SPEC, 1.3): publications that would freeze the grants, the
-- extension's operator families and its view are refused to a superuser without the exit.
\set ECHO none
\i test/sql/try.sql
\i test/sql/generated_tokens.sql
\set ECHO all
SET client_min_messages = error;  -- CREATE PUBLICATION warns about wal_level

-- A column list or a row filter on the extension's tables makes every UPDATE and DELETE fail
SELECT pg_temp.try($$CREATE PUBLICATION t2_cols FOR TABLE customer_access.external_access (id, notes)$$) AS column_list;
SELECT pg_temp.try($$CREATE PUBLICATION t2_rows FOR TABLE customer_access.external_access WHERE (notes IS NULL)$$) AS row_filter;
SELECT pg_temp.try($$CREATE PUBLICATION t2_hist FOR TABLE customer_access.external_access_history (id)$$) AS history_column_list;
-- The whole table may be published, and stays writable; a list added later is refused
SELECT pg_temp.try($$CREATE PUBLICATION t2_whole FOR TABLE customer_access.external_access$$) AS whole_table;
SELECT pg_temp.try($$ALTER PUBLICATION t2_whole SET TABLE customer_access.external_access (id, notes)$$) AS set_column_list;
SELECT pg_temp.try($$ALTER PUBLICATION t2_whole ADD TABLE customer_access.login_users WHERE (notes IS NULL)$$) AS add_row_filter;
INSERT INTO customer_access.external_access (customer_id, user_id, notes)
VALUES ('c7a00000-0000-0000-0000-000000000001', 'a7a00000-0000-0000-0000-000000000001', 'x');
SELECT pg_temp.try($$UPDATE customer_access.external_access SET notes = 'y' WHERE customer_id = 'c7a00000-0000-0000-0000-000000000001'$$) AS update_while_published;
SELECT pg_temp.try($$DELETE FROM customer_access.external_access WHERE customer_id = 'c7a00000-0000-0000-0000-000000000001'$$) AS delete_while_published;
DROP PUBLICATION t2_whole;
-- Other tables keep their column lists and row filters
CREATE TABLE t2_app (id int PRIMARY KEY, a text);
SELECT pg_temp.try($$CREATE PUBLICATION t2_app_pub FOR TABLE t2_app (id) WHERE (id > 0)$$) AS app_table_lists;
DROP PUBLICATION t2_app_pub;
DROP TABLE t2_app;
SELECT count(*) AS publications_left FROM pg_publication WHERE pubname LIKE 't2\_%';

-- The operator families take no new members, the type no new classes
SELECT pg_temp.try($$CREATE OPERATOR CLASS public.t2_class FOR TYPE customer_access.access_role USING btree
                     FAMILY customer_access.access_role_ops AS FUNCTION 4 (customer_access.access_role) btequalimage(oid)$$) AS class_into_family;
SELECT pg_temp.try($$CREATE OPERATOR CLASS public.t2_hash FOR TYPE customer_access.access_role USING hash
                     AS OPERATOR 1 customer_access.=, FUNCTION 1 hashint4(integer)$$) AS class_for_type;
SELECT count(*) AS classes_left FROM pg_opclass WHERE opcname LIKE 't2\_%';

-- The view's parameters are the extension's: security_invoker would change whose rights it reads with
SELECT pg_temp.try($$ALTER VIEW customer_access.roles SET (security_invoker = true)$$) AS view_security_invoker;
SELECT pg_temp.try($$ALTER TABLE customer_access.roles SET (check_option = local)$$) AS view_through_alter_table;
SELECT reloptions AS roles_view_options FROM pg_class WHERE oid = 'customer_access.roles'::regclass;
-- The tables' storage parameters stay allowed
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access SET (fillfactor = 90)$$) AS table_fillfactor;
SELECT pg_temp.try($$ALTER TABLE customer_access.external_access RESET (fillfactor)$$) AS table_reset;

-- The guard's and the purge's own catalog queries do not follow the caller's search_path:
-- operators a role put first in it are never chosen by a query that runs as superuser
CREATE SCHEMA t2_app;
CREATE FUNCTION t2_app.hijack(oid, oid) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$;
CREATE OPERATOR t2_app.= (LEFTARG = oid, RIGHTARG = oid, FUNCTION = t2_app.hijack);
CREATE FUNCTION t2_app.hijack_ts(timestamptz, timestamptz) RETURNS boolean LANGUAGE plpgsql AS $$BEGIN RAISE EXCEPTION 'hijacked'; END$$;
CREATE OPERATOR t2_app.< (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = t2_app.hijack_ts);
CREATE TABLE t2_app.dropme (a int);
SET search_path = t2_app, pg_catalog;
SELECT pg_temp.try($$DROP TABLE t2_app.dropme CASCADE$$) AS drop_cascade;
SELECT pg_temp.try($$ALTER TABLE ALL IN TABLESPACE pg_default SET TABLESPACE pg_default$$) AS move_all;
SELECT pg_temp.try($$SELECT customer_access.purge_history('1900-01-01')$$) AS purge;
RESET search_path;
DROP SCHEMA t2_app CASCADE;

-- trusted_keys refuses keys with which anyone can forge a signature (22023), keeps honest ones
SELECT k, pg_temp.try(format('INSERT INTO customer_access.trusted_keys (kid, jwk) VALUES (%L, %L)', kid, j)) AS outcome
  FROM (VALUES ('rsa_e_1', 'rs', jsonb_set(:'jwk_rs'::jsonb, '{e}', '"AQ"')),
               ('rsa_e_3', 'rs', jsonb_set(:'jwk_rs'::jsonb, '{e}', '"Aw"')),
               ('rsa_e_65535', 'rs', jsonb_set(:'jwk_rs'::jsonb, '{e}', '"AP__"')),
               ('ed_identity', 'ed', jsonb_set(:'jwk_ed'::jsonb, '{x}', '"AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"')),
               ('ed_order_8_sign_bit', 'ed', jsonb_set(:'jwk_ed'::jsonb, '{x}', '"JuiVj8KyJ7BFw_SJ8u-Y8NXfrAXTxjM5sTgCiG1T_IU"')),
               ('rsa_honest', 'rs', :'jwk_rs'::jsonb),
               ('ed_honest', 'ed', :'jwk_ed'::jsonb)) AS t(k, kid, j)
 ORDER BY k;
SELECT kid FROM customer_access.trusted_keys ORDER BY kid;
DELETE FROM customer_access.trusted_keys;

SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access WHERE customer_id = 'c7a00000-0000-0000-0000-000000000001';
RESET customer_access.allow_owner_revoke;
RESET client_min_messages;

-- The explicit policy form with an index on (customer, date) plans for every user expression:
-- the hoisted user and the date bound compose (no "cannot handle unplanned sub-select")
CREATE SCHEMA t2_plan;
CREATE TABLE t2_plan.inv (customer_id uuid NOT NULL, invoice_date date NOT NULL, n int);
CREATE INDEX ON t2_plan.inv (customer_id, invoice_date);
INSERT INTO t2_plan.inv SELECT 'c7a00000-0000-0000-0000-000000000002', current_date - i, i FROM generate_series(0, 99) i;
INSERT INTO t2_plan.inv SELECT 'c7a00000-0000-0000-0000-000000000003', current_date - i, i FROM generate_series(0, 99) i;
ANALYZE t2_plan.inv;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
VALUES ('c7a00000-0000-0000-0000-000000000002', 'a7a00000-0000-0000-0000-000000000002', 'L40', 10);
CREATE FUNCTION t2_plan.uid() RETURNS uuid LANGUAGE sql STABLE AS $$SELECT nullif(current_setting('app.user_id', true), '')::uuid$$;
CREATE FUNCTION t2_plan.uid_plpgsql() RETURNS uuid LANGUAGE plpgsql STABLE AS $$BEGIN RETURN nullif(current_setting('app.user_id', true), '')::uuid; END$$;
BEGIN;
SET LOCAL app.user_id = 'a7a00000-0000-0000-0000-000000000002';
SET LOCAL customer_access.user_id = 'a7a00000-0000-0000-0000-000000000002';
SELECT count(*) AS app_setting FROM t2_plan.inv WHERE customer_access.has_customer_access(current_setting('app.user_id')::uuid, customer_id, invoice_date, 'L40');
SELECT count(*) AS extension_setting FROM t2_plan.inv WHERE customer_access.has_customer_access(current_setting('customer_access.user_id')::uuid, customer_id, invoice_date, 'L40');
SELECT count(*) AS sql_function FROM t2_plan.inv WHERE customer_access.has_customer_access(t2_plan.uid(), customer_id, invoice_date, 'L40');
SELECT count(*) AS plpgsql_function FROM t2_plan.inv WHERE customer_access.has_customer_access(t2_plan.uid_plpgsql(), customer_id, invoice_date, 'L40');
SELECT count(*) AS sub_select FROM t2_plan.inv WHERE customer_access.has_customer_access((SELECT customer_access.current_user_id()), customer_id, invoice_date, 'L40');
SELECT count(*) AS hand_written FROM t2_plan.inv WHERE customer_id = 'c7a00000-0000-0000-0000-000000000002' AND invoice_date >= current_date - 10;
COMMIT;
SET customer_access.allow_owner_revoke = on;
DELETE FROM customer_access.external_access WHERE customer_id = 'c7a00000-0000-0000-0000-000000000002';
RESET customer_access.allow_owner_revoke;
DROP SCHEMA t2_plan CASCADE;
