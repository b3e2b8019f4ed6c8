#!/usr/bin/env bash
# What a row-level check costs per row, in instructions (repeatable where times are not): a
# backend under callgrind counts `SELECT count(*)` over ROWS orders of a user who sees every
# customer, read through
#   can_access  a policy USING (customer_access.can_access(customer_id, order_date, 'L20'))
#   explicit    a policy USING (customer_access.has_customer_access(
#                   current_setting('customer_access.user_id')::uuid, customer_id, order_date, 'L20'))
#   none        no policy (a BYPASSRLS role)
#   trivial     a policy of two built-in comparisons on the same two columns (reads them as the
#               checks do: the floor of any policy on these columns)
# Each form runs in two sessions, one counting once and one counting 1 + REPEATS times, in one
# transaction that gives the identity with SET LOCAL; the difference divided by REPEATS × ROWS
# is the steady cost of a row (connection start, catalog caches and the first plan cancel
# out). No parallel workers (each would be a process of its own). Needs valgrind and the
# extension installed for this server, so run it in a root:
#
#   bash scripts/root 15 bash bench/rows_cost.sh [ROWS [REPEATS]]
#
# Prints instructions per row for the three forms and the two ratios to no policy, and with
# ROWS_COST_HISTORY=1 appends them to bench/history.tsv (columns 13-16: can_access, explicit,
# trivial, none; inside a root that copy of the tree is thrown away, so copy the line printed).
# ROWS_COST_ANNOTATE=1 prints the can_access session's most expensive functions (self cost
# per row). (scripts/root passes no environment: set it inside, e.g.
# bash -c 'ROWS_COST_ANNOTATE=1 bash bench/rows_cost.sh'.)
set -euo pipefail
source "$(dirname "$0")/../scripts/lib.sh"
cd "$REPO_ROOT"
rows=${1:-100000}
repeats=${2:-3}
ensure_packages valgrind
if [ ! -f "$("/usr/lib/postgresql/$PG_MAJOR/bin/pg_config" --pkglibdir)/customer_access.so" ]; then
    build_and_install >/dev/null
