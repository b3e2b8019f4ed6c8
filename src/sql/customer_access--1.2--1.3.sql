-- customer_access 1.2 -> 1.3 (ALTER EXTENSION customer_access UPDATE TO '1.3')
\echo Use "ALTER EXTENSION customer_access UPDATE TO '1.3'" to load this file. \quit

-- ---------------------------------------------------------------------------
-- Expiring grants (issue 24): expires_at, the eighth column. First, so the module finds the
-- layout of 1.3 from here on.
-- ---------------------------------------------------------------------------
ALTER TABLE @extschema@.external_access ADD COLUMN expires_at timestamptz;
COMMENT ON COLUMN @extschema@.external_access.expires_at IS
    'the grant counts only while now() (the transaction''s start) is before it; NULL = never. An Owner never expires';
COMMENT ON TABLE @extschema@.external_access IS
    'Grants: one external user''s access to one customer, with a role, a days-back window and an optional expiry. Owner (L90) rows can never be revoked.';

-- An Owner never expires: the Owner trigger judges new rows too.
DROP TRIGGER protect_owner ON @extschema@.external_access;
CREATE TRIGGER protect_owner AFTER INSERT OR UPDATE OR DELETE ON @extschema@.external_access
    FOR EACH ROW EXECUTE FUNCTION @extschema@.protect_owner();
ALTER TABLE @extschema@.external_access ENABLE ALWAYS TRIGGER protect_owner;
COMMENT ON TRIGGER protect_owner ON @extschema@.external_access IS 'Owner (L90) access can never be revoked, narrowed or made to expire';
COMMENT ON FUNCTION @extschema@.protect_owner() IS
    'Trigger of external_access: refuses (42501) any DELETE, TRUNCATE or UPDATE that revokes, moves or narrows an Owner (L90) grant, and any Owner row with an expires_at, judged on the row as finally written';

COMMENT ON FUNCTION @extschema@.has_customer_access(uuid, uuid, date, @extschema@.access_role) IS
    'TRUE when the user''s grant on the customer is in force (now() before expires_at, or none), has role >= need and its window admits doc_date (doc_date >= current_date - days_back_access; NULL window: always); never NULL';
COMMENT ON FUNCTION @extschema@.accessible_customer_ids(uuid, @extschema@.access_role) IS
    'The customers on which the user has a grant in force with role >= need, whatever the window: the index condition the planner adds for the checks';
COMMENT ON FUNCTION @extschema@.earliest_visible_date(uuid, @extschema@.access_role) IS
    'The earliest date any of the user''s grants in force with role >= need admits (-infinity when a window is unlimited, infinity without grants): the planner''s lower bound on an indexed date column';

-- accessible_customers() and who_can_access() return expires_at as their last column, and
-- grant_access() takes it as its last argument: a function's result type cannot change in
-- place, so each is created anew and the old one dropped, its privileges carried over.
-- Objects of the database that depend on the old ones would stop this (or be dropped with
-- CASCADE): say which, before anything changes.
DO $$
DECLARE
    dependents text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.pg_describe_object(d.classid, d.objid, d.objsubid), ', ')
      INTO dependents
      FROM pg_catalog.pg_depend d
     WHERE d.refclassid = 'pg_catalog.pg_proc'::pg_catalog.regclass AND d.deptype = 'n'
       AND d.refobjid IN ('@extschema@.accessible_customers(uuid, @extschema@.access_role)'::pg_catalog.regprocedure,
                          '@extschema@.who_can_access(uuid, @extschema@.access_role)'::pg_catalog.regprocedure,
                          '@extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text)'::pg_catalog.regprocedure);
    IF dependents IS NOT NULL THEN
        RAISE EXCEPTION 'customer_access 1.3 changes accessible_customers(), who_can_access() and grant_access(), on which these depend: %', dependents
            USING ERRCODE = 'dependent_objects_still_exist',
                  HINT = 'Drop them, update the extension, and create them again: accessible_customers() and who_can_access() return expires_at as their last column, grant_access() takes it as its last argument.';
    END IF;
END
$$;

ALTER FUNCTION @extschema@.accessible_customers(uuid, @extschema@.access_role) RENAME TO accessible_customers_1_2;
ALTER FUNCTION @extschema@.who_can_access(uuid, @extschema@.access_role) RENAME TO who_can_access_1_2;
ALTER FUNCTION @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text) RENAME TO grant_access_1_2;

