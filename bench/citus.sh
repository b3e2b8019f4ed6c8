#!/usr/bin/env bash
# scripts/bench --citus: a coordinator and two workers on 127.0.0.1 (this machine), 1,000,000
# orders over 10,000 customers distributed by customer, the grants a reference table. Times
# count(*) through the can_access policy for the all-seeing and the 5-customer user against no
# policy, on the distributed table and, in the same run on the coordinator, on a local copy of
# it (the single-node figures), and the hand-written query with and without Citus's pruning.
# Writes bench/RESULTS-citus.md and a line of bench/history.tsv. Run as root.
set -euo pipefail
rounds=${BENCH_ROUNDS:-7}
bin=/usr/lib/postgresql/${PG_MAJOR:-15}/bin
work=$(mktemp -d /tmp/customer_access_citus_bench.XXXXXX)
chown postgres: "$work"
ports=(57101 57102 57103)
as_pg() { runuser -u postgres -- "$@"; }
stop_all() { for p in "${ports[@]}"; do as_pg "$bin/pg_ctl" -D "$work/n$p" stop -m immediate >/dev/null 2>&1 || true; done; rm -rf "$work"; }
[ -n "${BENCH_KEEP:-}" ] || trap stop_all EXIT
for p in "${ports[@]}"; do
    as_pg "$bin/initdb" -D "$work/n$p" -A trust -U postgres >/dev/null
    cat >> "$work/n$p/postgresql.conf" <<CONF
port = $p
listen_addresses = '127.0.0.1'
unix_socket_directories = '$work'
shared_preload_libraries = 'citus,customer_access'
customer_access.cluster_secret = 'bench-cluster-secret-0123456789abcdef'
shared_buffers = 256MB
max_connections = 100
max_parallel_workers_per_gather = 0
CONF
    as_pg "$bin/pg_ctl" -D "$work/n$p" -l "$work/n$p.log" -w start >/dev/null
    psql -X -q -h "$work" -p "$p" -U postgres -c 'CREATE EXTENSION citus'
done
psql_c() { psql -X -q -v ON_ERROR_STOP=1 -h "$work" -p "${ports[0]}" -U postgres "$@"; }
psql_c -c "SELECT citus_set_coordinator_host('127.0.0.1', ${ports[0]})" >/dev/null
for p in "${ports[@]:1}"; do psql_c -c "SELECT citus_add_node('127.0.0.1', $p)" >/dev/null; done

ALL=b0000000-0000-0000-0000-00000000a11a
FIVE=b0000000-0000-0000-0000-000000000005
echo "== building the dataset on the cluster (1,000,000 orders, distributed; a few minutes)"
start=$(date +%s)
psql_c <<SQL
CREATE EXTENSION customer_access;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT ('c0000000-0000-0000-0000-' || lpad(n::text, 12, '0'))::uuid, '$ALL', 'L40', NULL
  FROM generate_series(1, 10000) n;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT ('c0000000-0000-0000-0000-' || lpad((n * 1777 % 10000 + 1)::text, 12, '0'))::uuid, '$FIVE', 'L20', 90
  FROM generate_series(1, 5) n;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT ('c0000000-0000-0000-0000-' || lpad(((u * 31 + k * 7) % 10000 + 1)::text, 12, '0'))::uuid,
       ('b1000000-0000-0000-0000-' || lpad(u::text, 12, '0'))::uuid, 'L20', 365
  FROM generate_series(1, 2000) u, generate_series(1, 50) k;
SELECT customer_access.distribute() \g /dev/null
CREATE SCHEMA bench;
CREATE TABLE bench.orders (id bigint NOT NULL, customer_id uuid NOT NULL, order_date date NOT NULL,
                           amount numeric(12, 2) NOT NULL);
CREATE INDEX orders_customer_idx ON bench.orders (customer_id);
SELECT create_distributed_table('bench.orders', 'customer_id') \g /dev/null
INSERT INTO bench.orders
SELECT n, ('c0000000-0000-0000-0000-' || lpad((hashint4(n) % 10000 + 10000) % 10000 + 1 || '', 12, '0'))::uuid,
       current_date - (n % 730), (n % 100000) / 100.0
  FROM generate_series(1, 1000000) n;
CREATE TABLE bench.orders_local AS SELECT * FROM bench.orders;
CREATE INDEX orders_local_customer_idx ON bench.orders_local (customer_id);
VACUUM ANALYZE bench.orders_local;
SELECT run_command_on_shards('bench.orders', 'VACUUM ANALYZE %s') \g /dev/null
CREATE ROLE bench_none LOGIN;
CREATE ROLE bench_can_access LOGIN;
GRANT USAGE ON SCHEMA bench TO bench_none, bench_can_access;
GRANT SELECT ON bench.orders, bench.orders_local TO bench_none, bench_can_access;
ALTER TABLE bench.orders ENABLE ROW LEVEL SECURITY;
ALTER TABLE bench.orders_local ENABLE ROW LEVEL SECURITY;
CREATE POLICY open ON bench.orders FOR SELECT TO bench_none USING (true);
CREATE POLICY open ON bench.orders_local FOR SELECT TO bench_none USING (true);
CREATE POLICY with_can_access ON bench.orders FOR SELECT TO bench_can_access
  USING (customer_access.can_access(customer_id, order_date, 'L20'));
CREATE POLICY with_can_access ON bench.orders_local FOR SELECT TO bench_can_access
  USING (customer_access.can_access(customer_id, order_date, 'L20'));
SQL
echo "   done in $(( $(date +%s) - start )) s"

