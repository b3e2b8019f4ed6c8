-- The type customer_access.access_role: every point of SPEC's "Type" section.
SET search_path = customer_access, public;
\set ECHO none
\i test/sql/try.sql
\i test/sql/explain.sql
\set ECHO all

-- Fixed length, passed by value
SELECT typlen, typbyval, typalign, typcategory FROM pg_type WHERE oid = 'customer_access.access_role'::regtype;

-- Input: codes and API names, case-insensitive, surrounding white space ignored; output: the code
SELECT v, v::access_role AS role
  FROM unnest(ARRAY['L10', 'L20', 'L30', 'L40', 'L80', 'L90',
                    'Basic', 'Orders', 'OrdersWithPrices', 'Billing', 'Admin', 'Owner',
                    'l10', 'ordersWITHprices', 'OWNER', '  L40  ', E'\tadmin\n', 'basic ']) AS v;

-- Anything else: 22P02 with a HINT listing the valid values
SELECT v, pg_temp.try(format('SELECT %L::customer_access.access_role', v))
  FROM unnest(ARRAY['', 'L3', 'L300', 'L50', 'L30x', 'Orders With Prices', 'Ownér', repeat('L', 100)]) AS v;
-- pg_input_is_valid does not exist in PostgreSQL 15; check the SQLSTATE of a batch of bad values
DO $$
DECLARE v text;
BEGIN
  FOREACH v IN ARRAY ARRAY['', ' ', 'L', 'L1', 'L00', 'L-10', '10', 'Lten', 'Basic,', 'L10 L20', 'Ord'] LOOP
    BEGIN
      PERFORM v::customer_access.access_role;
      RAISE NOTICE '% was accepted', quote_literal(v);
    EXCEPTION WHEN invalid_text_representation THEN
      NULL;
    END;
  END LOOP;
  RAISE NOTICE 'all rejected with 22P02';
END $$;

-- Accessors and the view
SELECT code, level, api_name, description, grants FROM roles ORDER BY code;
SELECT level('L80'), api_name('L30'), description('L30'), grants('L90');
SELECT count(*) FROM roles;

-- Casts: text both ways, integer both ways (explicit)
SELECT 'L20'::access_role::text, 'owner'::text::access_role, 'L40'::access_role::integer, 80::access_role;
SELECT i, i::access_role FROM unnest(ARRAY[10, 20, 30, 40, 80, 90]) AS i;
SELECT i, pg_temp.try(format('SELECT (%s)::integer::customer_access.access_role', i))
  FROM unnest(ARRAY[50, 0, -10, 9, 11, 100, 2147483647, -2147483648]) AS i;
-- integer to role is not implicit
SELECT level(30);
CREATE TEMP TABLE cast_target (r customer_access.access_role);
INSERT INTO cast_target VALUES (30);
INSERT INTO cast_target VALUES ('Billing'::text);
SELECT r FROM cast_target;

-- Total order: the six operators on every pair
SELECT a, b, a = b AS eq, a <> b AS ne, a < b AS lt, a <= b AS le, a > b AS gt, a >= b AS ge,
       access_role_cmp(a, b) AS cmp
  FROM all_roles() a, all_roles() b WHERE a IN ('L10', 'L30', 'L90') AND b IN ('L20', 'L30', 'L80')
 ORDER BY a, b;

-- Operator metadata: commutators, negators, estimators, MERGES/HASHES
SELECT oprname, oprcom::regoperator IS NOT NULL AS has_commutator,
       oprnegate::regoperator IS NOT NULL AS has_negator, oprrest, oprjoin, oprcanmerge, oprcanhash
  FROM pg_operator WHERE oprleft = 'customer_access.access_role'::regtype ORDER BY oprname;

-- Default btree and hash operator classes
SELECT am.amname, opc.opcname, opc.opcdefault FROM pg_opclass opc JOIN pg_am am ON am.oid = opc.opcmethod
 WHERE opc.opcintype = 'customer_access.access_role'::regtype ORDER BY am.amname;

-- ORDER BY, DISTINCT, GROUP BY, min(), max()
CREATE TEMP TABLE grants_sample AS
  SELECT g AS id, (ARRAY['L90','L10','L40','L30','L20','L80','L30','L10'])[1 + g % 8]::customer_access.access_role AS role
    FROM generate_series(1, 800) g;
SELECT role FROM grants_sample ORDER BY role DESC LIMIT 3;
SELECT DISTINCT role FROM grants_sample ORDER BY role;
SELECT role, count(*) FROM grants_sample GROUP BY role ORDER BY role;
SELECT min(role), max(role) FROM grants_sample;
SELECT min(role), max(role) FROM grants_sample WHERE id < 0;
SET enable_hashagg = off;
SELECT role, count(*) FROM grants_sample GROUP BY role ORDER BY role;
RESET enable_hashagg;
SET enable_sort = off;
SELECT count(*) FROM (SELECT DISTINCT role FROM grants_sample) d;
RESET enable_sort;

