#!/usr/bin/env bash
# What customer_access costs the application's own DDL (scripts/bench runs it): pgbench with a
# DDL script (CREATE TABLE, CREATE INDEX, ALTER TABLE ADD COLUMN, DROP TABLE) against two
# throwaway clusters side by side, one without the extension and one where it is preloaded,
# created, and holds a recorded foreign key to app.customers (as README recommends); rounds
# alternate, medians reported. Then PostgreSQL's regression schedule without and with it
# (scripts/pg-regress --timing, alternating runs, medians).
#
# Writes the section "DDL statements" to $BENCH_DDL_OUT (markdown) and the two ratios to
# $BENCH_DDL_OUT.tsv (tps with / without, schedule time with / without).
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"
rounds=${BENCH_ROUNDS:-7}
seconds=${BENCH_DDL_SECONDS:-10}
out=${BENCH_DDL_OUT:?}
bindir=/usr/lib/postgresql/$PG_MAJOR/bin
work=$(mktemp -d /tmp/customer_access_ddl_bench.XXXXXX)
as_pg=()
if [ "$(id -u)" -eq 0 ]; then chown postgres: "$work"; as_pg=(runuser -u postgres --); fi
started=()
cleanup() {
    for data in "${started[@]}"; do "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null 2>&1 || true; done
    rm -rf "$work"
}
trap cleanup EXIT
psql_q() { "${as_pg[@]}" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" "$@"; }

start_cluster() {  # without|with port
    local data=$work/$1
    "${as_pg[@]}" "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
    {
        echo "listen_addresses = ''"
        echo "unix_socket_directories = '$work'"
        echo "fsync = off"
        echo "shared_buffers = 128MB"
        [ "$1" = without ] || echo "shared_preload_libraries = 'customer_access'"
    } >> "$data/postgresql.conf"
    "${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -o "-p $2" -l "$work/$1.log" -w start >/dev/null
    started+=("$data")
    psql_q -p "$2" -d postgres -c 'CREATE DATABASE bench'
    psql_q -p "$2" -d bench -c 'CREATE SCHEMA app; CREATE TABLE app.customers (id uuid PRIMARY KEY)'
    if [ "$1" = with ]; then
        psql_q -p "$2" -d bench <<'SQL'
CREATE EXTENSION customer_access;
ALTER TABLE customer_access.external_access
  ADD CONSTRAINT external_access_customer_fk FOREIGN KEY (customer_id) REFERENCES app.customers (id) ON DELETE CASCADE;
SQL
        [ "$(psql_q -p "$2" -d bench -At -c 'SELECT count(*) FROM customer_access.table_extras')" -ge 1 ]
    fi
}

echo "== DDL: two clusters, without customer_access and with it (preloaded, created, a recorded foreign key)"
start_cluster without 5711
start_cluster with 5712
cat > "$work/ddl.sql" <<'SQL'
CREATE TABLE app.t:client_id (a int PRIMARY KEY, b text);
CREATE INDEX i:client_id ON app.t:client_id (b);
ALTER TABLE app.t:client_id ADD COLUMN c int;
DROP TABLE app.t:client_id;
SQL
chmod a+r "$work/ddl.sql"
# The CPU time of a cluster's exited processes (the postmaster's cutime + cstime), seconds.
exited_cpu() {  # without|with
    awk -v hz="$(getconf CLK_TCK)" '{ sub(/^.*\) /, ""); printf "%.2f", ($14 + $15) / hz }' \
        "/proc/$(head -1 "$work/$1/postmaster.pid")/stat"
}
# One pgbench round; prints "tps CPU-ms-per-transaction" (the backends' CPU, which other
# work on the machine disturbs less than the wall clock).
tps() {  # without|with port
    local before after out
    before=$(exited_cpu "$1")
    out=$("${as_pg[@]}" "$bindir/pgbench" -n -h "$work" -p "$2" -c 2 -j 2 -T "$seconds" -f "$work/ddl.sql" bench 2>/dev/null)
    sleep 0.5
    after=$(exited_cpu "$1")
    echo "$(echo "$out" | sed -n 's/^tps = \([0-9.]*\) .*/\1/p')" \
        "$(echo "$out" | sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' |
            awk -v a="$after" -v b="$before" '{ printf "%.3f", ($1 > 0) ? (a - b) * 1000 / $1 : 0 }')"
}
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
without=() with=() without_cpu=() with_cpu=()
tps without 5711 >/dev/null  # warm-up of both
tps with 5712 >/dev/null
for ((r = 1; r <= rounds; r++)); do
    read -r w wc <<<"$(tps without 5711)"
    read -r x xc <<<"$(tps with 5712)"
    echo "   round $r/$rounds: without $w tps ($wc ms CPU per transaction), with $x tps ($xc ms)"
    without+=("$w") with+=("$x") without_cpu+=("$wc") with_cpu+=("$xc")
