-- customer_access 1.2: tamper resistance. Trigger functions in C bound to the extension's
-- own tables, the Owner rule on the row as finally written, a DDL guard in place of 1.1's
-- keep_protections, EXECUTE for PUBLIC only on the documented interface, no test aid.
\echo Use "ALTER EXTENSION customer_access UPDATE TO '1.2'" to load this file. \quit

-- 1.1's event trigger would refuse the trigger changes below: it goes first.
DROP EVENT TRIGGER customer_access_keep_protections;
DROP FUNCTION @extschema@.keep_protections();
DROP FUNCTION @extschema@.cpp_boundary_selftest(text);

GRANT SELECT ON @extschema@.roles TO PUBLIC;

-- The trigger functions, in C, each bound to its table.
CREATE OR REPLACE FUNCTION @extschema@.stamp_object_version() RETURNS trigger
    AS 'MODULE_PATHNAME', 'stamp_object_version' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.stamp_object_version() IS
    'Trigger of external_access: sets object_version to 0 on insert and to the old value + 1 on update';
CREATE OR REPLACE FUNCTION @extschema@.protect_owner() RETURNS trigger
    AS 'MODULE_PATHNAME', 'protect_owner' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.protect_owner() IS
    'Trigger of external_access: refuses (42501) any DELETE, TRUNCATE or UPDATE that revokes, moves or narrows an Owner (L90) grant, judged on the row as finally written';
CREATE OR REPLACE FUNCTION @extschema@.record_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'record_change' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.record_change() IS
    'Trigger of external_access: appends each INSERT, UPDATE and DELETE to external_access_history';
CREATE OR REPLACE FUNCTION @extschema@.forbid_history_change() RETURNS trigger
    AS 'MODULE_PATHNAME', 'forbid_history_change' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.forbid_history_change() IS
    'Trigger of external_access_history: refuses UPDATE, DELETE and TRUNCATE';

-- The Owner rule moves AFTER the change: it judges the row as finally written.
DROP TRIGGER protect_owner ON @extschema@.external_access;
CREATE TRIGGER protect_owner AFTER UPDATE OR DELETE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.protect_owner();
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER protect_owner;
COMMENT ON TRIGGER protect_owner ON @extschema@.external_access IS 'Owner (L90) access can never be revoked or narrowed';

-- For auditors; the checks answer for other users only to roles that may read every grant.
CREATE FUNCTION @extschema@.who_can_access(customer_id uuid, need @extschema@.access_role DEFAULT 'L10')
    RETURNS TABLE (user_id uuid, role @extschema@.access_role, days_back_access integer, visible_from date)
    AS 'MODULE_PATHNAME', 'who_can_access' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.who_can_access(uuid, @extschema@.access_role) IS
    'For auditors: every user whose grant on the customer has role >= need, with the window (visible_from as in accessible_customers); 42501 unless the caller may read every grant';

-- Self-service without the internal helper manager_grant.
CREATE OR REPLACE FUNCTION @extschema@.grant_access(customer_id uuid, user_id uuid,
                                         role @extschema@.access_role DEFAULT 'L30',
                                         days_back_access integer DEFAULT 30, notes text DEFAULT NULL)
    RETURNS @extschema@.external_access
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    me uuid := @extschema@.current_user_id();
    own record;
    result @extschema@.external_access;
