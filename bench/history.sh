#!/usr/bin/env bash
# bench/history.tsv and its table at the end of bench/RESULTS.md (scripts/bench, measure.sh).
#   bench/history.sh header        the History heading and the table's header
#   bench/history.sh table         the table's rows, from bench/history.tsv
#   bench/history.sh ddl SECTION   after a run of the DDL case alone (scripts/bench --ddl): puts
#                                  SECTION (markdown) in place of RESULTS.md's DDL section, adds a
#                                  line with SECTION.tsv's two ratios, and renders the table again
#   bench/history.sh writes SECTION  the same for the grant writes (scripts/bench --writes): its
#                                  section, and a line with its two ratios (columns 17 and 18)
#   bench/history.sh scale SECTION   the same for the size case (scripts/bench --scale): p50
#                                  and p99 of the portal request, 10M / 100k grants (19, 20)
#   bench/history.sh citus R1 R2   after scripts/bench --citus: the 5-customer user through the
#                                  policy against the hand-written query, with Citus's pruning
#                                  and with every shard asked (21, 22); renders the table again
set -euo pipefail
cd "$(dirname "$0")/.."

header() {
    echo "## History"
    echo
    echo "Each run of \`scripts/bench\` adds a line to \`bench/history.tsv\` (date, commit, then the ratios"
    echo "above: all-seeing / no policy, 5-customer / hand-written, explicit / can_access (all-seeing),"
    echo "reused / fresh (both directions), grant reads for 40 pairs, cliff, big customer, DDL"
    echo "script tps with / without the extension, regression schedule time with / without;"
    echo "\`scripts/bench --ddl\` fills only those two); \`bench/rows_cost.sh\` (callgrind) fills only the"
    echo "last four: instructions per row of the all-seeing \`count(*)\` through \`can_access\`, the"
    echo "explicit form, a policy of two built-in comparisons on the same columns, and no policy."
    echo "Then grant UPDATE and INSERT tps against the same table with a PL/pgSQL audit"
    echo "trigger (\`scripts/bench --writes\`); then the portal request's p50 and p99 at 10,000,000"
    echo "grants against 100,000 (\`scripts/bench --scale\`); then on Citus, the 5-customer user through"
    echo "the policy against the hand-written query, pruned by Citus and with every shard asked"
    echo "(\`scripts/bench --citus\`)."
    echo
    echo "| date | commit | all / none | five / hand | explicit | reuse five→all | reuse all→five | reads (40) | cliff | big 30 days / hand | DDL tps | regress time | Ir/row can_access | Ir/row explicit | Ir/row trivial | Ir/row none | UPDATE / audit | INSERT / audit | p50 10M / 100k | p99 10M / 100k | Citus five / hand | Citus five / hand, all shards |"
    echo "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
}

table() {
    awk -F'\t' '{ printf "|"; for (i = 1; i <= 22; i++) printf " %s |", (i > NF || $i == "") ? "n/a" : $i; printf "\n" }' bench/history.tsv
}

case ${1:-} in
    header) header ;;
    table) table ;;
    ddl | writes | scale)
        section=${2:?usage: bench/history.sh ddl|writes|scale SECTION}
        if [ "$1" = ddl ]; then
            heading='## DDL statements'
            printf '%s\t%s\t\t\t\t\t\t\t\t\t%s\n' "$(date -u '+%Y-%m-%d %H:%M')" \
                "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(cat "$section.tsv")" >> bench/history.tsv
        elif [ "$1" = scale ]; then
            heading='## Size'
            printf '%s\t%s\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t%s\n' "$(date -u '+%Y-%m-%d %H:%M')" \
                "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(cat "$section.ratios")" >> bench/history.tsv
        else
            heading='## Grant writes'
            printf '%s\t%s\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t%s\n' "$(date -u '+%Y-%m-%d %H:%M')" \
                "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "$(cat "$section.ratios")" >> bench/history.tsv
        fi
        # RESULTS.md up to its History, without the old section; then the new one, and the
        # History again.
        awk -v heading="$heading" '$0 == heading { skip = 1; next } /^## / { skip = 0 } /^## History$/ { exit } !skip' \
            bench/RESULTS.md > bench/RESULTS.md.new
        { cat "$section"; header; table; } >> bench/RESULTS.md.new
        mv bench/RESULTS.md.new bench/RESULTS.md
        ;;
    citus)
        printf '%s\t%s\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t\t%s\t%s\n' "$(date -u '+%Y-%m-%d %H:%M')" \
            "$(git rev-parse --short HEAD 2>/dev/null || echo -)" "${2:?usage: bench/history.sh citus R1 R2}" "${3:?}" >> bench/history.tsv
        # RESULTS.md's History rendered again.
        awk '/^## History$/ { exit } { print }' bench/RESULTS.md > bench/RESULTS.md.new
        { header; table; } >> bench/RESULTS.md.new
        mv bench/RESULTS.md.new bench/RESULTS.md
        ;;
    *) echo "usage: bench/history.sh header|table|ddl SECTION|writes SECTION|scale SECTION|citus R1 R2" >&2; exit 2 ;;
esac
