#!/usr/bin/env python3
"""Reads a sample of the generated data back through the API (benches/national.sh check).

Every row the generator wrote must be readable: for a random sample of each
kind of case (and its sub-resources) GET must answer 200, and pages of 500 of
every list must load. Prints a JSON summary with every failure; exits 1 if
there was one.

    national_check.py --port PORT --token TOKEN --db POSTGRES_URL/DB [--sample 200]
"""
import argparse
import http.client
import json
import subprocess
import sys
import urllib.parse


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--token", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--sample", type=int, default=200)
    ap.add_argument("--pages", type=int, default=5)
    args = ap.parse_args()

    conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=60)
    headers = {"Authorization": f"Bearer {args.token}"}
    checked = {}
    failures = []

    def get(path: str) -> dict:
        conn.request("GET", path, headers=headers)
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 200:
            code = ""
            try:
                code = json.loads(body).get("code", "")
            except ValueError:
                pass
            failures.append(f"GET {path}: {resp.status} {code}")
            print(failures[-1], file=sys.stderr)
            return {}
        return json.loads(body) if body else {}

    def sample(table: str) -> list:
        out = subprocess.run(
            ["psql", args.db, "-qAt", "-c",
             f"SELECT id FROM {table} TABLESAMPLE SYSTEM (5) ORDER BY random() LIMIT {args.sample}"],
            check=True, capture_output=True, text=True).stdout.split()
        if len(out) < min(args.sample, 10):
            out = subprocess.run(
                ["psql", args.db, "-qAt", "-c", f"SELECT id FROM {table} ORDER BY random() LIMIT {args.sample}"],
                check=True, capture_output=True, text=True).stdout.split()
        return out

    kinds = {
        "organisations": ("/api/v1/organisations/{}", []),
        "grant_programmes": ("/api/v1/grant-programmes/{}", []),
        "grant_applications": ("/api/v1/grant-applications/{}",
                               ["payments", "reviews", "conflict-declarations", "history"]),
        "partnerships": ("/api/v1/partnerships/{}",
                         ["parties", "contributions", "commitments", "follow-ups", "history"]),
        "dialogue_events": ("/api/v1/dialogue-events/{}",
                            ["invitations", "registrations", "attendance", "minutes", "outcomes"]),
        "city_units": ("/api/v1/city-units/{}", []),
    }
    for table, (path, subs) in kinds.items():
        ids = sample(table)
        for i in ids:
            get(path.format(i))
            for sub in subs:
                get(path.format(i) + "/" + sub)
        checked[table] = len(ids)

    lists = [
        "/api/v1/organisations", "/api/v1/grant-programmes", "/api/v1/grant-applications",
        "/api/v1/partnerships", "/api/v1/dialogue-events", "/api/v1/city-units",
    ]
    listed = {}
    for base in lists:
        cursor, n = None, 0
        for _ in range(args.pages):
            q = {"limit": "500"}
            if cursor:
                q["cursor"] = cursor
            page = get(base + "?" + urllib.parse.urlencode(q))
            n += len(page.get("items", []))
            cursor = page.get("next_cursor")
            if not cursor:
                break
        listed[base] = n
    print(json.dumps({"read_by_id": checked, "listed": listed, "failures": failures}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
