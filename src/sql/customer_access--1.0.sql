-- customer_access 1.0: access roles, the grants table with Owner protection and history,
-- and the access checks for row-level security.
\echo Use "CREATE EXTENSION customer_access" to load this file. \quit

COMMENT ON SCHEMA @extschema@ IS 'customer_access: who of a customer''s external users may see what';
-- Any role may call the checks from a policy; the tables below grant nothing to PUBLIC.
GRANT USAGE ON SCHEMA @extschema@ TO PUBLIC;

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

-- ---------------------------------------------------------------------------
-- The grants table
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.external_access (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    customer_id uuid NOT NULL,
    user_id uuid NOT NULL,
    role @extschema@.access_role NOT NULL DEFAULT 'L30',
    days_back_access integer DEFAULT 30
        CONSTRAINT external_access_days_back_access_check CHECK (days_back_access >= 0),
    notes text,
    object_version integer NOT NULL DEFAULT 0,
    -- Serves both lookups of the checks: all grants of a user, and one (user, customer) pair.
    CONSTRAINT external_access_user_customer_key UNIQUE (user_id, customer_id)
);
CREATE INDEX external_access_customer_idx ON @extschema@.external_access (customer_id);
COMMENT ON TABLE @extschema@.external_access IS
    'Grants: one external user''s access to one customer, with a role and a days-back window. Owner (L90) rows can never be revoked.';
COMMENT ON COLUMN @extschema@.external_access.id IS 'grant id';
COMMENT ON COLUMN @extschema@.external_access.customer_id IS 'the customer (in the application''s customers table)';
COMMENT ON COLUMN @extschema@.external_access.user_id IS 'the external user (in the application''s users table)';
COMMENT ON COLUMN @extschema@.external_access.role IS 'the access role; includes every lower role';
COMMENT ON COLUMN @extschema@.external_access.days_back_access IS 'how many past days of dated data the user sees; NULL = unlimited';
COMMENT ON COLUMN @extschema@.external_access.notes IS 'free text';
COMMENT ON COLUMN @extschema@.external_access.object_version IS 'optimistic locking: 0 on insert, +1 on every update';
COMMENT ON INDEX @extschema@.external_access_customer_idx IS 'lists a customer''s users';
COMMENT ON CONSTRAINT external_access_pkey ON @extschema@.external_access IS 'one grant per id';
COMMENT ON INDEX @extschema@.external_access_pkey IS 'a grant by id';
COMMENT ON CONSTRAINT external_access_user_customer_key ON @extschema@.external_access IS
    'one grant per (user, customer)';
COMMENT ON INDEX @extschema@.external_access_user_customer_key IS
    'all grants of a user, and one (user, customer) pair: what the checks read';
COMMENT ON CONSTRAINT external_access_days_back_access_check ON @extschema@.external_access IS
    'a window is 0 days or more (NULL: unlimited)';

CREATE FUNCTION @extschema@.stamp_object_version() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    -- Whatever the statement tried to set: 0 on insert, one more on every update.
    IF TG_OP = 'INSERT' THEN
        NEW.object_version := 0;
    ELSE
        NEW.object_version := OLD.object_version + 1;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION @extschema@.stamp_object_version() IS
    'Trigger: sets object_version to 0 on insert and to the old value + 1 on update';

