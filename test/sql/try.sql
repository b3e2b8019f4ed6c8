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
  RETURN state || ': ' || message
         || CASE WHEN detail <> '' THEN ' | DETAIL: ' || detail ELSE '' END
         || CASE WHEN hint <> '' THEN ' | HINT: ' || hint ELSE '' END;
END $try$;