# One timed query in a fresh session after a warm-up run; prints milliseconds.
time_query() {  # role user query
    psql_c -At <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -1
SET ROLE $1;
BEGIN;
SET LOCAL customer_access.user_id = '$2';
$3;
\timing on
$3;
\timing off
COMMIT;
SQL
}
five_customers=$(psql_c -At -c "SELECT string_agg(quote_literal(customer_id), ',') FROM customer_access.external_access WHERE user_id = '$FIVE'")
# The hand-written list out of Citus's sight: the same index condition on each shard, but
# nothing the coordinator can prune on, so every shard is asked as for the policy.
psql_c -c "CREATE FUNCTION bench.five_customers() RETURNS uuid[] LANGUAGE plpgsql STABLE
    AS \$\$ BEGIN RETURN ARRAY[$five_customers]::uuid[]; END \$\$"
variants=()
for table in orders orders_local; do
    variants+=("$table|all|no policy|bench_none|$ALL|SELECT count(*) FROM bench.$table"
               "$table|all|can_access policy|bench_can_access|$ALL|SELECT count(*) FROM bench.$table"
               "$table|five|no policy|bench_none|$FIVE|SELECT count(*) FROM bench.$table"
               "$table|five|can_access policy|bench_can_access|$FIVE|SELECT count(*) FROM bench.$table"
               "$table|five|hand-written WHERE, no policy|bench_none|$FIVE|SELECT count(*) FROM bench.$table WHERE customer_id = ANY (ARRAY[$five_customers]::uuid[]) AND order_date >= current_date - 90"
               "$table|five|the same WHERE, every shard asked|bench_none|$FIVE|SELECT count(*) FROM bench.$table WHERE customer_id = ANY (bench.five_customers()) AND order_date >= current_date - 90")
done
per_table=$(( ${#variants[@]} / 2 ))
# How many shards each variant asks (Citus's task count).
task_count() {  # role user query
    psql_c -At -c "SET ROLE $1" -c "BEGIN" -c "SET LOCAL customer_access.user_id = '$2'" \
        -c "EXPLAIN $3" -c COMMIT | sed -n 's/.*Task Count: \([0-9]*\).*/\1/p' | head -1
}
declare -A tasks
for ((j = 0; j < per_table; j++)); do
    IFS='|' read -r table who name role user query <<<"${variants[$j]}"
    tasks[$j]=$(task_count "$role" "$user" "$query")
done
echo "== checking the counts"
for v in "${variants[@]}"; do
    IFS='|' read -r table who name role user query <<<"$v"
    echo "   $table / $who / $name: $(time_query "$role" "$user" "$query" >/dev/null; psql_c -At -c "SET ROLE $role" -c "BEGIN" -c "SET LOCAL customer_access.user_id = '$user'" -c "$query" -c COMMIT | grep -E '^[0-9]+$') rows"
done
declare -A samples
[ -z "${BENCH_ONLY_SETUP:-}" ] || exit 0
echo "== timing: $rounds rounds, variants interleaved"
for ((r = 1; r <= rounds; r++)); do
    printf '   round %d/%d:' "$r" "$rounds"
    for i in "${!variants[@]}"; do
        IFS='|' read -r table who name role user query <<<"${variants[$i]}"
        samples[$i]="${samples[$i]:-} $(time_query "$role" "$user" "$query")"
        printf ' .'
    done
    echo
done
median() { echo "$@" | tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
declare -A med
for i in "${!variants[@]}"; do med[$i]=$(median ${samples[$i]}); done
{
    echo "# customer_access on Citus: benchmark results"
    echo
    echo "Produced by \`scripts/bench --citus $rounds\` on $(date -u '+%Y-%m-%d %H:%M UTC'): Citus $(psql_c -At -c "SELECT extversion FROM pg_extension WHERE extname = 'citus'"),"
    echo "a coordinator and two workers on one machine ($(nproc) cores, $(free -g | awk '/^Mem:/ {print $2}') GiB), serial plans per shard."
    echo "1,000,000 orders over 10,000 customers, distributed by customer_id (32 shards); the grants"
    echo "(a reference table) hold $(psql_c -At -c 'SELECT count(*) FROM customer_access.external_access') rows. \`SELECT count(*)\` through each policy, median"
    echo "of $rounds timed runs, each after a warm-up run, variants interleaved. \"single node\" is the same"
    echo "data in a plain table on the coordinator, measured in the same run."
    echo
    echo "| user | variant | Citus ms | × no policy | shards asked | single node ms | × no policy |"
    echo "|---|---|---:|---:|---:|---:|---:|"
    for ((j = 0; j < per_table; j++)); do
        IFS='|' read -r table who name role user query <<<"${variants[$j]}"
        base=$([ "$who" = all ] && echo 0 || echo 2)
        echo "| $who | $name | ${med[$j]} | $(ratio "${med[$j]}" "${med[$base]}") | ${tasks[$j]} | ${med[$((j + per_table))]} | $(ratio "${med[$((j + per_table))]}" "${med[$((base + per_table))]}") |"
    done
    echo
    echo "5-customer user, can_access policy against the hand-written index query: Citus $(ratio "${med[3]}" "${med[4]}"), single node $(ratio "${med[$((3 + per_table))]}" "${med[$((4 + per_table))]}")."
    echo "Against the same query with every shard asked: Citus $(ratio "${med[3]}" "${med[5]}"), single node $(ratio "${med[$((3 + per_table))]}" "${med[$((5 + per_table))]}")."
} > bench/RESULTS-citus.md
bash bench/history.sh citus "$(ratio "${med[3]}" "${med[4]}")" "$(ratio "${med[3]}" "${med[5]}")"
echo
cat bench/RESULTS-citus.md