CREATE FUNCTION @extschema@.protect_owner() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.protect_owner() IS
    'Trigger: refuses (42501) any DELETE, TRUNCATE or UPDATE that revokes, moves or narrows an Owner (L90) grant. Arguments (optional): role column, days-back column or '''', key columns.';

CREATE FUNCTION @extschema@.record_change() RETURNS trigger
    AS 'MODULE_PATHNAME' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.record_change() IS
    'Trigger: appends each INSERT, UPDATE and DELETE of external_access to external_access_history';

-- BEFORE triggers fire in name order: the version is stamped, then the Owner rule checks
-- the row as it will be written.
CREATE TRIGGER object_version BEFORE INSERT OR UPDATE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.stamp_object_version();
CREATE TRIGGER protect_owner BEFORE UPDATE OR DELETE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.protect_owner();
CREATE TRIGGER protect_owner_truncate BEFORE TRUNCATE ON @extschema@.external_access
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.protect_owner();
CREATE TRIGGER record_change AFTER INSERT OR UPDATE OR DELETE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.record_change();
-- ALWAYS: session_replication_role = replica must not switch the rules off.
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER object_version;
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER protect_owner;
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER protect_owner_truncate;
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER record_change;
COMMENT ON TRIGGER object_version ON @extschema@.external_access IS 'stamps object_version';
COMMENT ON TRIGGER protect_owner ON @extschema@.external_access IS 'Owner (L90) access can never be revoked or narrowed';
COMMENT ON TRIGGER protect_owner_truncate ON @extschema@.external_access IS 'no TRUNCATE while an Owner grant exists';
COMMENT ON TRIGGER record_change ON @extschema@.external_access IS 'records every change in external_access_history';

-- ---------------------------------------------------------------------------
-- Change history (append-only)
-- ---------------------------------------------------------------------------
-- History ids are microseconds since the epoch times 1000 plus a counter: ordered like the
-- changes, and larger than every id a dumped history holds, so restoring a dump (whose grant
-- inserts are recorded before the old history rows are copied back) never collides.
CREATE SEQUENCE @extschema@.external_access_history_counter CYCLE MINVALUE 0 MAXVALUE 999 START 0;
COMMENT ON SEQUENCE @extschema@.external_access_history_counter IS 'low digits of history ids';
-- In C: evaluated for every history row, where a SQL function would be parsed every time.
CREATE FUNCTION @extschema@.next_history_id() RETURNS bigint
    AS 'MODULE_PATHNAME', 'next_history_id' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.next_history_id() IS
    'A new history id: microseconds since the epoch times 1000 plus a counter';

CREATE TABLE @extschema@.external_access_history (
    history_id bigint PRIMARY KEY DEFAULT @extschema@.next_history_id(),
    changed_at timestamptz NOT NULL DEFAULT now(),
    operation text NOT NULL CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE')),
    session_user_name name NOT NULL,
    current_user_name name NOT NULL,
    application_user_id uuid,
    access_id uuid,
    old_row jsonb,
    new_row jsonb,
    owner_override boolean NOT NULL DEFAULT false
);
CREATE INDEX external_access_history_access_idx ON @extschema@.external_access_history (access_id);
COMMENT ON TABLE @extschema@.external_access_history IS
    'Append-only record of every INSERT, UPDATE and DELETE of external_access';
COMMENT ON COLUMN @extschema@.external_access_history.history_id IS 'order of the changes';
COMMENT ON COLUMN @extschema@.external_access_history.changed_at IS 'when: the changing transaction''s start time';
COMMENT ON COLUMN @extschema@.external_access_history.operation IS 'INSERT, UPDATE or DELETE';
COMMENT ON COLUMN @extschema@.external_access_history.session_user_name IS 'the database session user';
COMMENT ON COLUMN @extschema@.external_access_history.current_user_name IS 'the database role that made the change';
COMMENT ON COLUMN @extschema@.external_access_history.application_user_id IS 'the application user, customer_access.current_user_id()';
COMMENT ON COLUMN @extschema@.external_access_history.access_id IS 'external_access.id of the changed grant';
COMMENT ON COLUMN @extschema@.external_access_history.old_row IS 'the grant before the change (UPDATE, DELETE)';
COMMENT ON COLUMN @extschema@.external_access_history.new_row IS 'the grant after the change (INSERT, UPDATE)';
COMMENT ON COLUMN @extschema@.external_access_history.owner_override IS 'true when the change revoked or narrowed an Owner (under customer_access.allow_owner_revoke)';
COMMENT ON INDEX @extschema@.external_access_history_access_idx IS 'the history of one grant';
COMMENT ON CONSTRAINT external_access_history_pkey ON @extschema@.external_access_history IS 'one entry per id';
COMMENT ON INDEX @extschema@.external_access_history_pkey IS 'the history in order';
COMMENT ON CONSTRAINT external_access_history_operation_check ON @extschema@.external_access_history IS
    'INSERT, UPDATE or DELETE';

CREATE FUNCTION @extschema@.forbid_history_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
BEGIN
    RAISE EXCEPTION 'customer_access.external_access_history is append-only'
        USING ERRCODE = 'insufficient_privilege',
              DETAIL = format('%s of the change history is not allowed for anyone.', TG_OP);
END
$$;
COMMENT ON FUNCTION @extschema@.forbid_history_change() IS
    'Trigger: refuses UPDATE, DELETE and TRUNCATE of external_access_history';
CREATE TRIGGER append_only BEFORE UPDATE OR DELETE ON @extschema@.external_access_history
    FOR EACH ROW EXECUTE FUNCTION @extschema@.forbid_history_change();
CREATE TRIGGER append_only_truncate BEFORE TRUNCATE ON @extschema@.external_access_history
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.forbid_history_change();
ALTER TABLE @extschema@.external_access_history ENABLE ALWAYS TRIGGER append_only;
ALTER TABLE @extschema@.external_access_history ENABLE ALWAYS TRIGGER append_only_truncate;
COMMENT ON TRIGGER append_only ON @extschema@.external_access_history IS 'history rows are never changed or deleted';
COMMENT ON TRIGGER append_only_truncate ON @extschema@.external_access_history IS 'the history is never truncated';

-- pg_dump keeps the rows of both tables (they are the extension's configuration).
SELECT pg_catalog.pg_extension_config_dump('@extschema@.external_access', '');
SELECT pg_catalog.pg_extension_config_dump('@extschema@.external_access_history', '');

-- Nothing for PUBLIC: the DBA grants the application role what it needs.
REVOKE ALL ON @extschema@.external_access, @extschema@.external_access_history FROM PUBLIC;

-- ---------------------------------------------------------------------------
-- Identity and access checks
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.current_user_id() RETURNS uuid
    AS 'MODULE_PATHNAME', 'current_user_id' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.current_user_id() IS
    'The application user of this session: the setting customer_access.user_id as a uuid; NULL when unset or empty';

CREATE FUNCTION @extschema@.access_check_support(internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'access_check_support' LANGUAGE C STRICT;
COMMENT ON FUNCTION @extschema@.access_check_support(internal) IS
    'Planner support of the checks: selectivity from the grants, an index condition on the customer column, the per-call cost';

CREATE FUNCTION @extschema@.has_customer_access(user_id uuid, customer_id uuid, doc_date date, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'has_customer_access_date' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.has_customer_access(user_id uuid, customer_id uuid, doc_date timestamptz, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'has_customer_access_timestamptz' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.has_customer_access(user_id uuid, customer_id uuid, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'has_customer_access_undated' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.can_access(customer_id uuid, doc_date date, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_access_date' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.can_access(customer_id uuid, doc_date timestamptz, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_access_timestamptz' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
CREATE FUNCTION @extschema@.can_access(customer_id uuid, need @extschema@.access_role)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_access_undated' LANGUAGE C STABLE PARALLEL SAFE
    SUPPORT @extschema@.access_check_support;
COMMENT ON FUNCTION @extschema@.has_customer_access(uuid, uuid, date, @extschema@.access_role) IS
    'TRUE when the user''s grant on the customer has role >= need and its window admits doc_date (doc_date >= current_date - days_back_access; NULL window: always); never NULL';
COMMENT ON FUNCTION @extschema@.has_customer_access(uuid, uuid, timestamptz, @extschema@.access_role) IS
    'has_customer_access for a timestamp: its date in the session''s time zone';
COMMENT ON FUNCTION @extschema@.has_customer_access(uuid, uuid, @extschema@.access_role) IS
    'has_customer_access for undated data: role >= need, no window';
COMMENT ON FUNCTION @extschema@.can_access(uuid, date, @extschema@.access_role) IS
    'has_customer_access(current_user_id(), customer_id, doc_date, need): for row-level security policies';
COMMENT ON FUNCTION @extschema@.can_access(uuid, timestamptz, @extschema@.access_role) IS
    'has_customer_access(current_user_id(), customer_id, doc_date, need) for a timestamp';
COMMENT ON FUNCTION @extschema@.can_access(uuid, @extschema@.access_role) IS
    'has_customer_access(current_user_id(), customer_id, need) for undated data';

CREATE FUNCTION @extschema@.accessible_customers(user_id uuid, need @extschema@.access_role DEFAULT 'L10')
    RETURNS TABLE (customer_id uuid, role @extschema@.access_role, days_back_access integer, visible_from date)
    AS 'MODULE_PATHNAME', 'accessible_customers' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.accessible_customers(uuid, @extschema@.access_role) IS
    'The user''s grants with role >= need; visible_from = current_date - days_back_access (NULL: unlimited; -infinity when before the first date)';

CREATE FUNCTION @extschema@.accessible_customer_ids(user_id uuid, need @extschema@.access_role)
    RETURNS uuid[] AS 'MODULE_PATHNAME', 'accessible_customer_ids' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.accessible_customer_ids(uuid, @extschema@.access_role) IS
    'The customers on which the user has role >= need, whatever the window: the index condition the planner adds for the checks';

CREATE FUNCTION @extschema@.peak_cache_bytes() RETURNS bigint
    AS 'MODULE_PATHNAME', 'peak_cache_bytes' LANGUAGE C VOLATILE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.peak_cache_bytes() IS
    'The largest per-query grant cache (bytes) this session has built; for benchmarks';

GRANT EXECUTE ON FUNCTION
    @extschema@.current_user_id(),
    @extschema@.has_customer_access(uuid, uuid, date, @extschema@.access_role),
    @extschema@.has_customer_access(uuid, uuid, timestamptz, @extschema@.access_role),
    @extschema@.has_customer_access(uuid, uuid, @extschema@.access_role),
    @extschema@.can_access(uuid, date, @extschema@.access_role),
    @extschema@.can_access(uuid, timestamptz, @extschema@.access_role),
    @extschema@.can_access(uuid, @extschema@.access_role),
    @extschema@.accessible_customers(uuid, @extschema@.access_role),
    @extschema@.accessible_customer_ids(uuid, @extschema@.access_role)
TO PUBLIC;
