-- What a SPEC conformance audit found (1.3).
SET search_path = customer_access, public;

-- An Owner never expires: expires_at stays NULL. 'infinity' is a given expires_at too, so it
-- is refused like any other (42501), on INSERT, on UPDATE and when a grant that has one is
-- made an Owner; NULL is how a grant says "never".
INSERT INTO external_access (customer_id, user_id, role, expires_at)
  VALUES ('c9000000-0000-0000-0000-000000000001', 'a9000000-0000-0000-0000-000000000001', 'Owner', 'infinity');
INSERT INTO external_access (customer_id, user_id, role, expires_at)
  VALUES ('c9000000-0000-0000-0000-000000000001', 'a9000000-0000-0000-0000-000000000001', 'Owner', NULL);
UPDATE external_access SET expires_at = 'infinity'
  WHERE user_id = 'a9000000-0000-0000-0000-000000000001';
INSERT INTO external_access (customer_id, user_id, role, expires_at)
  VALUES ('c9000000-0000-0000-0000-000000000001', 'a9000000-0000-0000-0000-000000000002', 'Admin', 'infinity');
UPDATE external_access SET role = 'Owner'
  WHERE user_id = 'a9000000-0000-0000-0000-000000000002';
-- clearing it on the way is fine
UPDATE external_access SET role = 'Owner', expires_at = NULL
  WHERE user_id = 'a9000000-0000-0000-0000-000000000002';
SELECT user_id, role, expires_at FROM external_access
  WHERE customer_id = 'c9000000-0000-0000-0000-000000000001' ORDER BY user_id;

SET customer_access.allow_owner_revoke = on;
DELETE FROM external_access WHERE customer_id = 'c9000000-0000-0000-0000-000000000001';
RESET customer_access.allow_owner_revoke;
