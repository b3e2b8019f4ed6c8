-- EXPLAIN (COSTS OFF) of a query, written the same on every supported PostgreSQL version, so
-- one expected output serves them all. Where the versions differ only in how a plan is
-- printed, the newest spelling is used:
-- - an InitPlan's parameters: "InitPlan 1 (returns $0)" and "$0" before 17, "InitPlan 1" and
--   "(InitPlan 1).col1" since;
-- - a node that a disabled plan type was chosen for anyway says "Disabled: true" since 18
--   (left out: the plan is the same).
CREATE FUNCTION pg_temp.explain(query text) RETURNS TABLE ("QUERY PLAN" text)
LANGUAGE plpgsql AS $explain$
DECLARE
  lines text[] := '{}';
  line text;
  found text[];
  params text[];
  names text[] := '{}';
  spelled text[] := '{}';
BEGIN
  FOR line IN EXECUTE 'EXPLAIN (COSTS OFF) ' || query LOOP
    lines := lines || line;
    found := regexp_match(line, 'InitPlan (\d+) \(returns ([^)]*)\)');
    IF found IS NOT NULL THEN
      params := string_to_array(found[2], ',');
      FOR i IN 1 .. cardinality(params) LOOP
        names := names || ltrim(params[i], '$');
        spelled := spelled || format('(InitPlan %s).col%s', found[1], i);
      END LOOP;
    END IF;
  END LOOP;
  FOREACH line IN ARRAY lines LOOP
    CONTINUE WHEN line ~ '^\s*Disabled: true$';
    line := regexp_replace(line, 'InitPlan (\d+) \(returns [^)]*\)', 'InitPlan \1');
    FOR i IN 1 .. cardinality(names) LOOP
      line := regexp_replace(line, '\$' || names[i] || '(?![0-9])', spelled[i], 'g');
    END LOOP;
    "QUERY PLAN" := line;
    RETURN NEXT;
  END LOOP;
END $explain$;
