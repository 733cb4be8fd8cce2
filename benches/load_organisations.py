#!/usr/bin/env python3
"""Loads organisations into a running samverkan server for the benchmark.

POSTs `--count` organisations to /api/v1/organisations over a few keep-alive
connections (one http.client connection per thread), then prints one JSON
line on stdout: {"created": n, "seconds": s, "per_second": r,
"sample_id": "...", "lundby_count": k}. Progress and errors go to stderr.

Python 3 standard library only. Every loop is bounded: each request has a
socket timeout and at most `--retries` attempts, and the whole load stops
with an error after `--max-failures` failed organisations.
"""

import argparse
import http.client
import json
import random
import sys
import threading
import time

LEGAL_FORMS = [
    "non_profit_association",
    "cooperative",
    "foundation",
    "social_enterprise",
    "faith_community",
    "other",
]

WORDS = [
    "Idrottsförening", "Kulturförening", "Läxhjälp", "Stadsmission", "Kör",
    "Schackklubb", "Fritidsgård", "Seniorträff", "Kvinnojour", "Hembygdsförening",
    "Odlingslott", "Musikskola", "Föräldranätverk", "Språkcafé", "Boxningsklubb",
]


def organisation(i, districts, rng):
    """The body of organisation number `i` (deterministic for a given seed)."""
    chosen = sorted(rng.sample(districts, rng.randint(1, 3)))
    body = {
        "name": f"{rng.choice(WORDS)} {i:05d}",
        "legal_form": rng.choice(LEGAL_FORMS),
        "districts": chosen,
    }
    if rng.random() < 0.7:
        body["description"] = (
            f"Benchmark organisation {i}: verksamhet i "
            + ", ".join(chosen)
            + ". " + "Öppet för alla. " * rng.randint(1, 8)
        )
    return body


class Loader:
    def __init__(self, host, port, token, timeout, retries):
        self.host, self.port, self.token = host, port, token
        self.timeout, self.retries = timeout, retries
        self.lock = threading.Lock()
        self.ids = []
        self.lundby = []
        self.failures = 0
        self.first_error = None

    def connect(self):
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def request(self, conn, method, path, body=None):
        """One request with bounded retries on connection errors; returns
        (status, parsed JSON or text, connection)."""
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        last = None
        for _attempt in range(self.retries):
            try:
                conn.request(method, path, body=data, headers=headers)
                res = conn.getresponse()
                raw = res.read()
                try:
                    payload = json.loads(raw) if raw else None
                except ValueError:
                    payload = raw.decode(errors="replace")
                if res.getheader("Connection", "").lower() == "close":
                    conn.close()
                    conn = self.connect()
                return res.status, payload, conn
            except (OSError, http.client.HTTPException) as e:
                last = e
                conn.close()
                conn = self.connect()
                time.sleep(0.05)
        raise ConnectionError(f"{method} {path}: {last}")

    def work(self, indices, districts, seed, max_failures):
        conn = self.connect()
        try:
            for i in indices:
                with self.lock:
                    if self.failures >= max_failures:
                        return
                rng = random.Random(seed * 1_000_003 + i)
                body = organisation(i, districts, rng)
                try:
                    status, payload, conn = self.request(conn, "POST", "/api/v1/organisations", body)
                except ConnectionError as e:
                    status, payload = None, str(e)
                with self.lock:
                    if status == 201 and isinstance(payload, dict) and "id" in payload:
                        self.ids.append(payload["id"])
                        if "lundby" in body["districts"]:
                            self.lundby.append(payload["id"])
                    else:
                        self.failures += 1
                        if self.first_error is None:
                            self.first_error = f"organisation {i}: HTTP {status}: {payload}"
        finally:
            conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--token", required=True, help="a city_staff (or admin) bearer token")
    p.add_argument("--count", type=int, default=10_000)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--timeout", type=float, default=30.0, help="socket timeout per request, seconds")
    p.add_argument("--retries", type=int, default=3, help="attempts per request on connection errors")
    p.add_argument("--max-failures", type=int, default=20)
    args = p.parse_args()
    if not (1 <= args.count <= 10_000_000 and 1 <= args.threads <= 256 and args.retries >= 1):
        p.error("count, threads or retries out of range")

    loader = Loader(args.host, args.port, args.token, args.timeout, args.retries)
    conn = loader.connect()
    status, payload, conn = loader.request(conn, "GET", "/api/v1/districts")
    conn.close()
    if status != 200 or not isinstance(payload, dict):
        print(f"GET /api/v1/districts: HTTP {status}: {payload}", file=sys.stderr)
        return 1
    districts = [d["id"] for d in payload["items"]]
    if not districts:
        print("GET /api/v1/districts returned no districts", file=sys.stderr)
        return 1

    started = time.monotonic()
    # Interleaved shares so every thread works on the whole range at once.
    threads = [
        threading.Thread(
            target=loader.work,
            args=(range(t, args.count, args.threads), districts, args.seed, args.max_failures),
            daemon=True,
        )
        for t in range(args.threads)
    ]
    for t in threads:
        t.start()
    # Bounded wait: generous per-request budget, but finite.
    deadline = started + max(120.0, args.count * args.timeout * args.retries / args.threads)
    last_report = started
    while any(t.is_alive() for t in threads):
        if time.monotonic() > deadline:
            print("load did not finish before its deadline", file=sys.stderr)
            return 1
        time.sleep(0.2)
        if time.monotonic() - last_report >= 5:
            last_report = time.monotonic()
            with loader.lock:
                print(f"  loaded {len(loader.ids)}/{args.count}", file=sys.stderr)
    seconds = time.monotonic() - started

    if loader.failures:
        print(f"{loader.failures} organisations failed; first: {loader.first_error}", file=sys.stderr)
        return 1
    if len(loader.ids) != args.count:
        print(f"created {len(loader.ids)} of {args.count}", file=sys.stderr)
        return 1
    # A sample from the middle of the lundby set, so the read hits a real row.
    pool = loader.lundby or loader.ids
    sample = sorted(pool)[len(pool) // 2]
    print(json.dumps({
        "created": len(loader.ids),
        "seconds": round(seconds, 2),
        "per_second": round(len(loader.ids) / seconds, 1),
        "sample_id": sample,
        "lundby_count": len(loader.lundby),
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