BEGIN
    IF customer_id IS NULL OR user_id IS NULL OR role IS NULL THEN
        RAISE EXCEPTION 'customer_id, user_id and role must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF me IS NULL THEN
        RAISE EXCEPTION 'no application user: customer_access.user_id is not set'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT a.role, a.days_back_access INTO own
      FROM @extschema@.accessible_customers(me, 'L80') a WHERE a.customer_id = grant_access.customer_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'only an Admin or Owner of customer % can manage its users', customer_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Application user %s holds no L80 (Admin) or L90 (Owner) grant on it.', me);
    END IF;
    IF role > own.role THEN
        RAISE EXCEPTION 'cannot grant % (%): above your own role % on customer %', role, @extschema@.api_name(role),
                        own.role, customer_id USING ERRCODE = 'insufficient_privilege',
              HINT = 'Nobody can give more than they hold.';
    END IF;
    IF own.days_back_access IS NOT NULL AND (days_back_access IS NULL OR days_back_access > own.days_back_access) THEN
        RAISE EXCEPTION 'cannot grant a window of %: wider than your own % days on customer %',
                        coalesce(days_back_access || ' days', 'unlimited days'), own.days_back_access, customer_id
              USING ERRCODE = 'insufficient_privilege', HINT = 'Nobody can give more than they hold.';
    END IF;
    INSERT INTO @extschema@.external_access AS e (customer_id, user_id, role, days_back_access, notes)
    VALUES (grant_access.customer_id, grant_access.user_id, grant_access.role, grant_access.days_back_access,
            grant_access.notes)
    ON CONFLICT ON CONSTRAINT external_access_user_customer_key DO UPDATE
       SET role = EXCLUDED.role, days_back_access = EXCLUDED.days_back_access,
           notes = coalesce(EXCLUDED.notes, e.notes)
    RETURNING * INTO result;
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text) IS
    'Creates or updates a grant for a customer the application user administers; 42501 names the rule that refused';

CREATE OR REPLACE FUNCTION @extschema@.revoke_access(customer_id uuid, user_id uuid)
    RETURNS @extschema@.external_access
    LANGUAGE plpgsql SET search_path = pg_catalog AS $$
DECLARE
    result @extschema@.external_access;
BEGIN
    IF @extschema@.current_user_id() IS NULL THEN
        RAISE EXCEPTION 'no application user: customer_access.user_id is not set'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT @extschema@.can_access(customer_id, 'L80') THEN
        RAISE EXCEPTION 'only an Admin or Owner of customer % can manage its users', customer_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Application user %s holds no L80 (Admin) or L90 (Owner) grant on it.',
                                  @extschema@.current_user_id());
    END IF;
    DELETE FROM @extschema@.external_access e
     WHERE e.customer_id = revoke_access.customer_id AND e.user_id = revoke_access.user_id
    RETURNING * INTO result;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'user % has no grant on customer %', user_id, customer_id USING ERRCODE = 'no_data_found';
    END IF;
    RETURN result;
END
$$;
COMMENT ON FUNCTION @extschema@.revoke_access(uuid, uuid) IS
    'Removes a grant of a customer the application user administers and returns it; Owners cannot be removed';

CREATE OR REPLACE FUNCTION @extschema@.customer_users(customer_id uuid)
    RETURNS SETOF @extschema@.external_access
    LANGUAGE plpgsql STABLE SET search_path = pg_catalog AS $$
BEGIN
    IF @extschema@.current_user_id() IS NULL THEN
        RAISE EXCEPTION 'no application user: customer_access.user_id is not set'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT @extschema@.can_access(customer_id, 'L80') THEN
        RAISE EXCEPTION 'only an Admin or Owner of customer % can manage its users', customer_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = format('Application user %s holds no L80 (Admin) or L90 (Owner) grant on it.',
                                  @extschema@.current_user_id());
    END IF;
    RETURN QUERY SELECT * FROM @extschema@.external_access e
                  WHERE e.customer_id = customer_users.customer_id ORDER BY e.role DESC, e.user_id;
END
$$;
DROP FUNCTION @extschema@.manager_grant(uuid);

-- ---------------------------------------------------------------------------
-- Identity (1.2): trusted keys and authenticate(), login users, the claims of the identity
-- ---------------------------------------------------------------------------
CREATE TABLE @extschema@.login_users (
    login name PRIMARY KEY,
    user_id uuid NOT NULL,
    notes text
);
COMMENT ON TABLE @extschema@.login_users IS
    'In identity mode login: the application user of each database login (session_user), for customers'' own reporting logins';
COMMENT ON COLUMN @extschema@.login_users.login IS 'the database login role (session_user)';
COMMENT ON COLUMN @extschema@.login_users.user_id IS 'the application user it is';
COMMENT ON COLUMN @extschema@.login_users.notes IS 'free text';
COMMENT ON CONSTRAINT login_users_pkey ON @extschema@.login_users IS 'one application user per login';
COMMENT ON INDEX @extschema@.login_users_pkey IS 'the login of a session';
REVOKE ALL ON @extschema@.login_users FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.login_users', '');

