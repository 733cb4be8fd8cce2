#!/usr/bin/env python3
"""What the outbox costs and how fast webhooks arrive, on PostgreSQL.

    benches/outbox.py BIN [--without WITHOUT_BIN] [--rounds 3] [--rate 50]
                          [--seconds 60] [--no-delivery]

BIN is a release build (`cargo build --release`); WITHOUT_BIN a release
build of the same commit with benches/without-outbox.patch applied, which
writes no outbox row (benches/outbox.sh builds both). Uses
the PostgreSQL at $BENCH_PG (default postgres://postgres@127.0.0.1:5432),
making and dropping its own databases. Python's standard library only.

1. Delivery: two replicas of BIN on one database, one webhook subscription
   to a receiver on loopback; `--rate` organisations a second are registered
   for `--seconds`, alternating the replicas. For each change: the time from
   its `occurred_at` (taken in the writing transaction, just before commit)
   to its receipt. Prints the count written, received, duplicates, p50, p99
   and the largest.
2. Write latency, A/B: each binary alone on a fresh database (no webhook
   subscribed), 8 clients registering organisations as fast as answered for
   20 s, in alternating rounds (A B A B ...); prints p50 and p99 of a write
   and writes a second, per round and as the mean over the rounds.
"""

import argparse
import datetime
import http.server
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

SECRET = "bench-secret-that-is-at-least-32-characters-long"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def psql(sql):
    subprocess.run(["psql", f"{PG}/postgres", "-qAtc", sql], check=True, stdout=subprocess.DEVNULL)


