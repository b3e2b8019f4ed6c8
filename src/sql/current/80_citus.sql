-- ---------------------------------------------------------------------------
-- Scale-out on Citus (1.2, see README "Scaling out")
-- ---------------------------------------------------------------------------
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