CREATE TABLE @extschema@.trusted_keys (
    kid text PRIMARY KEY,
    jwk jsonb NOT NULL,
    issuer text,
    audience text,
    enabled boolean NOT NULL DEFAULT true,
    notes text
);
COMMENT ON TABLE @extschema@.trusted_keys IS
    'In identity mode token: the keys authenticate() accepts, as JWKs (public keys, or HS256 secrets)';
COMMENT ON COLUMN @extschema@.trusted_keys.kid IS 'the key id a token names in its header';
COMMENT ON COLUMN @extschema@.trusted_keys.jwk IS 'the key as a JWK: OKP Ed25519, EC P-256, RSA (2048 bits or more) or oct (HS256, 32 bytes or more)';
COMMENT ON COLUMN @extschema@.trusted_keys.issuer IS 'when set, the iss a token must have';
COMMENT ON COLUMN @extschema@.trusted_keys.audience IS 'when set, the aud a token must have (or contain)';
COMMENT ON COLUMN @extschema@.trusted_keys.enabled IS 'only enabled keys are used';
COMMENT ON COLUMN @extschema@.trusted_keys.notes IS 'free text';
COMMENT ON CONSTRAINT trusted_keys_pkey ON @extschema@.trusted_keys IS 'one key per kid';
COMMENT ON INDEX @extschema@.trusted_keys_pkey IS 'a key by kid';
CREATE FUNCTION @extschema@.check_trusted_key() RETURNS trigger
    AS 'MODULE_PATHNAME', 'check_trusted_key' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.check_trusted_key() IS
    'Trigger of trusted_keys: refuses (22023) a JWK that makes no usable key';
CREATE TRIGGER check_trusted_key BEFORE INSERT OR UPDATE ON @extschema@.trusted_keys
    FOR EACH ROW EXECUTE FUNCTION @extschema@.check_trusted_key();
ALTER TABLE @extschema@.trusted_keys ENABLE ALWAYS TRIGGER check_trusted_key;
COMMENT ON TRIGGER check_trusted_key ON @extschema@.trusted_keys IS 'only usable JWKs are stored';
REVOKE ALL ON @extschema@.trusted_keys FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.trusted_keys', '');

CREATE FUNCTION @extschema@.authenticate(token text) RETURNS uuid
    AS 'MODULE_PATHNAME', 'authenticate' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.authenticate(text) IS
    'In identity mode token: verifies a signed JWT with a key of trusted_keys and makes its subject the application user for the rest of the transaction; 28000 names why a token is refused';

CREATE FUNCTION @extschema@.current_claims() RETURNS jsonb
    AS 'MODULE_PATHNAME', 'current_claims' LANGUAGE C STABLE PARALLEL RESTRICTED;
COMMENT ON FUNCTION @extschema@.current_claims() IS
    'The claims of the current identity in identity modes claims and token (verified ones in token mode); NULL otherwise';

-- Retention: PURGE entries; counters; the history by customer and user.
ALTER TABLE @extschema@.external_access_history DROP CONSTRAINT external_access_history_operation_check,
    ADD CONSTRAINT external_access_history_operation_check CHECK (operation IN ('INSERT', 'UPDATE', 'DELETE', 'PURGE'));
COMMENT ON CONSTRAINT external_access_history_operation_check ON @extschema@.external_access_history IS
    'INSERT, UPDATE, DELETE or PURGE';
COMMENT ON COLUMN @extschema@.external_access_history.operation IS 'INSERT, UPDATE or DELETE; PURGE for an entry of purge_history()';
CREATE FUNCTION @extschema@.cache_stats()
    RETURNS TABLE (calls bigint, cache_hits bigint, index_lookups bigint, bulk_loads bigint, peak_bytes bigint)
    AS 'MODULE_PATHNAME', 'cache_stats' LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION @extschema@.cache_stats() IS
    'This backend''s check counters: checks answered, answers from the per-query cache, single index lookups, bulk loads of a user''s grants, the largest per-query cache in bytes';

CREATE FUNCTION @extschema@.purge_history(before timestamptz) RETURNS bigint
    AS 'MODULE_PATHNAME', 'purge_history' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.purge_history(timestamptz) IS
    'Superuser-only retention: deletes the history entries older than before, records one PURGE entry saying how many and by whom, returns the count';

