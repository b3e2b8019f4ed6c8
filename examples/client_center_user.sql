-- One user's view of the Client Center (included by client_center_tour.sql with :user_id set).
SELECT name AS user_name FROM client_center.users WHERE id = :'user_id' \gset
\echo
\echo '==' :user_name 'sees, through the portal role and its policies:'
BEGIN;
SET LOCAL ROLE portal;
SET LOCAL customer_access.user_id = :'user_id';
SELECT (SELECT string_agg(name, ', ' ORDER BY name) FROM customers) AS customers,
       (SELECT count(*) FROM order_lines) AS orders,
       (SELECT min(order_date) FROM order_lines) AS oldest_order,
       (SELECT count(price) FROM order_lines) AS orders_with_prices,
       (SELECT count(*) FROM invoices) AS invoices,
       (SELECT count(*) FROM payments) AS payments;
SELECT order_date, item, quantity, price, discount, amount FROM order_lines ORDER BY order_date DESC, id LIMIT 3;
COMMIT;
