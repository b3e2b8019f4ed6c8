#!/usr/bin/env bash
# What the DDL guard costs a statement that is not about the extension, in instructions:
# the same DDL loop runs in a backend under callgrind in a cluster without customer_access and
# in one where it is preloaded, created, and holds a recorded foreign key to app.customers
# (as README recommends). The loop's session minus an empty session of the same cluster is
# counted (Debian's server has no symbols to narrow callgrind to query execution, so
# connection start is subtracted). Needs valgrind and the extension installed for
# this server, so run it in a root, with network for valgrind:
#
#   NET=1 bash scripts/root 15 bash bench/guard_cost.sh [LOOPS]
#
# Prints instructions per loop (CREATE TABLE, CREATE INDEX, ALTER TABLE ADD COLUMN, DROP
# TABLE, CREATE OR REPLACE FUNCTION, CREATE VIEW, DROP VIEW, DROP FUNCTION) for both, the
# difference per statement, and the inclusive cost of the guard's functions. With
# GUARD_COST_LOOP=keys, a loop of statements that declare, validate or retype keys and
# CREATE/DROP SCHEMA ... CASCADE instead. (scripts/root passes no environment: set it
# inside, e.g. bash -c 'GUARD_COST_LOOP=keys bash bench/guard_cost.sh 50'.)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"
loops=${1:-200}
ensure_packages valgrind
if [ ! -f "$("/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" --pkglibdir)/customer_access.so" ]; then
    build_and_install >/dev/null
