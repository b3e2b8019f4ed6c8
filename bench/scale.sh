#!/usr/bin/env bash
# Runs inside scripts/bench's throwaway cluster (scripts/bench --scale [USERS]).
# The same 1,000,000 orders over 10,000 customers in two databases, one with 100,000 grants
# (10,000 users x 10 customers) and one with USERS x 10 (default 10,000,000 grants), side by
# side: a portal request through pgbench (BEGIN; identity; the user's 20 newest orders;
# COMMIT) with p50 and p99 latency, the all-seeing and 5-customer counts, loading the grants
# with COPY (against the same table without the extension's triggers), the history's size
# and the per-statement cache's peak bytes.
set -euo pipefail
large_users=${BENCH_SCALE_USERS:-1000000}
small_users=10000
rounds=${BENCH_ROUNDS:-3}
seconds=${BENCH_SCALE_SECONDS:-15}
out=${BENCH_SCALE_OUT:-/tmp/customer_access_bench_scale.md}
ALL=b0000000-0000-0000-0000-00000000a11a
FIVE=b0000000-0000-0000-0000-000000000005
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
dir=$(mktemp -d)
chmod 1777 "$dir"
trap 'rm -rf "$dir"' EXIT
median() { sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ms() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.0f", (e - s) / 1e6 }'; }

# The portal request for a database of USERS users: a random user's 20 newest orders.
write_request() {  # size users
    cat > "$dir/request-$1.sql" <<SQL
\\set u random(1, $2)
BEGIN;
SET LOCAL ROLE scale_portal;
SELECT set_config('customer_access.user_id', md5('user ' || :u)::uuid::text, true);
SELECT id, order_date, amount FROM app.orders ORDER BY order_date DESC, id LIMIT 20;
COMMIT;
SQL
}

declare -A load_ms plain_ms sizes
# BENCH_SCALE_REUSE=1: the databases and their load figures ($out.load) of an earlier run
# are measured again (a quiet machine matters more than a fresh load).
if [ "${BENCH_SCALE_REUSE:-}" = 1 ] && [ -f "$out.load" ]; then
    while IFS=$'\t' read -r size load plain sz; do
        load_ms[$size]=$load; plain_ms[$size]=$plain; sizes[$size]=$sz
    done < "$out.load"
fi
for size in small large; do
    if [ -n "${load_ms[$size]:-}" ]; then
        users=$small_users
        [ $size = large ] && users=$large_users
        write_request "$size" "$users"
        continue
    fi
    users=$small_users
    [ $size = large ] && users=$large_users
    db=scale_$size
    echo "== $db: $users users x 10 customers"
    psql_q -At -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    psql_q -d $db <<SQL
SET client_min_messages = warning;
CREATE EXTENSION customer_access;
CREATE SCHEMA app;
CREATE FUNCTION app.customer(n integer) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
    AS \$\$ SELECT md5('customer ' || n)::uuid \$\$;
CREATE TABLE app.orders (id integer PRIMARY KEY, customer_id uuid NOT NULL, order_date date NOT NULL,
                         amount numeric(12, 2) NOT NULL);
INSERT INTO app.orders
SELECT g, app.customer(((g::bigint * 7919) % 10000)::integer), current_date - (g * 31) % 730, (g % 997) * 1.5
  FROM generate_series(1, 1000000) g;
CREATE INDEX ON app.orders (customer_id, order_date);
CREATE INDEX ON app.orders (order_date);
DO \$\$ BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'scale_portal') THEN CREATE ROLE scale_portal; END IF;
END \$\$;
GRANT USAGE ON SCHEMA app TO scale_portal;
GRANT SELECT ON app.orders TO scale_portal;
ALTER TABLE app.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY portal ON app.orders FOR SELECT TO scale_portal
    USING (customer_access.can_access(customer_id, order_date, 'L20'));