class Server:
    def __init__(self, binary, database_url, extra=None):
        self.port = free_port()
        env = dict(os.environ)
        env.update(
            {
                "SAMVERKAN_DATABASE_URL": database_url,
                "SAMVERKAN_BIND": f"127.0.0.1:{self.port}",
                "SAMVERKAN_JWT_HS256_SECRET": SECRET,
                "RUST_LOG": "warn",
            }
        )
        env.update(extra or {})
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([binary, "serve"], env=env, stdout=self.log, stderr=self.log)
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{self.base}/readyz", timeout=1)
                return
            except Exception:
                time.sleep(0.05)
        self.log.seek(0)
        raise SystemExit(f"{binary} did not start: {self.log.read().decode()[-2000:]}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def token(binary, role):
    env = dict(os.environ, SAMVERKAN_JWT_HS256_SECRET=SECRET)
    unit = "0193516a-0000-7000-8000-000000000001"
    args = [binary, "token", "--role", role, "--ttl", "2h"]
    if role != "city_admin":
        args += ["--unit", unit]
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout.strip()


def request(base, method, path, tok, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{base}{path}",
        data=data,
        method=method,
        headers={"Authorization": f"Bearer {tok}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=30) as res:
        return res.status, res.read()


def fresh_database(name):
    psql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def percentile(values, p):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def delivery(binary, rate, seconds):
    received = {}
    duplicates = [0]
    lock = threading.Lock()

    class Receiver(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            at = time.time()
            body = self.rfile.read(int(self.headers.get("content-length", 0)))
            self.send_response(204)
            self.end_headers()
            msg = json.loads(body)
            occurred = datetime.datetime.fromisoformat(msg["data"]["occurred_at"].replace("Z", "+00:00"))
            with lock:
                key = self.headers["webhook-id"]
                if key in received:
                    duplicates[0] += 1
                else:
                    received[key] = at - occurred.timestamp()

        def log_message(self, *args):
            pass

    class Listener(http.server.ThreadingHTTPServer):
        # socketserver's default backlog (5) refuses connections when both
        # replicas send their batches at once: a refusal is a failed attempt,
        # retried after the backoff, which would measure the receiver.
        request_queue_size = 256

    receiver = Listener(("127.0.0.1", 0), Receiver)
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    db = fresh_database("samverkan_bench_outbox")
    extra = {
        "SAMVERKAN_WEBHOOK_ALLOW_HTTP": "true",
        "SAMVERKAN_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
    }
    subprocess.run([binary, "migrate"], env=dict(os.environ, SAMVERKAN_DATABASE_URL=db), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    replicas = [Server(binary, db, extra), Server(binary, db, extra)]
    admin = token(binary, "city_admin")
    status, body = request(
        replicas[0].base,
        "POST",
        "/api/v1/webhook-subscriptions",
        admin,
        {"url": f"http://127.0.0.1:{receiver.server_port}/hook", "event_types": ["organisation.*"]},
    )
    assert status == 201, body
    written = 0
    start = time.time()
    interval = 1.0 / rate
    while time.time() - start < seconds:
        due = start + written * interval
        pause = due - time.time()
        if pause > 0:
            time.sleep(pause)
        server = replicas[written % 2]
        request(server.base, "POST", "/api/v1/organisations", admin,
                {"name": f"Föreningen {uuid.uuid4().hex[:12]}", "legal_form": "non_profit_association"})
        written += 1
    achieved = written / (time.time() - start)
    deadline = time.time() + 30
    while len(received) < written and time.time() < deadline:
        time.sleep(0.1)
    for r in replicas:
        r.stop()
    receiver.shutdown()
    psql('DROP DATABASE IF EXISTS "samverkan_bench_outbox" WITH (FORCE)')
    lat = list(received.values())
    print(
        f"delivery: {written} changes in {seconds} s ({achieved:.1f}/s) over 2 replicas; "
        f"{len(received)} received, {duplicates[0]} duplicates; commit→receipt "
        f"p50 {statistics.median(lat) * 1000:.0f} ms, p99 {percentile(lat, 99) * 1000:.0f} ms, "
        f"max {max(lat) * 1000:.0f} ms"
    )


def write_latency(binary, seconds=20, clients=8):
    db = fresh_database("samverkan_bench_writes")
    subprocess.run([binary, "migrate"], env=dict(os.environ, SAMVERKAN_DATABASE_URL=db), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(binary, db)
    staff = token(binary, "city_admin")
    latencies = []
    lock = threading.Lock()
    stop = time.time() + seconds

    def client():
        mine = []
        while time.time() < stop:
            t = time.perf_counter()
            request(server.base, "POST", "/api/v1/organisations", staff,
                    {"name": f"Föreningen {uuid.uuid4().hex[:12]}", "legal_form": "non_profit_association"})
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    server.stop()
    psql('DROP DATABASE IF EXISTS "samverkan_bench_writes" WITH (FORCE)')
    return statistics.median(latencies), percentile(latencies, 99), len(latencies) / seconds


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--without", help="the same commit built with benches/without-outbox.patch")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--rate", type=float, default=50)
    p.add_argument("--seconds", type=int, default=60)
    p.add_argument("--no-delivery", action="store_true", help="only the write A/B")
    args = p.parse_args()
    if not args.no_delivery:
        delivery(args.binary, args.rate, args.seconds)
    if args.without:
        rounds = {"with outbox": [], "without outbox": []}
        for n in range(args.rounds):
            for name, binary in (("with outbox", args.binary), ("without outbox", args.without)):
                result = write_latency(binary)
                rounds[name].append(result)
                print(f"round {n + 1} {name}: p50 {result[0] * 1000:.2f} ms, p99 {result[1] * 1000:.2f} ms, "
                      f"{result[2]:.0f} writes/s", flush=True)
        means = {}
        for name, results in rounds.items():
            p50 = statistics.mean(r[0] for r in results) * 1000
            p99 = statistics.mean(r[1] for r in results) * 1000
            rps = statistics.mean(r[2] for r in results)
            means[name] = p50
            print(f"write ({name}): p50 {p50:.2f} ms, p99 {p99:.2f} ms, {rps:.0f} writes/s "
                  f"(8 clients, {args.rounds} rounds of 20 s)")
        print(f"the outbox adds {100 * (means['with outbox'] / means['without outbox'] - 1):+.1f} % to a write's p50")


if __name__ == "__main__":
    sys.exit(main())
