-- ---------------------------------------------------------------------------
-- Type customer_access.access_role
-- ---------------------------------------------------------------------------
CREATE TYPE @extschema@.access_role;

CREATE FUNCTION @extschema@.access_role_in(cstring) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_out(@extschema@.access_role) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_recv(internal) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_send(@extschema@.access_role) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE @extschema@.access_role (
    INPUT = @extschema@.access_role_in,
    OUTPUT = @extschema@.access_role_out,
    RECEIVE = @extschema@.access_role_recv,
    SEND = @extschema@.access_role_send,
    INTERNALLENGTH = 1,
    PASSEDBYVALUE,
    ALIGNMENT = char,
    STORAGE = plain,
    CATEGORY = 'U'
);
COMMENT ON TYPE @extschema@.access_role IS
    'Customer access role, ordered by level: L10 Basic < L20 Orders < L30 OrdersWithPrices < L40 Billing < L80 Admin < L90 Owner. Input: code or API name, case-insensitive; output: the code.';
COMMENT ON FUNCTION @extschema@.access_role_in(cstring) IS 'Text input of access_role: a code (L30) or an API name (OrdersWithPrices)';
COMMENT ON FUNCTION @extschema@.access_role_out(@extschema@.access_role) IS 'Text output of access_role: the code';
COMMENT ON FUNCTION @extschema@.access_role_recv(internal) IS 'Binary input of access_role: one byte, the level';
COMMENT ON FUNCTION @extschema@.access_role_send(@extschema@.access_role) IS 'Binary output of access_role: one byte, the level';