-- The same table without the extension's triggers, for the load's comparison.
CREATE TABLE app.plain_grants (LIKE customer_access.external_access INCLUDING ALL);
SQL
    # The grants as a file, written once per size (COPY FROM reads it as the server).
    psql_q -d $db -c "COPY (
        SELECT app.customer(((u * 37 + j * 101) % 10000)::integer), md5('user ' || u)::uuid,
               (ARRAY['L10', 'L20', 'L30', 'L40', 'L80'])[1 + (u + j) % 5], (ARRAY[NULL, 30, 90, 365])[1 + (u + j) % 4]
          FROM generate_series(1, $users) u, generate_series(0, 9) j
        UNION ALL SELECT app.customer(c), '$ALL', 'L80', NULL FROM generate_series(0, 9999) c
        UNION ALL SELECT app.customer(c * 1999 % 10000), '$FIVE', 'L30', 90 FROM generate_series(1, 5) c
    ) TO '$dir/grants.csv' (FORMAT csv)"
    start=$(date +%s%N)
    psql_q -d $db -c "COPY customer_access.external_access (customer_id, user_id, role, days_back_access) FROM '$dir/grants.csv' (FORMAT csv)"
    load_ms[$size]=$(ms "$start" "$(date +%s%N)")
    start=$(date +%s%N)
    psql_q -d $db -c "COPY app.plain_grants (customer_id, user_id, role, days_back_access) FROM '$dir/grants.csv' (FORMAT csv)"
    plain_ms[$size]=$(ms "$start" "$(date +%s%N)")
    rm -f "$dir/grants.csv"
    psql_q -d $db -c "VACUUM ANALYZE" -c "CHECKPOINT"
    sizes[$size]=$(psql_q -d $db -At -c "SELECT format('%s|%s|%s|%s|%s',
        (SELECT count(*) FROM customer_access.external_access),
        pg_size_pretty(pg_total_relation_size('customer_access.external_access')),
        pg_size_pretty(pg_total_relation_size('customer_access.external_access_history')),
        pg_total_relation_size('customer_access.external_access_history') / greatest(1, (SELECT count(*) FROM customer_access.external_access_history)),
        pg_size_pretty(pg_total_relation_size('app.plain_grants')))")
    echo "   loaded in ${load_ms[$size]} ms (without the triggers: ${plain_ms[$size]} ms): ${sizes[$size]}"
    printf '%s\t%s\t%s\t%s\n' "$size" "${load_ms[$size]}" "${plain_ms[$size]}" "${sizes[$size]}" >> "$out.load.new"
    write_request "$size" "$users"
done

# A count in a fresh session after a warm-up, in ms; then the cache's peak bytes.
count_ms() {  # db user
    psql_q -d "$1" -At <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | tail -1
SET max_parallel_workers_per_gather = 0;
SET customer_access.identity_scope = session;
SET ROLE scale_portal;
SET customer_access.user_id = '$2';
SELECT count(*) FROM app.orders;
\\timing on
SELECT count(*) FROM app.orders;
SQL
}
peak_bytes() {  # db user
    psql_q -d "$1" -At <<SQL | tail -1
SET max_parallel_workers_per_gather = 0;
SET customer_access.identity_scope = session;
SET ROLE scale_portal;
SET customer_access.user_id = '$2';
SELECT count(*) FROM app.orders;
RESET ROLE;
SELECT peak_bytes FROM customer_access.cache_stats();
SQL
}

# Blocks of the grants (table and indexes) read from outside shared_buffers so far: divided by
# the requests, how often a request misses the buffer cache.
grants_blocks_read() {  # db
    sleep 0.5  # the pgbench backends' statistics are flushed as they exit
    psql_q -d "$1" -At -c "SELECT coalesce(heap_blks_read, 0) + coalesce(idx_blks_read, 0)
        FROM pg_statio_all_tables WHERE relid = 'customer_access.external_access'::regclass"
}
# One pgbench sample of the portal request: appends its p50 and p99 in µs, and the grants'
# blocks read per request, under key; n = transactions.
request_run() {  # size key
    local before
    before=$(grants_blocks_read scale_$1)
    rm -f "$dir"/log.*
    (cd "$dir" && pgbench -n -d scale_$1 -c 2 -j 2 -T "$seconds" -f "request-$1.sql" -l --log-prefix=log >/dev/null 2>&1)
    cat "$dir"/log.* | awk '{ print $3 }' | sort -g > "$dir/latencies"
    n=$(wc -l < "$dir/latencies")
    p50[$2]+="$(sed -n "$(( (n + 1) / 2 ))p" "$dir/latencies") "
    p99[$2]+="$(sed -n "$(( (n * 99 + 99) / 100 ))p" "$dir/latencies") "
    reads[$2]+="$(awk -v a="$before" -v b="$(grants_blocks_read scale_$1)" -v n="$n" \
        'BEGIN { printf "%.2f", (b - a) / n }') "
}

[ -f "$out.load.new" ] && mv "$out.load.new" "$out.load"
psql_q -d scale_large -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
psql_q -d scale_small -c "VACUUM ANALYZE" -c "CHECKPOINT" >/dev/null
declare -A p50 p99 all five reads
for round in $(seq 1 "$rounds"); do
    echo "   round $round of $rounds"
    for size in small large; do
        request_run $size $size
        all[$size]+="$(count_ms scale_$size $ALL) "
        five[$size]+="$(count_ms scale_$size $FIVE) "
    done