CREATE FUNCTION @extschema@.accessible_customers(user_id uuid, need @extschema@.access_role DEFAULT 'L10')
    RETURNS TABLE (customer_id uuid, role @extschema@.access_role, days_back_access integer, visible_from date,
                   expires_at timestamptz)
    AS 'MODULE_PATHNAME', 'accessible_customers' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.accessible_customers(uuid, @extschema@.access_role) IS
    'The user''s grants in force with role >= need; visible_from = current_date - days_back_access (NULL: unlimited; -infinity when before the first date); expires_at NULL: never';

CREATE FUNCTION @extschema@.who_can_access(customer_id uuid, need @extschema@.access_role DEFAULT 'L10')
    RETURNS TABLE (user_id uuid, role @extschema@.access_role, days_back_access integer, visible_from date,
                   expires_at timestamptz)
    AS 'MODULE_PATHNAME', 'who_can_access' LANGUAGE C STABLE PARALLEL SAFE ROWS 10;
COMMENT ON FUNCTION @extschema@.who_can_access(uuid, @extschema@.access_role) IS
    'For auditors: every user whose grant in force on the customer has role >= need, with the window (visible_from as in accessible_customers) and the expiry; 42501 unless the caller may read every grant';

-- ---------------------------------------------------------------------------
-- Self-service (issues 22, 24): one delegation rule in C, which the policies and functions
-- call (can_manage, can_grant); expiry in it; copy_access().
-- ---------------------------------------------------------------------------
COMMENT ON FUNCTION @extschema@.can_grant(uuid, @extschema@.access_role, integer) IS
    'Whether current_user_id() may give this grant, never expiring: Admin or Owner of the customer, role at most their own, window no wider than their own (NULL = unlimited), and their own grant never expires';
CREATE FUNCTION @extschema@.can_grant(customer_id uuid, role @extschema@.access_role, days_back_access integer,
                                      expires_at timestamptz)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_grant' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_grant(uuid, @extschema@.access_role, integer, timestamptz) IS
    'Whether current_user_id() may give this grant: Admin or Owner of the customer, role at most their own, window no wider than their own (NULL = unlimited), expiring no later than their own (NULL = never)';
CREATE FUNCTION @extschema@.can_manage(customer_id uuid)
    RETURNS boolean AS 'MODULE_PATHNAME', 'can_manage' LANGUAGE C STABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.can_manage(uuid) IS
    'Whether current_user_id() manages the customer''s users: an Admin or Owner grant in force on it';

ALTER POLICY own_or_managed_grants ON @extschema@.external_access
    USING (user_id = @extschema@.current_user_id() OR @extschema@.can_manage(customer_id));
ALTER POLICY add_managed_grants ON @extschema@.external_access
    WITH CHECK (@extschema@.can_grant(customer_id, role, days_back_access, expires_at));
ALTER POLICY change_managed_grants ON @extschema@.external_access
    USING (@extschema@.can_manage(customer_id))
    WITH CHECK (@extschema@.can_grant(customer_id, role, days_back_access, expires_at));
ALTER POLICY remove_managed_grants ON @extschema@.external_access
    USING (@extschema@.can_manage(customer_id));
COMMENT ON POLICY add_managed_grants ON @extschema@.external_access IS
    'Admins and Owners add grants for their customer, up to their own role, window and expiry';
COMMENT ON POLICY change_managed_grants ON @extschema@.external_access IS
    'Admins and Owners change their customer''s grants, up to their own role, window and expiry';

CREATE FUNCTION @extschema@.grant_access(customer_id uuid, user_id uuid,
                                         role @extschema@.access_role DEFAULT 'L30',
                                         days_back_access integer DEFAULT 30, notes text DEFAULT NULL,
                                         expires_at timestamptz DEFAULT NULL)
    RETURNS @extschema@.external_access
    AS 'MODULE_PATHNAME', 'grant_access' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text, timestamptz) IS
    'Creates or updates a grant for a customer the application user administers (no higher role, no wider window, no later expiry than their own; expires_at NULL = never) and returns it; 42501 names the rule that refused';

CREATE OR REPLACE FUNCTION @extschema@.revoke_access(customer_id uuid, user_id uuid)
    RETURNS @extschema@.external_access
    AS 'MODULE_PATHNAME', 'revoke_access' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.revoke_access(uuid, uuid) IS
    'Removes a grant of a customer the application user administers and returns it (P0002 when there is none); Owners cannot be removed';
