-- The Client Center: a B2B portal's data, protected by customer_access.
-- Load into a database where CREATE EXTENSION customer_access is allowed:
--   psql -v ON_ERROR_STOP=1 -f examples/client_center.sql
CREATE EXTENSION IF NOT EXISTS customer_access;
CREATE SCHEMA client_center;
SET search_path = client_center, customer_access, public;

-- The application's own tables -------------------------------------------------------
CREATE TABLE customers (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE users (id uuid PRIMARY KEY, name text NOT NULL);
CREATE TABLE sales_orders (
    id integer PRIMARY KEY, customer_id uuid NOT NULL REFERENCES customers, order_date date NOT NULL,
    item text NOT NULL, quantity integer NOT NULL,
    price numeric(10, 2) NOT NULL, discount numeric(4, 2) NOT NULL, amount numeric(12, 2) NOT NULL);
CREATE INDEX ON sales_orders (customer_id);
CREATE TABLE invoices (
    id integer PRIMARY KEY, customer_id uuid NOT NULL REFERENCES customers, invoice_date date NOT NULL,
    due_date date NOT NULL, amount numeric(12, 2) NOT NULL, paid boolean NOT NULL);
CREATE INDEX ON invoices (customer_id);
CREATE TABLE payments (
    id integer PRIMARY KEY, customer_id uuid NOT NULL REFERENCES customers, paid_on date NOT NULL,
    amount numeric(12, 2) NOT NULL);
CREATE INDEX ON payments (customer_id);

INSERT INTO customers VALUES
    ('c0000000-0000-0000-0000-0000000000a1', 'Acme Corp'),
    ('c0000000-0000-0000-0000-0000000000b2', 'Globex Ltd');
INSERT INTO users VALUES
    ('a0000000-0000-0000-0000-000000000010', 'Ann (Basic)'),
    ('a0000000-0000-0000-0000-000000000020', 'Bob (Orders, 30 days)'),
    ('a0000000-0000-0000-0000-000000000030', 'Cat (Orders with Prices, 90 days)'),
    ('a0000000-0000-0000-0000-000000000040', 'Dan (Billing)'),
    ('a0000000-0000-0000-0000-000000000080', 'Eve (Admin)'),
    ('a0000000-0000-0000-0000-000000000090', 'Fay (Owner)'),
    ('a0000000-0000-0000-0000-0000000000ee', 'Gus (new)'),
    ('a0000000-0000-0000-0000-0000000000c1', 'Hal (contractor, until yesterday)'),
    ('a0000000-0000-0000-0000-0000000000c2', 'Jo (new clerk)');

-- Orders, invoices and payments of the last year, for both customers
INSERT INTO sales_orders
SELECT n, CASE WHEN n % 3 = 0 THEN 'c0000000-0000-0000-0000-0000000000b2'::uuid ELSE 'c0000000-0000-0000-0000-0000000000a1' END,
       current_date - (n * 37) % 365, (ARRAY['bolts', 'nuts', 'gears', 'springs'])[1 + n % 4], 1 + n % 9,
       10 + n % 50, (n % 4) * 0.05, (1 + n % 9) * (10 + n % 50) * (1 - (n % 4) * 0.05)
  FROM generate_series(1, 24) n;
INSERT INTO invoices
SELECT n, CASE WHEN n % 3 = 0 THEN 'c0000000-0000-0000-0000-0000000000b2'::uuid ELSE 'c0000000-0000-0000-0000-0000000000a1' END,
       current_date - (n * 41) % 365, current_date - (n * 41) % 365 + 30, 100 * n, n % 2 = 0
  FROM generate_series(1, 12) n;
INSERT INTO payments
SELECT n, CASE WHEN n % 3 = 0 THEN 'c0000000-0000-0000-0000-0000000000b2'::uuid ELSE 'c0000000-0000-0000-0000-0000000000a1' END,
       current_date - (n * 53) % 365, 200 * n
  FROM generate_series(1, 6) n;

-- Grants: one user per role on Acme; the Admin also sees Globex ---------------------
-- Foreign keys from the grants table to the application's customers and users
ALTER TABLE external_access
    ADD CONSTRAINT external_access_customer_fk FOREIGN KEY (customer_id) REFERENCES client_center.customers ON DELETE CASCADE,
    ADD CONSTRAINT external_access_user_fk FOREIGN KEY (user_id) REFERENCES client_center.users ON DELETE CASCADE;
INSERT INTO external_access (customer_id, user_id, role, days_back_access, notes) VALUES
    ('c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-000000000010', 'Basic', NULL, 'profile only'),
    ('c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-000000000020', 'Orders', 30, 'warehouse clerk'),
    ('c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-000000000030', 'OrdersWithPrices', 90, 'buyer'),
    ('c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-000000000040', 'Billing', NULL, 'accounts payable'),
    ('c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-000000000080', 'Admin', NULL, 'IT admin'),
    ('c0000000-0000-0000-0000-0000000000b2', 'a0000000-0000-0000-0000-000000000080', 'Admin', 180, 'IT admin, sister company'),
    ('c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-000000000090', 'Owner', NULL, 'managing director');
-- Temporary access (1.3): Hal's contract ended yesterday; his grant is still there, expired.
INSERT INTO external_access (customer_id, user_id, role, days_back_access, notes, expires_at) VALUES
    ('c0000000-0000-0000-0000-0000000000a1', 'a0000000-0000-0000-0000-0000000000c1', 'Orders', 90, 'contractor',
     current_date - 1);

-- The portal's database role and its policies ----------------------------------------
DO $$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'portal') THEN CREATE ROLE portal; END IF;
END $$;
GRANT USAGE ON SCHEMA client_center TO portal;
GRANT SELECT ON customers, invoices, payments TO portal;
-- Self-service user management: the portal role may change grants; row security on the
-- grants table lets only a customer's Admins and Owners do so, up to what they hold.
GRANT SELECT, INSERT, UPDATE, DELETE ON customer_access.external_access TO portal;

ALTER TABLE customers ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal_customers ON customers FOR SELECT TO portal
    USING (customer_access.can_access(id, 'Basic'));
ALTER TABLE invoices ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal_invoices ON invoices FOR SELECT TO portal
    USING (customer_access.can_access(customer_id, invoice_date, 'Billing'));
ALTER TABLE payments ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal_payments ON payments FOR SELECT TO portal
    USING (customer_access.can_access(customer_id, paid_on, 'Billing'));
ALTER TABLE sales_orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal_orders ON sales_orders FOR SELECT TO portal
    USING (customer_access.can_access(customer_id, order_date, 'Orders'));

-- L20 sees orders without Price, Discount and Amount; L30 and up see them. The portal reads
-- this view only (no grant on sales_orders): security_barrier keeps the portal's own
-- predicates from running before the check.
CREATE VIEW order_lines WITH (security_barrier) AS
SELECT o.id, o.customer_id, o.order_date, o.item, o.quantity,
       CASE WHEN customer_access.can_access(o.customer_id, o.order_date, 'OrdersWithPrices') THEN o.price END AS price,
       CASE WHEN customer_access.can_access(o.customer_id, o.order_date, 'OrdersWithPrices') THEN o.discount END AS discount,
       CASE WHEN customer_access.can_access(o.customer_id, o.order_date, 'OrdersWithPrices') THEN o.amount END AS amount
  FROM sales_orders o
 WHERE customer_access.can_access(o.customer_id, o.order_date, 'Orders');
GRANT SELECT ON order_lines TO portal;
COMMENT ON VIEW order_lines IS 'Sales orders for the portal: prices only for OrdersWithPrices (L30) and up';
