-- ---------------------------------------------------------------------------
-- Operations (1.2): counters, retention, history by customer and user
-- ---------------------------------------------------------------------------
CREATE FUNCTION @extschema@.cache_stats()
    RETURNS TABLE (calls bigint, cache_hits bigint, index_lookups bigint, bulk_loads bigint, peak_bytes bigint)
    AS 'MODULE_PATHNAME', 'cache_stats' LANGUAGE C VOLATILE PARALLEL RESTRICTED ROWS 1;
COMMENT ON FUNCTION @extschema@.cache_stats() IS
    'This backend''s check counters: checks answered, answers from the per-query cache, single index lookups, bulk loads of a user''s grants, the largest per-query cache in bytes';

CREATE FUNCTION @extschema@.purge_history(before timestamptz) RETURNS bigint
    AS 'MODULE_PATHNAME', 'purge_history' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION @extschema@.purge_history(timestamptz) IS
    'Superuser-only retention: deletes the history entries older than before, records one PURGE entry saying how many and by whom, returns the count';