CREATE OR REPLACE FUNCTION @extschema@.customer_users(customer_id uuid)
    RETURNS SETOF @extschema@.external_access
    AS 'MODULE_PATHNAME', 'customer_users' LANGUAGE C STABLE PARALLEL UNSAFE;

CREATE FUNCTION @extschema@.copy_access(from_user uuid, to_user uuid, customer_id uuid DEFAULT NULL)
    RETURNS integer AS 'MODULE_PATHNAME', 'copy_access' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.copy_access(uuid, uuid, uuid) IS
    'Gives to_user the grants in force of from_user (role, window, notes, expiry) on every customer, or the one named, that the caller may give (all for a caller that reads and writes every grant); leaves pairs where to_user has a grant as they are; returns how many grants it made';

-- The new functions: EXECUTE for PUBLIC, as a fresh install gives it (and what pg_dump takes
-- as the extension's own privileges).
REVOKE EXECUTE ON FUNCTION
    @extschema@.accessible_customers(uuid, @extschema@.access_role),
    @extschema@.who_can_access(uuid, @extschema@.access_role),
    @extschema@.can_grant(uuid, @extschema@.access_role, integer, timestamptz),
    @extschema@.can_manage(uuid),
    @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text, timestamptz),
    @extschema@.copy_access(uuid, uuid, uuid)
FROM PUBLIC;
GRANT EXECUTE ON FUNCTION
    @extschema@.accessible_customers(uuid, @extschema@.access_role),
    @extschema@.who_can_access(uuid, @extschema@.access_role),
    @extschema@.can_grant(uuid, @extschema@.access_role, integer, timestamptz),
    @extschema@.can_manage(uuid),
    @extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text, timestamptz),
    @extschema@.copy_access(uuid, uuid, uuid)
TO PUBLIC;

-- What the DBA granted or revoked on the replaced functions holds for their successors: the
-- grants to other roles, and a revoke from PUBLIC. They are the DBA's, not the extension's:
-- pg_init_privs keeps the extension's own, so pg_dump still writes the DBA's.
DO $$
DECLARE
    pair record;
    item record;
    old_acl aclitem[];
    old_owner oid;
    own_acl aclitem[];
BEGIN
    FOR pair IN
        SELECT v.old_fn::pg_catalog.regprocedure AS old_fn, v.new_fn::pg_catalog.regprocedure AS new_fn
          FROM (VALUES
            ('@extschema@.accessible_customers_1_2(uuid, @extschema@.access_role)',
             '@extschema@.accessible_customers(uuid, @extschema@.access_role)'),
            ('@extschema@.who_can_access_1_2(uuid, @extschema@.access_role)',
             '@extschema@.who_can_access(uuid, @extschema@.access_role)'),
            ('@extschema@.grant_access_1_2(uuid, uuid, @extschema@.access_role, integer, text)',
             '@extschema@.grant_access(uuid, uuid, @extschema@.access_role, integer, text, timestamptz)')) v(old_fn, new_fn)
    LOOP
        SELECT p.proowner, coalesce(p.proacl, pg_catalog.acldefault('f', p.proowner))
          INTO old_owner, old_acl FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) pair.old_fn;
        SELECT p.proacl INTO own_acl FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) pair.new_fn;
        FOR item IN
            SELECT r.rolname, a.is_grantable
              FROM pg_catalog.aclexplode(old_acl) a JOIN pg_catalog.pg_roles r ON r.oid OPERATOR(pg_catalog.=) a.grantee
             WHERE a.grantee OPERATOR(pg_catalog.<>) old_owner AND a.privilege_type OPERATOR(pg_catalog.=) 'EXECUTE'
        LOOP
            EXECUTE pg_catalog.format('GRANT EXECUTE ON FUNCTION %s TO %I%s', pair.new_fn, item.rolname,
                                      CASE WHEN item.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
        END LOOP;
        IF NOT EXISTS (SELECT FROM pg_catalog.aclexplode(old_acl) a WHERE a.grantee OPERATOR(pg_catalog.=) 0) THEN
            EXECUTE pg_catalog.format('REVOKE EXECUTE ON FUNCTION %s FROM PUBLIC', pair.new_fn);
        END IF;
        UPDATE pg_catalog.pg_init_privs SET initprivs = own_acl
         WHERE objoid OPERATOR(pg_catalog.=) pair.new_fn AND classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_proc'::pg_catalog.regclass
           AND objsubid OPERATOR(pg_catalog.=) 0;
    END LOOP;
END
$$;

DROP FUNCTION @extschema@.accessible_customers_1_2(uuid, @extschema@.access_role);
DROP FUNCTION @extschema@.who_can_access_1_2(uuid, @extschema@.access_role);
DROP FUNCTION @extschema@.grant_access_1_2(uuid, uuid, @extschema@.access_role, integer, text);


-- Identity (issue 20): login_users names the login role itself (its OID), not only its name.
-- Rows whose role exists are bound to it now; a row whose role does not exist stays unbound
-- (it maps nobody) until it is updated.
ALTER TABLE @extschema@.login_users ADD COLUMN role_oid oid;
UPDATE @extschema@.login_users u SET role_oid = r.oid
  FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) u.login;
