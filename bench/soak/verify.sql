-- After the soak: the grants equal what the writers' log says, and the history has one
-- entry per change that touched a row.
WITH last AS (
    SELECT DISTINCT ON (user_no, customer_no) user_no, customer_no, op, role, days
      FROM soak.log ORDER BY user_no, customer_no, n DESC),
expected AS (
    SELECT soak.id('user', user_no) AS user_id, soak.id('customer', customer_no) AS customer_id, role, days
      FROM last WHERE op = 'grant'),
actual AS (
    SELECT user_id, customer_id, role, days_back_access AS days FROM customer_access.external_access
     WHERE user_id::text LIKE 'ad%')
SELECT (SELECT count(*) FROM soak.log) AS logged_changes,
       (SELECT count(*) FROM expected) AS expected_grants,
       (SELECT count(*) FROM actual) AS actual_grants,
       (SELECT count(*) FROM ((SELECT * FROM expected EXCEPT SELECT * FROM actual)
                              UNION ALL (SELECT * FROM actual EXCEPT SELECT * FROM expected)) d) AS mismatched_grants,
       (SELECT sum(rows_changed) FROM soak.log) AS changes_that_touched_a_row,
       (SELECT count(*) FROM customer_access.external_access_history
         WHERE history_id > (SELECT history_since FROM soak.start)
           AND coalesce(new_row, old_row)->>'user_id' LIKE 'ad%') AS history_entries;