done
# The large database once more with the grants' user index in shared_buffers
# (pg_prewarm): what is left of the difference when no request misses the buffer cache.
psql_q -d scale_large -At -c "CREATE EXTENSION IF NOT EXISTS pg_prewarm" \
    -c "SELECT pg_prewarm('customer_access.external_access_user_customer_key')" >/dev/null
for round in $(seq 1 "$rounds"); do request_run large warm; done
declare -A med_p50 med_p99 med_all med_five peak med_reads
for size in small large warm; do
    med_p50[$size]=$(tr ' ' '\n' <<< "${p50[$size]}" | grep . | median)
    med_p99[$size]=$(tr ' ' '\n' <<< "${p99[$size]}" | grep . | median)
    med_reads[$size]=$(tr ' ' '\n' <<< "${reads[$size]}" | grep . | median)
done
for size in small large; do
    med_all[$size]=$(tr ' ' '\n' <<< "${all[$size]}" | grep . | median)
    med_five[$size]=$(tr ' ' '\n' <<< "${five[$size]}" | grep . | median)
    peak[$size]=$(peak_bytes scale_$size $ALL)
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
IFS='|' read -r rows_small grants_small history_small entry_small plain_small <<< "${sizes[small]}"
IFS='|' read -r rows_large grants_large history_large entry_large plain_large <<< "${sizes[large]}"
{
    echo "## Size"
    echo
    echo "The same 1,000,000 orders in two databases: $rows_small grants ($small_users users x 10"
    echo "customers, plus an all-seeing and a 5-customer user) and $rows_large grants ($large_users"
    echo "users x 10). A portal request is pgbench (2 clients, ${seconds} s per sample): BEGIN; SET"
    echo "LOCAL ROLE; the user's identity; the 20 newest orders it may see; COMMIT, for a random"
    echo "user; latencies in µs from pgbench's per-transaction log, median of $rounds interleaved rounds."
    echo
    echo "| | $rows_small grants | $rows_large grants | large / small |"
    echo "|---|---:|---:|---:|"
    echo "| portal request p50 µs | ${med_p50[small]} | ${med_p50[large]} | $(ratio "${med_p50[large]}" "${med_p50[small]}") |"
    echo "| portal request p99 µs | ${med_p99[small]} | ${med_p99[large]} | $(ratio "${med_p99[large]}" "${med_p99[small]}") |"
    echo "| the grants' blocks read from outside shared_buffers per request | ${med_reads[small]} | ${med_reads[large]} | |"
    echo "| p50 µs, the grants' user index prewarmed (pg_prewarm) in the large database | ${med_p50[small]} | ${med_p50[warm]} | $(ratio "${med_p50[warm]}" "${med_p50[small]}") |"
    echo "| p99 µs, the same | ${med_p99[small]} | ${med_p99[warm]} | $(ratio "${med_p99[warm]}" "${med_p99[small]}") |"
    echo "| blocks read per request, the same | ${med_reads[small]} | ${med_reads[warm]} | |"
    echo "| all-seeing count(*) ms | ${med_all[small]} | ${med_all[large]} | $(ratio "${med_all[large]}" "${med_all[small]}") |"
    echo "| 5-customer count(*) ms | ${med_five[small]} | ${med_five[large]} | $(ratio "${med_five[large]}" "${med_five[small]}") |"
    echo "| loading the grants with COPY, ms | ${load_ms[small]} | ${load_ms[large]} | |"
    echo "| the same COPY into the table without the extension's triggers, ms | ${plain_ms[small]} | ${plain_ms[large]} | |"
    echo "| COPY with / without the triggers | $(ratio "${load_ms[small]}" "${plain_ms[small]}")x | $(ratio "${load_ms[large]}" "${plain_ms[large]}")x | |"
    echo "| grants table (with indexes) | $grants_small | $grants_large | |"
    echo "| the same without the extension | $plain_small | $plain_large | |"
    echo "| history (with indexes) | $history_small | $history_large | |"
    echo "| history bytes per entry | $entry_small | $entry_large | |"
    echo "| per-statement cache peak bytes, all-seeing count | ${peak[small]} | ${peak[large]} | |"
    echo
} | tee "$out"
printf '%s\t%s\n' "$(ratio "${med_p50[large]}" "${med_p50[small]}")" "$(ratio "${med_p99[large]}" "${med_p99[small]}")" > "$out.ratios"
