#!/usr/bin/env bash
# Runs inside scripts/bench's throwaway cluster (scripts/bench --writes [ROUNDS]).
# Grant changes per second (pgbench, 2 clients, synchronous_commit off so the CPU a write
# costs is measured, not the disk's flush), side by side in one run, rounds interleaved:
#   - customer_access.external_access, with its triggers and history;
#   - the same table with the usual alternative: a PL/pgSQL AFTER trigger writing the old and
#     new row as jsonb into an audit table (a primary key and an index on the grant id);
#   - the same table with no history at all;
#   - grant_access(), the self-service path (an Admin granting to new users).
# Each table starts with the same 100,000 grants; UPDATEs change notes and the window of one
# random grant by (user, customer), INSERTs add a grant for a new user.
set -euo pipefail
rounds=${BENCH_ROUNDS:-5}
seconds=${BENCH_WRITE_SECONDS:-8}
out=${BENCH_WRITES_OUT:-/tmp/customer_access_bench_writes.md}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
ADMIN=b0000000-0000-0000-0000-0000000ad111
ADMIN_CUSTOMER=c0000000-0000-0000-0000-0000000ad111

echo "== writes: building three tables of 100,000 grants (database customer_access_writes)"
psql_q -At <<SQL >/dev/null
ALTER SYSTEM SET synchronous_commit = off;
SELECT pg_reload_conf();
DROP DATABASE IF EXISTS customer_access_writes;
CREATE DATABASE customer_access_writes;
SQL
export PGDATABASE=customer_access_writes
psql_q <<SQL
SET client_min_messages = warning;
CREATE EXTENSION IF NOT EXISTS customer_access;
DROP SCHEMA IF EXISTS wbench CASCADE;
CREATE SCHEMA wbench;
CREATE FUNCTION wbench.u(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS \$\$ SELECT md5('user ' || n)::uuid \$\$;
CREATE FUNCTION wbench.c(n bigint) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS \$\$ SELECT md5('customer ' || n)::uuid \$\$;
-- The same shape as the extension's table: columns, keys, check and index.
CREATE TABLE wbench.audited (LIKE customer_access.external_access INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE wbench.audited ADD PRIMARY KEY (id), ADD UNIQUE (user_id, customer_id);
CREATE INDEX ON wbench.audited (customer_id);
CREATE TABLE wbench.plain (LIKE wbench.audited INCLUDING ALL);
CREATE TABLE wbench.notified (LIKE wbench.audited INCLUDING ALL);
CREATE TABLE wbench.audit_log (
    id bigserial PRIMARY KEY,
    changed_at timestamptz NOT NULL DEFAULT now(),
    operation text NOT NULL,
    changed_by name NOT NULL DEFAULT current_user,
    grant_id uuid,
    old_row jsonb,
    new_row jsonb);
CREATE INDEX ON wbench.audit_log (grant_id);
CREATE FUNCTION wbench.audit() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.object_version := 0;
    ELSIF TG_OP = 'UPDATE' THEN
        NEW.object_version := OLD.object_version + 1;
    END IF;
    RETURN NEW;
END \$\$;
CREATE FUNCTION wbench.audit_after() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    INSERT INTO wbench.audit_log (operation, grant_id, old_row, new_row)
    VALUES (TG_OP, coalesce(NEW.id, OLD.id),
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    RETURN NULL;
END \$\$;
-- The same with the notification customer_access sends at commit (SPEC "Change
-- notifications"): one NOTIFY per transaction (PostgreSQL folds equal ones).
CREATE FUNCTION wbench.audit_after_notify() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    INSERT INTO wbench.audit_log (operation, grant_id, old_row, new_row)
    VALUES (TG_OP, coalesce(NEW.id, OLD.id),
            CASE WHEN TG_OP <> 'INSERT' THEN to_jsonb(OLD) END,
            CASE WHEN TG_OP <> 'DELETE' THEN to_jsonb(NEW) END);
    PERFORM pg_notify('wbench_changed', '{"first_history_id": 1, "last_history_id": 1}');
    RETURN NULL;
END \$\$;
CREATE TRIGGER version BEFORE INSERT OR UPDATE ON wbench.audited FOR EACH ROW EXECUTE FUNCTION wbench.audit();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON wbench.audited FOR EACH ROW EXECUTE FUNCTION wbench.audit_after();
CREATE TRIGGER version BEFORE INSERT OR UPDATE ON wbench.notified FOR EACH ROW EXECUTE FUNCTION wbench.audit();
CREATE TRIGGER audit AFTER INSERT OR UPDATE OR DELETE ON wbench.notified FOR EACH ROW EXECUTE FUNCTION wbench.audit_after_notify();
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT wbench.c(n % 10000), wbench.u(n), 'L20', 30 FROM generate_series(1, 100000) n;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
VALUES ('$ADMIN_CUSTOMER', '$ADMIN', 'L80', NULL);
INSERT INTO wbench.audited SELECT * FROM customer_access.external_access;
INSERT INTO wbench.plain SELECT * FROM customer_access.external_access;
INSERT INTO wbench.notified SELECT * FROM customer_access.external_access;
VACUUM ANALYZE;
SQL

dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for table in customer_access.external_access wbench.audited wbench.notified wbench.plain; do
    cat > "$dir/update-$table.sql" <<SQL
\set n random(1, 100000)
UPDATE $table SET notes = 'changed ' || :n, days_back_access = 1 + :n % 365 WHERE user_id = wbench.u(:n) AND customer_id = wbench.c(:n % 10000);
SQL
    cat > "$dir/insert-$table.sql" <<SQL
INSERT INTO $table (customer_id, user_id, role, days_back_access) VALUES (gen_random_uuid(), gen_random_uuid(), 'L20', 30);
SQL
done
cat > "$dir/grant_access.sql" <<SQL
BEGIN;
SET LOCAL customer_access.user_id = '$ADMIN';
SELECT 1 FROM customer_access.grant_access('$ADMIN_CUSTOMER', gen_random_uuid(), 'L20', 30);
COMMIT;
SQL

tps() {  # script -> transactions per second
    pgbench -n -c 2 -j 2 -T "$seconds" -f "$1" 2>/dev/null | sed -n 's/^tps = \([0-9.]*\).*/\1/p'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

cases=(
  "update|customer_access (triggers, history)|$dir/update-customer_access.external_access.sql"
  "update|PL/pgSQL audit trigger (jsonb)|$dir/update-wbench.audited.sql"
  "update|PL/pgSQL audit trigger (jsonb) and NOTIFY at commit|$dir/update-wbench.notified.sql"
  "update|no history|$dir/update-wbench.plain.sql"
  "insert|customer_access (triggers, history)|$dir/insert-customer_access.external_access.sql"
  "insert|PL/pgSQL audit trigger (jsonb)|$dir/insert-wbench.audited.sql"
  "insert|PL/pgSQL audit trigger (jsonb) and NOTIFY at commit|$dir/insert-wbench.notified.sql"
  "insert|no history|$dir/insert-wbench.plain.sql"
  "insert|grant_access() as a customer Admin (BEGIN; SET LOCAL; grant; COMMIT)|$dir/grant_access.sql"
)
declare -A samples
for round in $(seq 1 "$rounds"); do
    echo "   round $round of $rounds"
    for c in "${cases[@]}"; do
        IFS='|' read -r op name script <<< "$c"
        samples["$op|$name"]+="$(tps "$script") "
    done
done

declare -A med
for c in "${cases[@]}"; do
    IFS='|' read -r op name script <<< "$c"
    med["$op|$name"]=$(tr ' ' '\n' <<< "${samples["$op|$name"]}" | grep . | median)
done
{
    echo "## Grant writes"
    echo
    echo "Grant changes per second: pgbench, 2 clients, ${seconds} s per sample, median of $rounds"
    echo "interleaved rounds, synchronous_commit off (the CPU a write costs, not the disk's flush)."
    echo "Each table starts with the same 100,000 grants; the PL/pgSQL alternative stamps the version"
    echo "in a BEFORE trigger and writes the old and new row as jsonb into an audit table with a"
    echo "primary key and an index on the grant id (target: customer_access ≥ 1.0× its tps). The"
    echo "same alternative with the NOTIFY customer_access sends after each changing transaction"
    echo "(SPEC \"Change notifications\") is the like-for-like one: PostgreSQL serializes the commits"
    echo "of notifying transactions."
    echo
    echo "| operation | table | tps (median) | vs PL/pgSQL audit trigger | vs the same with NOTIFY | vs no history |"
    echo "|---|---|---:|---:|---:|---:|"
    for c in "${cases[@]}"; do
        IFS='|' read -r op name script <<< "$c"
        m=${med["$op|$name"]}
        audit=${med["$op|PL/pgSQL audit trigger (jsonb)"]}
        notified=${med["$op|PL/pgSQL audit trigger (jsonb) and NOTIFY at commit"]}
        plain=${med["$op|no history"]}
        printf '| %s | %s | %.0f | %.2fx | %.2fx | %.2fx |\n' "$op" "$name" "$m" \
            "$(awk -v a="$m" -v b="$audit" 'BEGIN { print a / b }')" \
            "$(awk -v a="$m" -v b="$notified" 'BEGIN { print a / b }')" \
            "$(awk -v a="$m" -v b="$plain" 'BEGIN { print a / b }')"
    done
    echo
    psql_q -At <<SQL
SELECT format('History after the run: %s entries, %s (%s bytes per entry, indexes included); the audit alternative: %s entries, %s (%s bytes per entry).',
    (SELECT count(*) FROM customer_access.external_access_history),
    pg_size_pretty(pg_total_relation_size('customer_access.external_access_history')),
    pg_total_relation_size('customer_access.external_access_history') / greatest(1, (SELECT count(*) FROM customer_access.external_access_history)),
    (SELECT count(*) FROM wbench.audit_log),
    pg_size_pretty(pg_total_relation_size('wbench.audit_log')),
    pg_total_relation_size('wbench.audit_log') / greatest(1, (SELECT count(*) FROM wbench.audit_log)));
SQL
} | tee "$out"
ours="customer_access (triggers, history)"
audit="PL/pgSQL audit trigger (jsonb)"
printf '%s\t%s\n' "$(awk -v a="${med["update|$ours"]}" -v b="${med["update|$audit"]}" 'BEGIN { printf "%.2f", a / b }')" \
    "$(awk -v a="${med["insert|$ours"]}" -v b="${med["insert|$audit"]}" 'BEGIN { printf "%.2f", a / b }')" > "$out.ratios"
