\set u random(1, 200)
BEGIN;
SELECT set_config('customer_access.user_id', soak.id('user', :u)::text, true);
SELECT count(*) FROM soak.orders;
SELECT count(*) FROM soak.orders WHERE customer_id = soak.id('customer', :u % 40);
COMMIT;
