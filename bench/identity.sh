#!/usr/bin/env bash
# Identity benchmark (inside pg_virtualenv, called by scripts/bench --identity):
# 1. authenticate() per call, per algorithm: medians of ROUNDS rounds of 2,000 calls.
# 2. One pgbench run with two scripts side by side: a portal request in mode setting
#    (SET LOCAL user_id) and in mode token (authenticate() first), each through the policy.
set -euo pipefail
ROUNDS=${BENCH_ROUNDS:-7}
DB=bench_identity
psql -q -c "DROP DATABASE IF EXISTS $DB" -c "CREATE DATABASE $DB"
q() { psql -X -q -d "$DB" "$@"; }
q -c "CREATE EXTENSION customer_access"
tokens=$(mktemp)
/usr/bin/python3 - "$tokens" <<'PY'
import json, sys, time, base64, jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm
keys = {"EdDSA": ed25519.Ed25519PrivateKey.generate(), "ES256": ec.generate_private_key(ec.SECP256R1()),
        "RS256": rsa.generate_private_key(public_exponent=65537, key_size=2048), "HS256": b"bench-secret-0123456789abcdef0123456789"}
jwk = {"EdDSA": json.loads(OKPAlgorithm.to_jwk(keys["EdDSA"].public_key())),
       "ES256": json.loads(ECAlgorithm.to_jwk(keys["ES256"].public_key())),
       "RS256": json.loads(RSAAlgorithm.to_jwk(keys["RS256"].public_key())),
       "HS256": {"kty": "oct", "k": base64.urlsafe_b64encode(keys["HS256"]).rstrip(b"=").decode()}}
out = open(sys.argv[1], "w")
for alg in keys:
    out.write("INSERT INTO customer_access.trusted_keys (kid, jwk) VALUES ('%s', '%s');\n" % (alg, json.dumps(jwk[alg])))
out.write("CREATE TABLE bench_tokens (alg text, n int, token text);\n")
for alg, key in keys.items():
    for n in range(200):
        t = jwt.encode({"sub": "b1%030x" % n, "exp": int(time.time()) + 7200}, key, algorithm=alg, headers={"kid": alg})
        out.write("INSERT INTO bench_tokens VALUES ('%s', %d, '%s');\n" % (alg, n, t))
PY
q -f "$tokens" >/dev/null
rm -f "$tokens"
q <<'SQL'
INSERT INTO customer_access.external_access (customer_id, user_id, role, days_back_access)
SELECT ('c1' || lpad(to_hex(c), 30, '0'))::uuid, ('b1' || lpad(to_hex(u), 30, '0'))::uuid, 'L20', NULL
  FROM generate_series(0, 199) u, generate_series(0, 4) k, LATERAL (SELECT (u * 5 + k) % 1000 AS c) x;
CREATE TABLE orders (id bigserial, customer_id uuid NOT NULL, order_date date NOT NULL);
INSERT INTO orders (customer_id, order_date)
SELECT ('c1' || lpad(to_hex(i % 1000), 30, '0'))::uuid, current_date - (i % 700) FROM generate_series(1, 100000) i;
CREATE INDEX ON orders (customer_id);
ANALYZE;
ALTER TABLE orders ENABLE ROW LEVEL SECURITY;
CREATE ROLE bench_portal;
CREATE POLICY portal ON orders FOR SELECT TO bench_portal USING (customer_access.can_access(customer_id, order_date, 'L20'));
GRANT SELECT ON orders TO bench_portal;
SQL

echo "== authenticate() per call (median of $ROUNDS rounds of 2,000 calls, microseconds)"
declare -A per_call
for alg in EdDSA ES256 RS256 HS256; do
    samples=()
    for _ in $(seq 1 "$ROUNDS"); do
        ms=$(q -At <<SQL | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p' | head -1
SET customer_access.identity = token;
BEGIN;
\timing on
SELECT count(customer_access.authenticate(token)) FROM bench_tokens, generate_series(1, 10) WHERE alg = '$alg';
COMMIT;
SQL
)
        samples+=("$ms")
    done
    median=$(printf '%s\n' "${samples[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    per_call[$alg]=$(awk -v ms="$median" 'BEGIN {printf "%.1f", ms * 1000 / 2000}')
    echo "   $alg: ${per_call[$alg]} µs per call"
done

echo "== one pgbench run, two scripts side by side (8 clients, 20 s): a portal request per transaction"
cat > /tmp/bench_setting.sql <<'SQL'
\set u random(0, 199)
BEGIN;
SET LOCAL customer_access.identity = setting;
SELECT set_config('customer_access.user_id', 'b1' || lpad(to_hex(:u), 30, '0'), true);
SET LOCAL ROLE bench_portal;
SELECT count(*) FROM orders;
COMMIT;
SQL
cat > /tmp/bench_token.sql <<'SQL'
\set u random(0, 199)
BEGIN;
SET LOCAL customer_access.identity = token;
SELECT customer_access.authenticate(token) FROM bench_tokens WHERE alg = 'EdDSA' AND n = :u;
SET LOCAL ROLE bench_portal;
SELECT count(*) FROM orders;
COMMIT;
SQL
# Both scripts share the clients, so their tps split the total by weight; what tells them
# apart is each script's latency (-r reports it per script).
pgbench -n -r -c 8 -j 2 -T 20 -f /tmp/bench_setting.sql@1 -f /tmp/bench_token.sql@1 "$DB" > /tmp/bench_identity.log 2>&1
grep -E "^SQL script|tps = |latency average" /tmp/bench_identity.log
setting_tps=$(awk '/SQL script 1/{f=1} f && /tps = /{print $NF; exit}' /tmp/bench_identity.log | tr -d ')')
token_tps=$(awk '/SQL script 2/{f=1} f && /tps = /{print $NF; exit}' /tmp/bench_identity.log | tr -d ')')
setting_ms=$(awk '/SQL script 1/{f=1} f && /latency average/{print $5; exit}' /tmp/bench_identity.log)
token_ms=$(awk '/SQL script 2/{f=1} f && /latency average/{print $5; exit}' /tmp/bench_identity.log)
{
    echo
    echo "## Identity ($(date -u +%Y-%m-%d), scripts/bench --identity, $ROUNDS rounds)"
    echo
    echo "| authenticate() per call | EdDSA | ES256 | RS256 | HS256 |"
    echo "|---|---|---|---|---|"
    echo "| median µs | ${per_call[EdDSA]} | ${per_call[ES256]} | ${per_call[RS256]} | ${per_call[HS256]} |"
    echo
    echo "One pgbench run (8 clients, 20 s, 100,000 orders, a user with 5 of 1,000 customers), both scripts at weight 1:"
    echo
    echo "| request | tps | latency average (ms) |"
    echo "|---|---|---|"
    echo "| mode setting: SET LOCAL user_id, count through the policy | $setting_tps | $setting_ms |"
    echo "| mode token: authenticate() (EdDSA), count through the policy | $token_tps | $token_ms |"
} >> bench/RESULTS.md
echo "appended to bench/RESULTS.md"
