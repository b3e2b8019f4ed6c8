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