-- ---------------------------------------------------------------------------
-- Scale-out on Citus (1.2, see README "Scaling out")
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.earliest_visible_date(user_id uuid, need @extschema@.access_role)
    RETURNS date AS 'MODULE_PATHNAME', 'earliest_visible_date' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.earliest_visible_date(uuid, @extschema@.access_role) IS
    'The earliest date any of the user''s grants with role >= need admits (-infinity when a window is unlimited, infinity without grants): the planner''s lower bound on an indexed date column';

CREATE FUNCTION @extschema@.make_reference_table(grants regclass) RETURNS void
    AS 'MODULE_PATHNAME', 'make_reference_table' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.make_reference_table(regclass) IS
    'Internal to distribute(): create_reference_table() of the grants, whose copies into the new shards record no history again';

CREATE FUNCTION @extschema@.distribute() RETURNS text
    LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
    SET search_path = pg_catalog, pg_temp
    AS $function$
DECLARE
    grants regclass := '@extschema@.external_access'::regclass;
    shard bigint;
BEGIN
    IF NOT (SELECT rolsuper FROM pg_roles WHERE oid = current_user::regrole) THEN
        RAISE EXCEPTION 'only a superuser may distribute customer_access'
            USING ERRCODE = '42501';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_extension WHERE extname = 'citus') THEN
        RAISE EXCEPTION 'Citus is not installed in this database'
            USING ERRCODE = '55000', HINT = 'CREATE EXTENSION citus; then add the worker nodes.';
    END IF;
    IF (SELECT groupid FROM pg_dist_local_group) <> 0 THEN
        RAISE EXCEPTION 'customer_access.distribute() runs on the Citus coordinator only'
            USING ERRCODE = '55000';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_dist_node WHERE groupid = 0) THEN
        RAISE EXCEPTION 'the coordinator is not in the Citus metadata'
            USING ERRCODE = '55000',
                  HINT = 'SELECT citus_set_coordinator_host(''<host>'', <port>); so that the grants have a copy on it.';
    END IF;
    IF NOT string_to_array(replace(current_setting('shared_preload_libraries'), ' ', ''), ',')
           @> ARRAY['customer_access'] THEN
        RAISE EXCEPTION 'customer_access must be in shared_preload_libraries on every Citus node'
            USING ERRCODE = '55000',
                  HINT = 'shared_preload_libraries = ''citus,customer_access''';
    END IF;
    IF length(current_setting('customer_access.cluster_secret')) < 32 THEN
        RAISE EXCEPTION 'customer_access.cluster_secret is not set'
            USING ERRCODE = '55000',
                  HINT = 'Set the same secret of at least 32 characters in postgresql.conf of every node.';
    END IF;
    IF NOT EXISTS (SELECT FROM pg_dist_partition WHERE logicalrelid = grants) THEN
        PERFORM @extschema@.make_reference_table(grants);
    END IF;
    SELECT s.shardid INTO shard FROM pg_dist_shard s WHERE s.logicalrelid = grants;
    IF NOT EXISTS (SELECT FROM pg_dist_placement WHERE shardid = shard AND groupid = 0) THEN
        RAISE EXCEPTION 'the grants have no copy on the coordinator'
            USING ERRCODE = '55000', HINT = 'SELECT replicate_reference_tables();';
    END IF;
    RETURN format('customer_access.external_access is a Citus reference table (shard %s on %s nodes)',
                  shard, (SELECT count(*) FROM pg_dist_placement WHERE shardid = shard));
END
$function$;
COMMENT ON FUNCTION @extschema@.distribute() IS
    'Superuser-only, on a Citus coordinator: makes the grants table a reference table (a copy on every node, the Owner protection on each, the history on the coordinator) after checking the set-up README "Scaling out" describes; does nothing more when already done';

-- A customer's and a user's history, read cheaply.
CREATE INDEX external_access_history_customer_idx ON @extschema@.external_access_history
    (((coalesce(new_row, old_row) ->> 'customer_id')::uuid), history_id);
CREATE INDEX external_access_history_user_idx ON @extschema@.external_access_history
    (((coalesce(new_row, old_row) ->> 'user_id')::uuid), history_id);
COMMENT ON INDEX @extschema@.external_access_history_customer_idx IS
    'the history of a customer''s grants: WHERE (coalesce(new_row, old_row) ->> ''customer_id'')::uuid = $1';