fi
bindir=/usr/lib/postgresql/$PG_MAJOR/bin
work=$(mktemp -d /tmp/customer_access_guard_cost.XXXXXX)
chown postgres: "$work"
as_pg=(runuser -u postgres --)
psql_at() { "${as_pg[@]}" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" "$@"; }

{
    echo "SET client_min_messages = warning;"
    for ((i = 0; i < loops; i++)); do
        if [ "${GUARD_COST_LOOP:-}" = keys ]; then
            # Statements the foreign-key rule reads the catalogs for.
            echo "CREATE TABLE app.k_$i (id int PRIMARY KEY, b text);"
            echo "CREATE TABLE app.r_$i (a int REFERENCES app.k_$i (id), b text);"
            echo "ALTER TABLE app.r_$i ADD CONSTRAINT r_${i}_fk FOREIGN KEY (a) REFERENCES app.k_$i (id) NOT VALID;"
            echo "ALTER TABLE app.r_$i VALIDATE CONSTRAINT r_${i}_fk;"
            echo "ALTER TABLE app.r_$i ALTER COLUMN b TYPE varchar(20);"
            echo "CREATE SCHEMA s_$i CREATE TABLE t (a int);"
            echo "DROP SCHEMA s_$i CASCADE;"
            echo "DROP TABLE app.r_$i, app.k_$i CASCADE;"
        else
            echo "CREATE TABLE app.t_$i (a int PRIMARY KEY, b text);"
            echo "CREATE INDEX t_${i}_b ON app.t_$i (b);"
            echo "ALTER TABLE app.t_$i ADD COLUMN c int;"
            echo "CREATE OR REPLACE FUNCTION app.f_$i(x app.t_$i.a%TYPE) RETURNS int LANGUAGE sql AS 'SELECT x';"
            echo "CREATE VIEW app.v_$i AS SELECT a, b FROM app.t_$i;"
            echo "DROP VIEW app.v_$i;"
            echo "DROP FUNCTION app.f_$i;"
            echo "DROP TABLE app.t_$i;"
        fi
    done
} > "$work/loop.sql"
statements=8

# One cluster, one backend under callgrind running the loop; prints its instruction count.
measure() {  # without|with port
    local kind=$1 port=$2 data=$work/$1
    "${as_pg[@]}" "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
    {
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '$work'"
        echo "fsync = off"
        echo "autovacuum = off"
        [ "$kind" = without ] || echo "shared_preload_libraries = 'customer_access'"
    } >> "$data/postgresql.conf"
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -o "-p $port" -l "$work/$kind.log" -w start >/dev/null
    psql_at -p "$port" -d postgres -c "CREATE SCHEMA app; CREATE TABLE app.customers (id uuid PRIMARY KEY)"
    if [ "$kind" = with ]; then
        psql_at -p "$port" -d postgres <<'SQL'
CREATE EXTENSION customer_access;
ALTER TABLE customer_access.external_access
  ADD CONSTRAINT external_access_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers (id) ON DELETE CASCADE;
SQL
        [ "$(psql_at -p "$port" -d postgres -At -c 'SELECT count(*) FROM customer_access.table_extras')" -ge 1 ] ||
            { echo "no table_extras record" >&2; exit 1; }
    fi
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -w stop >/dev/null
    # The postmaster under callgrind; only the backend that runs the loop executes queries.
    "${as_pg[@]}" valgrind --tool=callgrind --trace-children=yes \
        --callgrind-out-file="$work/$kind.%p.out" \
        "$bindir/postgres" -D "$data" -p "$port" > "$work/$kind.valgrind.log" 2>&1 &
    for _ in $(seq 1 120); do "$bindir/pg_isready" -q -h "$work" -p "$port" && break; sleep 1; done
    # An empty session and the loop's session: the difference is the loop.
    local empty loop
    empty=$(psql_at -p "$port" -d postgres -At -c 'SELECT pg_backend_pid()' -c 'SET client_min_messages = warning')
    loop=$(psql_at -p "$port" -d postgres -At -c 'SELECT pg_backend_pid()' -f "$work/loop.sql")
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
    sleep 1
    ir() { sed -n 's/^summary: //p' "$work/$kind.$1.out" | awk '{print $1}'; }
    cp "$work/$kind.$loop.out" "$work/$kind.backend.out"
    echo $(( $(ir "$loop") - $(ir "$empty") ))
}

without=$(measure without 5701)
with=$(measure with 5702)
per_loop() { awk -v n="$1" -v l="$loops" 'BEGIN { printf "%.0f", n / l }'; }
echo "guard cost: $loops loops of $statements DDL statements"
echo "  without customer_access: $(per_loop "$without") instructions per loop"
echo "  with customer_access:    $(per_loop "$with") instructions per loop"
echo "  difference: $(awk -v a="$with" -v b="$without" -v l="$loops" -v s="$statements" \
    'BEGIN { printf "%.0f instructions per statement (%.2f%%)", (a - b) / l / s, (a - b) * 100 / b }')"
echo "  inclusive instructions per statement, with customer_access:"
callgrind_annotate --inclusive=yes --threshold=100 "$work/with.backend.out" 2>/dev/null |
    awk -v n=$((loops * statements)) '
        /^ *[0-9,]+ +\([ 0-9.]+%\) +[^ ]+:[^ ]/ {
            count = $1; gsub(",", "", count)
            name = $0; sub(/^ *[0-9,]+ +\([ 0-9.]+%\) +/, "", name); sub(/ \[.*$/, "", name); sub(/^.*:/, "", name)
            if (name ~ /^(guard_ddl|guard_ddl_end|EventTriggerDDLCommandStart|EventTriggerDDLCommandEnd|EventTriggerSQLDrop|EventTriggerSQLDropAddObject|EventTriggerBeginCompleteQuery|EventTriggerEndCompleteQuery|EventTriggerCollectSimpleCommand|EventTriggerAlterTableStart|EventTriggerCollectAlterTableSubcmd|EventTriggerAlterTableEnd)$/ && !(name in seen)) {
                seen[name] = 1; printf "    %-40s %10.0f\n", name, count / n
            }
        }'
if [ -n "${GUARD_COST_TREE:-}" ]; then
    # The extension's functions and what they call (GUARD_COST_TREE=1).
    callgrind_annotate --inclusive=yes --tree=calling --threshold=100 "$work/with.backend.out" 2>/dev/null |
        awk 'BEGIN { RS = ""; ORS = "\n\n" } /\*  [^\n]*customer_access\.so/' | cut -c1-200
fi
echo "  (callgrind files: $work)"
