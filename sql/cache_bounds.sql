-- The per-query cache is bounded: a user with 100,000 grants, checked against every one of
-- them (and as many customers without a grant) in one query, gets every answer right.
SET max_parallel_workers_per_gather = 0;
CREATE TEMP TABLE many AS
  SELECT g, ('c9' || lpad(to_hex(g), 30, '0'))::uuid AS customer_id FROM generate_series(1, 200000) g;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
  SELECT customer_id, 'a9000000-0000-0000-0000-0000000100c0', (ARRAY['L20', 'L40'])[1 + g % 2]::customer_access.access_role,
         CASE WHEN g % 3 = 0 THEN NULL ELSE g % 1000 END
    FROM many WHERE g <= 100000;
SELECT count(*) AS grants FROM customer_access.external_access WHERE user_id = 'a9000000-0000-0000-0000-0000000100c0';

-- every customer, in order and then shuffled, for L20 undated, L40 undated and L20 dated
SELECT count(*) FILTER (WHERE customer_access.has_customer_access('a9000000-0000-0000-0000-0000000100c0', customer_id, 'L20')) AS l20,
       count(*) FILTER (WHERE customer_access.has_customer_access('a9000000-0000-0000-0000-0000000100c0', customer_id, 'L40')) AS l40,
       count(*) FILTER (WHERE customer_access.has_customer_access('a9000000-0000-0000-0000-0000000100c0', customer_id, current_date - 500, 'L20')) AS l20_500_days_ago
  FROM many;
SELECT count(*) FILTER (WHERE customer_access.has_customer_access('a9000000-0000-0000-0000-0000000100c0', customer_id, 'L40')
                        IS DISTINCT FROM (g <= 100000 AND g % 2 = 1)) AS wrong_answers
  FROM (SELECT * FROM many ORDER BY md5(g::text)) shuffled;
-- the ground truth of the dated check, with plain SQL
SELECT count(*) AS expected_l20_500_days_ago FROM many
 WHERE g <= 100000 AND (g % 3 = 0 OR g % 1000 >= 500);
-- the largest cache this session built stays within its bound (65,536 slots of 32 bytes and their fingerprints)
SELECT customer_access.peak_cache_bytes() <= 65536 * 33 AS bounded, customer_access.peak_cache_bytes() > 0 AS used;
-- and the user's grants are all listed
SELECT count(*) AS listed FROM customer_access.accessible_customers('a9000000-0000-0000-0000-0000000100c0');
SELECT cardinality(customer_access.accessible_customer_ids('a9000000-0000-0000-0000-0000000100c0', 'L40')) AS ids_l40;

-- No cliff: a 5-customer user checked against 200,000 distinct customers (four times what the
-- cache holds) is bulk-loaded once; the misses are not stored, so the cache never starts
-- over and no row is looked up on its own after the first 63.
INSERT INTO customer_access.external_access (customer_id, user_id, role)
  SELECT customer_id, 'a9000000-0000-0000-0000-0000000100c1', 'L20' FROM many WHERE g % 40000 = 7;
CREATE TEMP TABLE stats_before AS SELECT * FROM customer_access.cache_stats();
SELECT count(*) FILTER (WHERE customer_access.has_customer_access('a9000000-0000-0000-0000-0000000100c1', customer_id, 'L20')) AS five_seen
  FROM (SELECT * FROM many ORDER BY md5(g::text)) shuffled;
SELECT s.bulk_loads - b.bulk_loads AS bulk_loads, s.index_lookups - b.index_lookups AS index_lookups
  FROM customer_access.cache_stats() s, stats_before b;
DELETE FROM customer_access.external_access WHERE user_id = 'a9000000-0000-0000-0000-0000000100c1';

DELETE FROM customer_access.external_access WHERE user_id = 'a9000000-0000-0000-0000-0000000100c0';
