-- scripts/soak: a policy-protected orders table, 200 users x 40 customers, and the writers'
-- own log of every change they make (in the same transaction as the change).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS customer_access;
DROP SCHEMA IF EXISTS soak CASCADE;
CREATE SCHEMA soak;
CREATE FUNCTION soak.id(kind text, n integer) RETURNS uuid LANGUAGE sql IMMUTABLE
    AS $$ SELECT (CASE kind WHEN 'customer' THEN 'cd' ELSE 'ad' END || lpad(to_hex(n), 30, '0'))::uuid $$;
CREATE TABLE soak.orders (id int PRIMARY KEY, customer_id uuid NOT NULL, order_date date NOT NULL);
INSERT INTO soak.orders SELECT g, soak.id('customer', g % 40), current_date - g % 500 FROM generate_series(1, 100000) g;
CREATE INDEX ON soak.orders (customer_id);
ANALYZE soak.orders;
CREATE TABLE soak.log (
    n bigserial PRIMARY KEY, user_no int, customer_no int, op text, role customer_access.access_role,
    days integer, rows_changed int);
SELECT coalesce(max(history_id), 0) AS since FROM customer_access.external_access_history \gset
CREATE TABLE soak.start AS SELECT :since::bigint AS history_since;

-- One writer transaction: grant (create or change) or revoke, never an Owner, logged.
CREATE FUNCTION soak.change(u int, c int, pick int) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    r customer_access.access_role := (ARRAY['L10', 'L20', 'L30', 'L40', 'L80'])[1 + pick % 5];
    d integer := (ARRAY[NULL, 0, 30, 365])[1 + pick % 4];
    changed int;
BEGIN
    IF pick % 3 = 0 THEN
        DELETE FROM customer_access.external_access WHERE user_id = soak.id('user', u) AND customer_id = soak.id('customer', c);
        GET DIAGNOSTICS changed = ROW_COUNT;
        INSERT INTO soak.log (user_no, customer_no, op, rows_changed) VALUES (u, c, 'revoke', changed);
    ELSE
        INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
        VALUES (soak.id('customer', c), soak.id('user', u), r, d)
        ON CONFLICT (user_id, customer_id) DO UPDATE SET role = EXCLUDED.role, days_back_access = EXCLUDED.days_back_access;
        INSERT INTO soak.log (user_no, customer_no, op, role, days, rows_changed) VALUES (u, c, 'grant', r, d, 1);
    END IF;
END $$;

DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'soak_portal') THEN CREATE ROLE soak_portal; END IF;
END $$;
GRANT USAGE ON SCHEMA soak TO soak_portal;
GRANT SELECT ON soak.orders TO soak_portal;
ALTER TABLE soak.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal ON soak.orders FOR SELECT TO soak_portal
    USING (customer_access.can_access(customer_id, order_date, 'L20'));