-- Comparison
CREATE FUNCTION @extschema@.access_role_eq(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_ne(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_lt(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_le(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_gt(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_ge(@extschema@.access_role, @extschema@.access_role) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_cmp(@extschema@.access_role, @extschema@.access_role) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_sortsupport(internal) RETURNS void
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_hash(@extschema@.access_role) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_hash_extended(@extschema@.access_role, bigint) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.access_role_eq(@extschema@.access_role, @extschema@.access_role) IS 'access_role equality';
COMMENT ON FUNCTION @extschema@.access_role_ne(@extschema@.access_role, @extschema@.access_role) IS 'access_role inequality';
COMMENT ON FUNCTION @extschema@.access_role_lt(@extschema@.access_role, @extschema@.access_role) IS 'access_role less than (by level)';
COMMENT ON FUNCTION @extschema@.access_role_le(@extschema@.access_role, @extschema@.access_role) IS 'access_role less than or equal (by level)';
COMMENT ON FUNCTION @extschema@.access_role_gt(@extschema@.access_role, @extschema@.access_role) IS 'access_role greater than (by level)';
COMMENT ON FUNCTION @extschema@.access_role_ge(@extschema@.access_role, @extschema@.access_role) IS 'access_role greater than or equal (by level)';
COMMENT ON FUNCTION @extschema@.access_role_cmp(@extschema@.access_role, @extschema@.access_role) IS 'btree comparison of access_role (by level)';
COMMENT ON FUNCTION @extschema@.access_role_sortsupport(internal) IS 'btree sort support for access_role';
COMMENT ON FUNCTION @extschema@.access_role_hash(@extschema@.access_role) IS 'hash of access_role';
COMMENT ON FUNCTION @extschema@.access_role_hash_extended(@extschema@.access_role, bigint) IS 'seeded hash of access_role';

-- The comparison operators and min()/max() live in pg_catalog, like those of the built-in
-- types, so role >= 'L20' and max(role) work whatever the search_path; everything else is in
-- the extension's schema.
CREATE OPERATOR pg_catalog.= (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_eq, COMMUTATOR = OPERATOR(pg_catalog.=),
    NEGATOR = OPERATOR(pg_catalog.<>), RESTRICT = eqsel, JOIN = eqjoinsel, HASHES, MERGES);
CREATE OPERATOR pg_catalog.<> (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_ne, COMMUTATOR = OPERATOR(pg_catalog.<>),
    NEGATOR = OPERATOR(pg_catalog.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR pg_catalog.< (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_lt, COMMUTATOR = OPERATOR(pg_catalog.>),
    NEGATOR = OPERATOR(pg_catalog.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR pg_catalog.<= (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_le, COMMUTATOR = OPERATOR(pg_catalog.>=),
    NEGATOR = OPERATOR(pg_catalog.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR pg_catalog.> (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_gt, COMMUTATOR = OPERATOR(pg_catalog.<),
    NEGATOR = OPERATOR(pg_catalog.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR pg_catalog.>= (
    LEFTARG = @extschema@.access_role, RIGHTARG = @extschema@.access_role,
    FUNCTION = @extschema@.access_role_ge, COMMUTATOR = OPERATOR(pg_catalog.<=),
    NEGATOR = OPERATOR(pg_catalog.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);
COMMENT ON OPERATOR pg_catalog.= (@extschema@.access_role, @extschema@.access_role) IS 'equal';
COMMENT ON OPERATOR pg_catalog.<> (@extschema@.access_role, @extschema@.access_role) IS 'not equal';
COMMENT ON OPERATOR pg_catalog.< (@extschema@.access_role, @extschema@.access_role) IS 'lower level than';
COMMENT ON OPERATOR pg_catalog.<= (@extschema@.access_role, @extschema@.access_role) IS 'lower or same level';
COMMENT ON OPERATOR pg_catalog.> (@extschema@.access_role, @extschema@.access_role) IS 'higher level than';
COMMENT ON OPERATOR pg_catalog.>= (@extschema@.access_role, @extschema@.access_role) IS 'higher or same level (includes the rights of)';

CREATE OPERATOR CLASS @extschema@.access_role_ops
    DEFAULT FOR TYPE @extschema@.access_role USING btree AS
        OPERATOR 1 pg_catalog.<,
        OPERATOR 2 pg_catalog.<=,
        OPERATOR 3 pg_catalog.=,
        OPERATOR 4 pg_catalog.>=,
        OPERATOR 5 pg_catalog.>,
        FUNCTION 1 @extschema@.access_role_cmp(@extschema@.access_role, @extschema@.access_role),
        FUNCTION 2 @extschema@.access_role_sortsupport(internal);
CREATE OPERATOR CLASS @extschema@.access_role_hash_ops
    DEFAULT FOR TYPE @extschema@.access_role USING hash AS
        OPERATOR 1 pg_catalog.=,
        FUNCTION 1 @extschema@.access_role_hash(@extschema@.access_role),
        FUNCTION 2 @extschema@.access_role_hash_extended(@extschema@.access_role, bigint);
COMMENT ON OPERATOR CLASS @extschema@.access_role_ops USING btree IS 'access_role ordered by level';
COMMENT ON OPERATOR CLASS @extschema@.access_role_hash_ops USING hash IS 'access_role hashing by level';
COMMENT ON OPERATOR FAMILY @extschema@.access_role_ops USING btree IS 'access_role ordered by level';
COMMENT ON OPERATOR FAMILY @extschema@.access_role_hash_ops USING hash IS 'access_role hashing by level';

-- min() and max()
CREATE FUNCTION @extschema@.access_role_smaller(@extschema@.access_role, @extschema@.access_role) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role_larger(@extschema@.access_role, @extschema@.access_role) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.access_role_smaller(@extschema@.access_role, @extschema@.access_role) IS 'the lower of two roles';
COMMENT ON FUNCTION @extschema@.access_role_larger(@extschema@.access_role, @extschema@.access_role) IS 'the higher of two roles';
CREATE AGGREGATE pg_catalog.min(@extschema@.access_role) (
    SFUNC = @extschema@.access_role_smaller, STYPE = @extschema@.access_role,
    COMBINEFUNC = @extschema@.access_role_smaller, SORTOP = OPERATOR(pg_catalog.<), PARALLEL = SAFE);
CREATE AGGREGATE pg_catalog.max(@extschema@.access_role) (
    SFUNC = @extschema@.access_role_larger, STYPE = @extschema@.access_role,
    COMBINEFUNC = @extschema@.access_role_larger, SORTOP = OPERATOR(pg_catalog.>), PARALLEL = SAFE);
COMMENT ON AGGREGATE pg_catalog.min(@extschema@.access_role) IS 'lowest role';
COMMENT ON AGGREGATE pg_catalog.max(@extschema@.access_role) IS 'highest role';

-- Casts and accessors
CREATE FUNCTION @extschema@.level(@extschema@.access_role) RETURNS integer
    AS 'MODULE_PATHNAME', 'access_role_level' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.access_role(integer) RETURNS @extschema@.access_role
    AS 'MODULE_PATHNAME', 'access_role_from_integer' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.api_name(@extschema@.access_role) RETURNS text
    AS 'MODULE_PATHNAME', 'access_role_api_name' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.description(@extschema@.access_role) RETURNS text
    AS 'MODULE_PATHNAME', 'access_role_description' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.grants(@extschema@.access_role) RETURNS text
    AS 'MODULE_PATHNAME', 'access_role_grants' LANGUAGE C IMMUTABLE STRICT LEAKPROOF PARALLEL SAFE;
CREATE FUNCTION @extschema@.all_roles() RETURNS SETOF @extschema@.access_role
    AS 'MODULE_PATHNAME', 'access_role_all' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 6;
COMMENT ON FUNCTION @extschema@.level(@extschema@.access_role) IS 'the level of a role: 10, 20, 30, 40, 80 or 90';
COMMENT ON FUNCTION @extschema@.access_role(integer) IS 'the role with this level; any other integer is an error (22023)';
COMMENT ON FUNCTION @extschema@.api_name(@extschema@.access_role) IS 'the API name of a role, e.g. OrdersWithPrices';
COMMENT ON FUNCTION @extschema@.description(@extschema@.access_role) IS 'the human description of a role, e.g. Orders with Prices';
COMMENT ON FUNCTION @extschema@.grants(@extschema@.access_role) IS 'what a role grants, in words';
COMMENT ON FUNCTION @extschema@.all_roles() IS 'the six roles, lowest first';

CREATE CAST (@extschema@.access_role AS integer) WITH FUNCTION @extschema@.level(@extschema@.access_role);
CREATE CAST (integer AS @extschema@.access_role) WITH FUNCTION @extschema@.access_role(integer);
CREATE CAST (@extschema@.access_role AS text) WITH INOUT AS ASSIGNMENT;
CREATE CAST (text AS @extschema@.access_role) WITH INOUT AS ASSIGNMENT;
COMMENT ON CAST (@extschema@.access_role AS integer) IS 'the level (explicit)';
COMMENT ON CAST (integer AS @extschema@.access_role) IS 'the role of a level (explicit); no level: 22023';
COMMENT ON CAST (@extschema@.access_role AS text) IS 'the code';
COMMENT ON CAST (text AS @extschema@.access_role) IS 'a code or API name';

CREATE VIEW @extschema@.roles AS
    SELECT r AS code, @extschema@.level(r) AS level, @extschema@.api_name(r) AS api_name,
           @extschema@.description(r) AS description, @extschema@.grants(r) AS grants
      FROM @extschema@.all_roles() AS r;
COMMENT ON VIEW @extschema@.roles IS 'The six access roles with their levels, API names, descriptions and what each grants';
COMMENT ON COLUMN @extschema@.roles.code IS 'the role code, e.g. L30';
COMMENT ON COLUMN @extschema@.roles.level IS 'the level; each role includes all lower levels';
COMMENT ON COLUMN @extschema@.roles.api_name IS 'the name applications use, e.g. OrdersWithPrices';
COMMENT ON COLUMN @extschema@.roles.description IS 'the name people read, e.g. Orders with Prices';
COMMENT ON COLUMN @extschema@.roles.grants IS 'what the role grants';
GRANT SELECT ON @extschema@.roles TO PUBLIC;