-- A btree index serves a range query (and min/max)
CREATE INDEX ON grants_sample (role);
ANALYZE grants_sample;
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM grants_sample WHERE role >= 'L40' AND role < 'L90';
SELECT count(*) FROM grants_sample WHERE role >= 'L40' AND role < 'L90';
SELECT * FROM pg_temp.explain($$SELECT max(role) FROM grants_sample$$);
SELECT max(role) FROM grants_sample;
RESET enable_seqscan;
RESET enable_bitmapscan;

-- A hash index
CREATE INDEX grants_sample_hash ON grants_sample USING hash (role);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
EXPLAIN (COSTS OFF) SELECT count(*) FROM grants_sample WHERE role = 'L80';
SELECT count(*) FROM grants_sample WHERE role = 'L80';
RESET enable_seqscan;
RESET enable_bitmapscan;

-- Hash join and merge join give the same results
CREATE TEMP TABLE role_names AS SELECT code AS role, api_name FROM customer_access.roles;
ANALYZE role_names;
SET enable_nestloop = off;
SET enable_mergejoin = off;
EXPLAIN (COSTS OFF) SELECT r.api_name, count(*) FROM grants_sample g JOIN role_names r USING (role) GROUP BY r.api_name;
SELECT r.api_name, count(*) FROM grants_sample g JOIN role_names r USING (role) GROUP BY r.api_name ORDER BY 1;
RESET enable_mergejoin;
SET enable_hashjoin = off;
EXPLAIN (COSTS OFF) SELECT r.api_name, count(*) FROM grants_sample g JOIN role_names r USING (role) GROUP BY r.api_name;
SELECT r.api_name, count(*) FROM grants_sample g JOIN role_names r USING (role) GROUP BY r.api_name ORDER BY 1;
RESET enable_hashjoin;
RESET enable_nestloop;

-- Hash partitioning uses the extended hash function
CREATE TEMP TABLE by_role (role customer_access.access_role) PARTITION BY HASH (role);
CREATE TEMP TABLE by_role_0 PARTITION OF by_role FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TEMP TABLE by_role_1 PARTITION OF by_role FOR VALUES WITH (MODULUS 2, REMAINDER 1);
INSERT INTO by_role SELECT role FROM grants_sample;
SELECT count(*) FROM by_role;

-- JSON output is the code
SELECT to_json('Owner'::access_role), json_build_object('role', 'L20'::access_role),
       row_to_json(r) FROM (SELECT 'billing'::access_role AS role, 1 AS n) r;
SELECT jsonb_agg(code ORDER BY code) FROM roles;

-- Binary send/receive: COPY BINARY round trip
CREATE TEMP TABLE copy_src (id int, role customer_access.access_role);
INSERT INTO copy_src SELECT level, code FROM roles;
COPY copy_src TO '/tmp/customer_access_roles.bin' WITH (FORMAT binary);
CREATE TEMP TABLE copy_dst (LIKE copy_src);
COPY copy_dst FROM '/tmp/customer_access_roles.bin' WITH (FORMAT binary);
SELECT s.id, s.role, d.role, s.role = d.role AS same FROM copy_src s JOIN copy_dst d USING (id) ORDER BY s.id;
SELECT access_role_send('L80');
-- Invalid binary input: 22P03 (a one-byte level 50, two bytes, no byte)
SELECT pg_temp.try($c$COPY copy_dst FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\1\0\0\0\1\62\377\377'$$ WITH (FORMAT binary)$c$);
SELECT pg_temp.try($c$COPY copy_dst FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\1\0\0\0\2\36\36\377\377'$$ WITH (FORMAT binary)$c$);
SELECT pg_temp.try($c$COPY copy_dst FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\1\0\0\0\0\377\377'$$ WITH (FORMAT binary)$c$);
-- and a valid one (level 40 = \50)
COPY copy_dst FROM PROGRAM $$printf 'PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0\0\2\0\0\0\4\0\0\0\7\0\0\0\1\50\377\377'$$ WITH (FORMAT binary);
SELECT role FROM copy_dst WHERE id = 7;

-- Documentation: every object has a comment
SELECT count(*) AS uncommented_functions FROM pg_proc p JOIN pg_depend d ON d.objid = p.oid
 JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'customer_access'
 WHERE obj_description(p.oid, 'pg_proc') IS NULL;
SELECT obj_description('customer_access.access_role'::regtype, 'pg_type') IS NOT NULL AS type_commented;

-- Comparisons, min() and max() work whatever the search_path
RESET search_path;
SELECT 'L30'::customer_access.access_role < 'L40' AS lt, 'Owner'::customer_access.access_role = 'L90' AS eq,
       max(r), min(r) FROM customer_access.all_roles() r;
SELECT oprnamespace::regnamespace, count(*) FROM pg_operator
 WHERE oprleft = 'customer_access.access_role'::regtype GROUP BY 1;