COMMENT ON INDEX @extschema@.external_access_history_user_idx IS
    'the history of a user''s grants: WHERE (coalesce(new_row, old_row) ->> ''user_id'')::uuid = $1';

-- The user's own constraints and indexes on the extension's tables, as rows: pg_dump writes
-- no constraint or index of an extension's table, so the guard records them here (a
-- configuration table, dumped) and re-creates them after a restore.
CREATE TABLE @extschema@.table_extras (
    relation name NOT NULL,
    name name NOT NULL,
    kind text NOT NULL CONSTRAINT table_extras_kind_check CHECK (kind IN ('constraint', 'index')),
    definition text NOT NULL,
    refers_to text,
    created_in oid NOT NULL,
    CONSTRAINT table_extras_pkey PRIMARY KEY (relation, name)
);
COMMENT ON TABLE @extschema@.table_extras IS
    'The FOREIGN KEY and CHECK constraints and the indexes users added to the extension''s tables, kept across pg_dump and pg_restore';
COMMENT ON COLUMN @extschema@.table_extras.relation IS 'the extension''s table';
COMMENT ON COLUMN @extschema@.table_extras.name IS 'the constraint or index';
COMMENT ON COLUMN @extschema@.table_extras.kind IS 'constraint or index';
COMMENT ON COLUMN @extschema@.table_extras.definition IS 'pg_get_constraintdef or pg_get_indexdef, every name qualified';
COMMENT ON COLUMN @extschema@.table_extras.refers_to IS 'for a foreign key, the table it references (quoted, qualified): it is re-created once that table has its key';
COMMENT ON COLUMN @extschema@.table_extras.created_in IS 'the database it was recorded in; a restored row elsewhere is re-created there';
COMMENT ON CONSTRAINT table_extras_pkey ON @extschema@.table_extras IS 'one row per constraint or index';
COMMENT ON INDEX @extschema@.table_extras_pkey IS 'a constraint or index by name';
COMMENT ON CONSTRAINT table_extras_kind_check ON @extschema@.table_extras IS 'constraint or index';
REVOKE ALL ON @extschema@.table_extras FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('@extschema@.table_extras', '');