done
tw=$(median "${without[@]}") tx=$(median "${with[@]}")
cw=$(median "${without_cpu[@]}") cx=$(median "${with_cpu[@]}")
tps_ratio=$(awk -v a="$tx" -v b="$tw" 'BEGIN { printf "%.2f", a / b }')
cpu_ratio=$(awk -v a="$cx" -v b="$cw" 'BEGIN { printf "%.2f", a / b }')
# The rows the recorded foreign key keeps: nothing in table_extras changed.
extras=$(psql_q -p 5712 -d bench -At -c 'SELECT count(*) FROM customer_access.table_extras')

echo "== PostgreSQL's regression schedule without and with customer_access: $rounds rounds each"
bash scripts/pg-regress --timing "$rounds" | tee "$work/regress.log"
line=$(sed -n 's/^pg-regress timing: //p' "$work/regress.log")
rw=$(echo "$line" | sed -E 's/^without ([0-9.]+) s.*/\1/')
rx=$(echo "$line" | sed -E 's/.*with ([0-9.]+) s.*/\1/')
regress_ratio=$(echo "$line" | sed -E 's/.*ratio ([0-9.]+).*/\1/')
line=$(sed -n "s/^pg-regress timing (backends' CPU): //p" "$work/regress.log")
rcw=$(echo "$line" | sed -E 's/^without ([0-9.]+) s.*/\1/')
rcx=$(echo "$line" | sed -E 's/.*with ([0-9.]+) s.*/\1/')
regress_cpu_ratio=$(echo "$line" | sed -E 's/.*ratio ([0-9.]+).*/\1/')
suite=$(sed -n 's/^pg-regress: PostgreSQL .* suite of //p' "$work/regress.log")

{
    echo "## DDL statements"
    echo
    echo "What the extension costs the application's own DDL, none of it about the extension."
    echo "Two clusters side by side, one without customer_access, one with it preloaded, created"
    echo "and holding a recorded foreign key to \`app.customers\` ($extras row in \`table_extras\`);"
    echo "fsync off in both. pgbench, 2 clients, $seconds s per round, rounds alternating, median"
    echo "of $rounds, each transaction \`CREATE TABLE\`, \`CREATE INDEX\`, \`ALTER TABLE ADD COLUMN\`,"
    echo "\`DROP TABLE\`. PostgreSQL's regression schedule ($suite, parallel schedule):"
    echo "\`scripts/pg-regress --timing $rounds\`, runs alternating, median wall time."
    echo
    echo "| | without | with | × without | target |"
    echo "|---|---:|---:|---:|---:|"
    echo "| DDL script, tps | $tw | $tx | $tps_ratio | ≥ 0.95 |"
    echo "| DDL script, server CPU ms per transaction | $cw | $cx | $cpu_ratio | |"
    echo "| regression schedule, wall s | $rw | $rx | $regress_ratio | ≤ 1.05 |"
    echo "| regression schedule, backends' CPU s | $rcw | $rcx | $regress_cpu_ratio | |"
    echo
    echo "Server CPU: the CPU time of the cluster's backends (the postmaster's children), which"
    echo "other work on the machine disturbs less than the wall clock."
    echo
} > "$out"
printf '%s\t%s\n' "$tps_ratio" "$regress_ratio" > "$out.tsv"
cat "$out"
