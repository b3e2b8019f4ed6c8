#!/usr/bin/python3
"""Portal requests through pgbouncer (transaction pooling), many threads, one user per
request, for the pgbouncer TAP suite. Every request reads the orders its user may see and
reports whether any row belonged to a customer of another user. The client is psycopg 3
(Debian's python3-psycopg): values are sent as bind parameters of the extended protocol, as
an application would send them; only SET, which takes no parameter, has its (non-secret) user
id composed into the text.

Usage: client.py HOST PORT DBNAME STYLE THREADS REQUESTS_PER_THREAD [TOKENS_FILE]
STYLE:
  set_local       BEGIN; SET LOCAL customer_access.user_id; SELECT; COMMIT (correct use)
  plain_set       SET customer_access.user_id; then SELECT, each its own transaction (misuse)
  once            SET once when the connection opens, then plain SELECTs (misuse)
  forget          every other request sets no user at all (misuse)
  claims          BEGIN; set_config('request.jwt.claims', $1, true); SELECT; COMMIT (PostgREST)
  token           BEGIN; SELECT authenticate($1); SELECT; COMMIT
  token_refused   BEGIN; SELECT authenticate($1) with an expired or forged token; ROLLBACK
                  (counts refusals: errors with SQLSTATE 28000)
Prints one JSON line: requests, rows, requests_with_rows, cross_user_requests, errors,
refused."""
import json
import random
import sys
import threading

import psycopg
from psycopg import sql

host, port, dbname, style = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
threads, per_thread = int(sys.argv[5]), int(sys.argv[6])
tokens = json.load(open(sys.argv[7])) if len(sys.argv) > 7 else {}
USERS = 40


def user_id(n):
    return "a5%030x" % n


def customer_id(n):
    return "c5%030x" % n


QUERY = "SELECT DISTINCT replace(customer_id::text, '-', '') FROM portal_orders"
totals = {"requests": 0, "rows": 0, "requests_with_rows": 0, "cross_user_requests": 0, "errors": 0,
          "refused": 0}
lock = threading.Lock()


def set_user(cur, n, local):
    """SET [LOCAL] customer_access.user_id: SET takes no bind parameter."""
    cur.execute(sql.SQL("SET {} customer_access.user_id = {}").format(
        sql.SQL("LOCAL" if local else "SESSION"), sql.Literal(user_id(n))))


def request(cur, n, i):
    """Returns the customers one request saw."""
    if style == "set_local":
        cur.execute("BEGIN")
        set_user(cur, n, True)
        cur.execute(QUERY)
        rows = cur.fetchall()
        cur.execute("COMMIT")
    elif style == "plain_set":
        set_user(cur, n, False)
        cur.execute(QUERY)
        rows = cur.fetchall()
    elif style == "once":
        cur.execute(QUERY)
        rows = cur.fetchall()
    elif style == "forget":
        if i % 2 == 0:
            cur.execute("BEGIN")
            set_user(cur, n, True)
            cur.execute(QUERY)
            rows = cur.fetchall()
            cur.execute("COMMIT")
        else:
            cur.execute(QUERY)
            rows = cur.fetchall()
    elif style == "claims":
        cur.execute("BEGIN")
        cur.execute("SELECT set_config('request.jwt.claims', %s, true)",
                    (json.dumps({"sub": user_id(n), "role": "portal"}),))
        cur.execute(QUERY)
        rows = cur.fetchall()
        cur.execute("COMMIT")
    elif style == "token":
        cur.execute("BEGIN")
        cur.execute("SELECT customer_access.authenticate(%s)", (tokens[str(n)],))
        cur.execute(QUERY)
        rows = cur.fetchall()
        cur.execute("COMMIT")
    elif style == "token_refused":
        cur.execute("BEGIN")
        bad = tokens[("expired:" if i % 2 == 0 else "forged:") + str(n)]
        try:
            cur.execute("SELECT customer_access.authenticate(%s)", (bad,))
        except psycopg.Error as e:
            cur.execute("ROLLBACK")
            if e.sqlstate != "28000":
                raise
            raise Refused() from e
        cur.execute("ROLLBACK")
        rows = []
    else:
        raise SystemExit("unknown style " + style)
    return [r[0] for r in rows]


class Refused(Exception):
    """authenticate() refused the token with 28000."""


def worker(seed):
    rng = random.Random(seed)
    try:
        # prepare_threshold=None: no named prepared statements (pgbouncer 1.18 in transaction
        # mode cannot route them); every query is an unnamed extended-protocol statement.
        conn = psycopg.connect(host=host, port=port, dbname=dbname, user="portal_login",
                               autocommit=True, prepare_threshold=None)
    except psycopg.Error as e:
        print("connect failed:", e, file=sys.stderr)
        with lock:
            totals["errors"] += per_thread
        return
    cur = conn.cursor()
    mine = rng.randrange(USERS)
    if style == "once":
        set_user(cur, mine, False)
    local = dict.fromkeys(totals, 0)
    for i in range(per_thread):
        n = mine if style == "once" else rng.randrange(USERS)
        try:
            seen = request(cur, n, i)
        except Refused:
            local["requests"] += 1
            local["refused"] += 1
            continue
        except psycopg.Error:
            local["errors"] += 1
            cur.execute("ROLLBACK") if not conn.closed else None
            continue
        local["requests"] += 1
        local["rows"] += len(seen)
        if seen:
            local["requests_with_rows"] += 1
        # a request without a user (forget) may see nothing; with one, only its own customer
        allowed = {customer_id(n)} if not (style == "forget" and i % 2 == 1) else set()
        if any(c not in allowed for c in seen):
            local["cross_user_requests"] += 1
    conn.close()
    with lock:
        for k in totals:
            totals[k] += local[k]


pool = [threading.Thread(target=worker, args=(s,)) for s in range(threads)]
for t in pool:
    t.start()
for t in pool:
    t.join()
print(json.dumps(totals))