COMMENT ON COLUMN @extschema@.login_users.role_oid IS
    'set by the extension: the OID of the login role when the row was written; a role dropped and created again under the same name is not this user (set it to NULL to bind the row to the role that has the name now)';
CREATE FUNCTION @extschema@.bind_login_role() RETURNS trigger
    AS 'MODULE_PATHNAME', 'bind_login_role' LANGUAGE C;
REVOKE EXECUTE ON FUNCTION @extschema@.bind_login_role() FROM PUBLIC;
COMMENT ON FUNCTION @extschema@.bind_login_role() IS
    'Trigger of login_users: binds each row to its login role''s OID (42704 when the role does not exist)';
CREATE TRIGGER bind_login_role BEFORE INSERT OR UPDATE ON @extschema@.login_users
    FOR EACH ROW EXECUTE FUNCTION @extschema@.bind_login_role();
ALTER TABLE @extschema@.login_users ENABLE ALWAYS TRIGGER bind_login_role;
COMMENT ON TRIGGER bind_login_role ON @extschema@.login_users IS 'a row names the login role itself, not a name';

-- Tamper resistance 2: only superusers and the extension write table_extras.
CREATE FUNCTION @extschema@.protect_table_extras() RETURNS trigger
    AS 'MODULE_PATHNAME', 'protect_table_extras' LANGUAGE C;
COMMENT ON FUNCTION @extschema@.protect_table_extras() IS
    'Trigger of table_extras: only superusers and customer_access itself insert, update, delete or truncate its rows';
REVOKE EXECUTE ON FUNCTION @extschema@.protect_table_extras() FROM PUBLIC;
CREATE TRIGGER protect BEFORE INSERT OR UPDATE OR DELETE ON @extschema@.table_extras
    FOR EACH ROW EXECUTE FUNCTION @extschema@.protect_table_extras();
CREATE TRIGGER protect_truncate BEFORE TRUNCATE ON @extschema@.table_extras
    FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.protect_table_extras();
ALTER TABLE @extschema@.table_extras ENABLE ALWAYS TRIGGER protect;
ALTER TABLE @extschema@.table_extras ENABLE ALWAYS TRIGGER protect_truncate;
COMMENT ON TRIGGER protect ON @extschema@.table_extras IS 'only superusers and the extension write the records';
COMMENT ON TRIGGER protect_truncate ON @extschema@.table_extras IS 'only superusers empty the records';

-- The end-of-DDL guard applies the code and foreign-key rules.
COMMENT ON FUNCTION @extschema@.guard_ddl_end() IS
    'Event trigger: refuses (42501) CHECK constraints, indexes and foreign keys of the extension''s tables that break the code or foreign-key rule; keeps table_extras';
COMMENT ON EVENT TRIGGER customer_access_guard_code IS
    'customer_access: no code a role wrote runs in the constraints, indexes and foreign keys of the extension''s tables';
-- The types PostgreSQL makes along with a table, a view or a type (a row type, an array type)
-- are members of the extension themselves since PostgreSQL 17: each gets a comment that says
-- what it is, like every other member (the same text on every version).
DO $$
DECLARE
    member record;
BEGIN
    FOR member IN
        SELECT t.oid::regtype AS type, format('The row type of %s', c.oid::regclass) AS says
          FROM pg_type t JOIN pg_class c ON c.oid = t.typrelid
         WHERE t.typnamespace = '@extschema@'::regnamespace
        UNION ALL
        SELECT a.oid::regtype, format('An array of %s', e.oid::regtype)
          FROM pg_type e JOIN pg_type a ON a.oid = e.typarray
         WHERE e.typnamespace = '@extschema@'::regnamespace
    LOOP
        EXECUTE format('COMMENT ON TYPE %s IS %L', member.type, member.says);
    END LOOP;
END
$$;
