#!/usr/bin/python3
"""What another session of the same role can see of the tokens other sessions present, for
the pgbouncer TAP suite. psycopg 3 (Debian's python3-psycopg), connected directly to
PostgreSQL as portal_login, the role pgbouncer's server connections use.

Usage:
  token_watch.py poll HOST PORT DBNAME TOKENS_FILE STOP_FILE
      Polls pg_stat_activity (as portal_login: it shows the statement texts of that role's
      sessions, idle ones too) and, every tenth time, pg_stat_statements (as portal, the role
      the statements run as) until STOP_FILE exists. Prints one JSON line: polls, activity_rows, statement_rows,
      distinct_texts, authenticate_texts (texts that call authenticate, which proves the
      texts were visible), tokens_seen (texts holding a token or its signature), examples.
  token_watch.py literal HOST PORT DBNAME TOKENS_FILE
      Presents a token as a literal (psycopg's ClientCursor composes it into the text, as
      psycopg2 always does), then a second session reads the first one's statement text in
      pg_stat_activity. Prints one JSON line: sqlstate, hint, observer_text, observer_saw_token.
"""
import json
import os
import sys
import time

import psycopg

mode, host, port, dbname, tokens_file = sys.argv[1:6]
tokens = json.load(open(tokens_file))
signatures = {t.rsplit(".", 1)[-1] for t in tokens.values()}


def holds_token(text):
    return any(s in text for s in signatures) or any(t in text for t in tokens.values())


def connect():
    return psycopg.connect(host=host, port=int(port), dbname=dbname, user="portal_login",
                           autocommit=True, prepare_threshold=None)


if mode == "poll":
    stop_file = sys.argv[6]
    conn = connect()
    cur = conn.cursor()
    polls = activity_rows = statement_rows = 0
    texts = set()
    with_statements = True
    while not os.path.exists(stop_file):
        cur.execute("SET ROLE NONE")
        cur.execute("SELECT query FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND query <> ''")
        rows = cur.fetchall()
        activity_rows += len(rows)
        texts.update(r[0] for r in rows)
        if with_statements and polls % 10 == 0:
            cur.execute("SET ROLE portal")
            try:
                cur.execute("SELECT query FROM pg_stat_statements WHERE query IS NOT NULL")
                rows = cur.fetchall()
                statement_rows += len(rows)
                texts.update(r[0] for r in rows)
            except psycopg.Error:
                with_statements = False
        polls += 1
    seen = sorted(t for t in texts if holds_token(t))
    print(json.dumps({
        "polls": polls, "activity_rows": activity_rows, "statement_rows": statement_rows,
        "pg_stat_statements": with_statements, "distinct_texts": len(texts),
        "authenticate_texts": sorted(t for t in texts if "authenticate" in t)[:5],
        "tokens_seen": len(seen), "examples": [t[:200] for t in seen[:3]]}))
elif mode == "literal":
    token = tokens["0"]
    victim = connect()
    pid = victim.execute("SELECT pg_backend_pid()").fetchone()[0]
    result = {"sqlstate": None, "hint": None}
    try:
        psycopg.ClientCursor(victim).execute("SELECT customer_access.authenticate(%s)", (token,))
    except psycopg.Error as e:
        result["sqlstate"] = e.sqlstate
        result["hint"] = e.diag.message_hint
    time.sleep(0.2)  # the victim is idle now; pg_stat_activity keeps its last statement
    observer = connect()
    observer.execute("SET ROLE NONE")  # portal_login itself: its sessions' texts
    text = observer.execute("SELECT query FROM pg_stat_activity WHERE pid = %s", (pid,)).fetchone()[0]
    result["observer_text"] = text
    result["observer_saw_token"] = holds_token(text)
    print(json.dumps(result))
else:
    raise SystemExit("unknown mode " + mode)
