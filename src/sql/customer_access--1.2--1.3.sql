-- customer_access 1.2 -> 1.3 (ALTER EXTENSION customer_access UPDATE TO '1.3')
\echo Use "ALTER EXTENSION customer_access UPDATE TO '1.3'" to load this file. \quit