-- The constraints and indexes users added under 1.0 and 1.1.
INSERT INTO @extschema@.table_extras (relation, name, kind, definition, refers_to, created_in)
SELECT t.relname, c.conname, 'constraint', pg_catalog.pg_get_constraintdef(c.oid),
       CASE WHEN c.contype = 'f' THEN (SELECT pg_catalog.quote_ident(n.nspname) || '.' || pg_catalog.quote_ident(r.relname)
                                         FROM pg_catalog.pg_class r JOIN pg_catalog.pg_namespace n ON n.oid = r.relnamespace
                                        WHERE r.oid = c.confrelid) END,
       (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  FROM pg_catalog.pg_constraint c JOIN pg_catalog.pg_class t ON t.oid = c.conrelid
 WHERE t.relnamespace = '@extschema@'::regnamespace AND t.relname IN ('external_access', 'external_access_history')
   AND c.contype IN ('f', 'c')
   AND c.conname NOT IN ('external_access_days_back_access_check', 'external_access_history_operation_check')
UNION ALL
SELECT t.relname, i.relname, 'index', pg_catalog.pg_get_indexdef(i.oid), NULL,
       (SELECT oid FROM pg_catalog.pg_database WHERE datname = pg_catalog.current_database())
  FROM pg_catalog.pg_index x JOIN pg_catalog.pg_class i ON i.oid = x.indexrelid JOIN pg_catalog.pg_class t ON t.oid = x.indrelid
 WHERE t.relnamespace = '@extschema@'::regnamespace AND t.relname IN ('external_access', 'external_access_history')
   AND i.relname NOT IN ('external_access_pkey', 'external_access_user_customer_key', 'external_access_customer_idx',
                         'external_access_history_pkey', 'external_access_history_access_idx',
                         'external_access_history_customer_idx', 'external_access_history_user_idx')
   AND NOT EXISTS (SELECT FROM pg_catalog.pg_constraint k WHERE k.conindid = i.oid AND k.conrelid = x.indrelid
                      AND k.contype IN ('p', 'u', 'x'));

CREATE FUNCTION @extschema@.replay_table_extras() RETURNS trigger
    AS 'MODULE_PATHNAME', 'replay_table_extras' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.replay_table_extras() IS
    'Trigger of table_extras: re-creates restored constraints and indexes whose prerequisites exist';
CREATE TRIGGER replay AFTER INSERT ON @extschema@.table_extras
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.replay_table_extras();
ALTER TABLE @extschema@.table_extras ENABLE ALWAYS TRIGGER replay;
COMMENT ON TRIGGER replay ON @extschema@.table_extras IS 'restored rows become constraints and indexes again';

CREATE FUNCTION @extschema@.guard_ddl() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'guard_ddl' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.guard_ddl() IS
    'Event trigger: refuses (42501) DDL that would change, hide or remove the extension''s objects, beyond the allowed constraints, indexes, comments, grants and storage parameters';
CREATE EVENT TRIGGER customer_access_guard ON ddl_command_start EXECUTE FUNCTION @extschema@.guard_ddl();
-- ALWAYS: the guard holds in every session_replication_role.
ALTER EVENT TRIGGER customer_access_guard ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER customer_access_guard IS
    'customer_access: DDL cannot revoke, narrow, hide or forge grants, history or the extension''s code';
CREATE FUNCTION @extschema@.guard_ddl_end() RETURNS event_trigger
    AS 'MODULE_PATHNAME', 'guard_ddl_end' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.guard_ddl_end() IS
    'Event trigger: refuses (42501) CHECK constraints and indexes on the extension''s tables that call functions neither PostgreSQL''s nor a superuser''s; keeps table_extras';
CREATE EVENT TRIGGER customer_access_guard_code ON ddl_command_end
    WHEN TAG IN ('ALTER TABLE', 'ALTER SCHEMA', 'CREATE INDEX', 'DROP INDEX')
    EXECUTE FUNCTION @extschema@.guard_ddl_end();
ALTER EVENT TRIGGER customer_access_guard_code ENABLE ALWAYS;
COMMENT ON EVENT TRIGGER customer_access_guard_code IS
    'customer_access: no code a role wrote runs in the constraints and indexes of the extension''s tables';

REVOKE EXECUTE ON ALL FUNCTIONS IN SCHEMA @extschema@ FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.access_role_in(cstring), @extschema@.access_role_out(@extschema@.access_role),
    @extschema@.access_role_recv(internal), @extschema@.access_role_send(@extschema@.access_role),
    @extschema@.access_role_eq(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_ne(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_lt(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_le(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_gt(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_ge(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_cmp(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_hash(@extschema@.access_role),
    @extschema@.access_role_hash_extended(@extschema@.access_role, bigint),
    @extschema@.access_role_smaller(@extschema@.access_role, @extschema@.access_role),
    @extschema@.access_role_larger(@extschema@.access_role, @extschema@.access_role),
    @extschema@.level(@extschema@.access_role), @extschema@.access_role(integer),
    @extschema@.api_name(@extschema@.access_role), @extschema@.description(@extschema@.access_role),
    @extschema@.grants(@extschema@.access_role), @extschema@.all_roles(),
    @extschema@.current_user_id(), @extschema@.current_claims(), @extschema@.authenticate(text),
    @extschema@.has_customer_access(uuid, uuid, date, @extschema@.access_role),
    @extschema@.has_customer_access(uuid, uuid, timestamptz, @extschema@.access_role),
    @extschema@.has_customer_access(uuid, uuid, @extschema@.access_role),
    @extschema@.can_access(uuid, date, @extschema@.access_role),
    @extschema@.can_access(uuid, timestamptz, @extschema@.access_role),
    @extschema@.can_access(uuid, @extschema@.access_role),
    @extschema@.accessible_customers(uuid, @extschema@.access_role),
    @extschema@.accessible_customer_ids(uuid, @extschema@.access_role),
    @extschema@.earliest_visible_date(uuid, @extschema@.access_role),
    @extschema@.who_can_access(uuid, @extschema@.access_role), @extschema@.cache_stats(),
    @extschema@.can_grant(uuid, @extschema@.access_role, integer),
    @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text),
    @extschema@.revoke_access(uuid, uuid),
    @extschema@.customer_users(uuid)
TO PUBLIC;