fi
bindir=/usr/lib/postgresql/$PG_MAJOR/bin
work=$(mktemp -d /tmp/customer_access_rows_cost.XXXXXX)
chown postgres: "$work"
as_pg=(runuser -u postgres --)
port=5703
psql_at() { "${as_pg[@]}" "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h "$work" -p "$port" -d postgres "$@"; }
user=b0000000-0000-0000-0000-00000000a11a

data=$work/data
"${as_pg[@]}" "$bindir/initdb" -D "$data" -A trust -U postgres >/dev/null
{
    echo "listen_addresses = ''"
    echo "unix_socket_directories = '$work'"
    echo "fsync = off"
    echo "autovacuum = off"
    echo "jit = off"
    echo "max_parallel_workers_per_gather = 0"
    echo "shared_preload_libraries = 'customer_access'"
} >> "$data/postgresql.conf"
"${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -o "-p $port" -l "$work/server.log" -w start >/dev/null
psql_at <<SQL
SET client_min_messages = warning;
CREATE EXTENSION customer_access;
CREATE SCHEMA rc;
CREATE TABLE rc.orders (id integer PRIMARY KEY, customer_id uuid NOT NULL, order_date date NOT NULL);
INSERT INTO rc.orders
SELECT g, md5('customer ' || (g::bigint * 7919) % 1000)::uuid, current_date - (g * 31) % 730
  FROM generate_series(1, $rows) g;
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT md5('customer ' || c)::uuid, '$user', 'L80', NULL FROM generate_series(0, 999) c;
VACUUM ANALYZE rc.orders;
VACUUM ANALYZE customer_access.external_access;
CREATE ROLE rc_none BYPASSRLS;
CREATE ROLE rc_can_access;
CREATE ROLE rc_explicit;
CREATE ROLE rc_trivial;
GRANT USAGE ON SCHEMA rc TO rc_none, rc_can_access, rc_explicit, rc_trivial;
GRANT SELECT ON rc.orders TO rc_none, rc_can_access, rc_explicit, rc_trivial;
ALTER TABLE rc.orders ENABLE ROW LEVEL SECURITY;
CREATE POLICY with_can_access ON rc.orders FOR SELECT TO rc_can_access
    USING (customer_access.can_access(customer_id, order_date, 'L20'));
CREATE POLICY with_explicit ON rc.orders FOR SELECT TO rc_explicit
    USING (customer_access.has_customer_access(current_setting('customer_access.user_id')::uuid,
                                               customer_id, order_date, 'L20'));
CREATE POLICY trivial ON rc.orders FOR SELECT TO rc_trivial
    USING (customer_id <> '00000000-0000-0000-0000-000000000000' AND order_date > '-infinity');
SQL
"${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -w stop >/dev/null

# The postmaster under callgrind; each session's backend writes its own file.
"${as_pg[@]}" valgrind --tool=callgrind --trace-children=yes \
    --callgrind-out-file="$work/%p.out" \
    "$bindir/postgres" -D "$data" -p "$port" > "$work/valgrind.log" 2>&1 &
for _ in $(seq 1 120); do "$bindir/pg_isready" -q -h "$work" -p "$port" && break; sleep 1; done

# A session of role $1 counting $2 times in one transaction; prints its backend's pid.
session() {  # role times
    {
        echo "BEGIN;"
        echo "SET LOCAL ROLE $1;"
        echo "SET LOCAL customer_access.user_id = '$user';"
        for ((i = 0; i < $2; i++)); do echo "SELECT count(*) FROM rc.orders;"; done
        echo "COMMIT;"
    } > "$work/$1.$2.sql"
    local out
    out=$(psql_at -At -c 'SELECT pg_backend_pid()' -f "$work/$1.$2.sql")
    # Every count must see every row (the user sees every customer, the window is unlimited).
    if [ "$(echo "$out" | sed -n 2p)" != "$rows" ]; then
        echo "rows_cost: $1 counted $(echo "$out" | sed -n 2p) rows, not $rows" >&2
        exit 1
    fi
    echo "$out" | head -1
}
forms=(can_access explicit trivial none)
declare -A once many
for form in "${forms[@]}"; do
    once[$form]=$(session "rc_$form" 1)
    many[$form]=$(session "rc_$form" $((1 + repeats)))
done
"${as_pg[@]}" "$bindir/pg_ctl" -D "$data" -m fast -w stop >/dev/null
sleep 1

ir() { sed -n 's/^summary: //p' "$work/$1.out" | awk '{print $1}'; }
# (the longer session of each form, under its name, for callgrind_annotate)
for form in "${forms[@]}"; do cp "$work/${many[$form]}.out" "$work/$form.out"; done
declare -A per_row
for form in "${forms[@]}"; do
    per_row[$form]=$(awk -v a="$(ir "${many[$form]}")" -v b="$(ir "${once[$form]}")" \
        -v n=$((repeats * rows)) 'BEGIN { printf "%.1f", (a - b) / n }')
done
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
echo "rows cost: SELECT count(*) over $rows rows of an all-seeing user, $repeats repeats"
echo "  can_access policy: ${per_row[can_access]} instructions per row ($(ratio "${per_row[can_access]}" "${per_row[none]}") × no policy)"
echo "  explicit policy:   ${per_row[explicit]} instructions per row ($(ratio "${per_row[explicit]}" "${per_row[none]}") × no policy)"
echo "  trivial policy:    ${per_row[trivial]} instructions per row ($(ratio "${per_row[trivial]}" "${per_row[none]}") × no policy)"
echo "  no policy:         ${per_row[none]} instructions per row"
line=$(printf '%s\t%s\t\t\t\t\t\t\t\t\t\t\t%s\t%s\t%s\t%s' "$(date -u '+%Y-%m-%d %H:%M')" \
    "$(git rev-parse --short HEAD 2>/dev/null || echo -)" \
    "${per_row[can_access]}" "${per_row[explicit]}" "${per_row[trivial]}" "${per_row[none]}")
if [ -n "${ROWS_COST_HISTORY:-}" ]; then
    echo "$line" >> bench/history.tsv
fi
echo "  bench/history.tsv line: $line"
if [ -n "${ROWS_COST_ANNOTATE:-}" ]; then
    echo "  self instructions per row, can_access session (functions above 1%):"
    callgrind_annotate --auto=no --threshold=99 "$work/${many[can_access]}.out" 2>/dev/null |
        awk -v n=$(((1 + repeats) * rows)) '
            /^ *[0-9,]+ +\([ 0-9.]+%\) +[^ ]/ {
                count = $1; gsub(",", "", count)
                name = $0; sub(/^ *[0-9,]+ +\([ 0-9.]+%\) +/, "", name); sub(/ \[.*$/, "", name)
                if (count / n >= 1) printf "    %8.1f  %s\n", count / n, substr(name, 1, 110)
            }'
fi
echo "  (callgrind files: $work)"
