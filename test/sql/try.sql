-- Runs a statement and reports its outcome as one line: 'ok' or SQLSTATE, message and hint.
CREATE FUNCTION pg_temp.try(statement text) RETURNS text LANGUAGE plpgsql AS $try$
DECLARE
  state text; message text; hint text; detail text;
BEGIN
  EXECUTE statement;
  RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
  GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                          hint = PG_EXCEPTION_HINT, detail = PG_EXCEPTION_DETAIL;
  -- ids made by gen_random_uuid() differ on every run
  RETURN regexp_replace(state || ': ' || message
         || CASE WHEN detail <> '' THEN ' | DETAIL: ' || detail ELSE '' END
         || CASE WHEN hint <> '' THEN ' | HINT: ' || hint ELSE '' END,
         '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}', '<random uuid>', 'g');
END $try$;
