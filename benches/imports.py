#!/usr/bin/env python3
"""How fast an import writes, beside how fast the database itself loads.

    benches/imports.py BIN [--rows 100000] [--backend sqlite|postgres|both]

BIN is a release build (`cargo build --release`). For each backend, on a
fresh database (a SQLite file, or a PostgreSQL database at $BENCH_PG,
default postgres://postgres@127.0.0.1:5432, made and dropped here):

1. the service is started (`BIN serve`), a city unit, 100 organisations and
   an open grant programme are made over the API;
2. `--rows` grant applications (drafts, NDJSON, a file of about 60 MB for
   100 000) are imported through `POST /api/v1/imports/grant-applications`
   while another client reads an organisation by id as fast as answered:
   the import's time and rows/s, and the reads' p50/p99;
3. the same file again (every row `unchanged`);
4. the same file through the command, `BIN import grant-applications FILE
   --url --token`, into a second fresh database: its time;
5. the database's own rate for the same rows: the rows written out as CSV
   with the columns the table stores, loaded into a copy of the table by
   `sqlite3 .import` or PostgreSQL's `COPY` (psql `\\copy`).

Python's standard library only.
"""

import argparse
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

SECRET = "bench-secret-that-is-at-least-32-characters-long"
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(url, sql):
    subprocess.run(["psql", url, "-qAtc", sql], check=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)


class Server:
    def __init__(self, binary, database_url):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = dict(os.environ, SAMVERKAN_DATABASE_URL=database_url, SAMVERKAN_BIND=f"127.0.0.1:{self.port}",
                   SAMVERKAN_JWT_HS256_SECRET=SECRET, RUST_LOG="warn")
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([binary, "serve"], env=env, stdout=self.log, stderr=self.log)
        for _ in range(300):
            try:
                urllib.request.urlopen(f"{self.base}/readyz", timeout=1)
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=10)


def token(binary, role, unit=None):
    args = [binary, "token", "--role", role, "--ttl", "2h"]
    if unit:
        args += ["--unit", unit]
    env = dict(os.environ, SAMVERKAN_JWT_HS256_SECRET=SECRET)
    return subprocess.run(args, env=env, check=True, capture_output=True, text=True).stdout.strip()


def request(base, method, path, tok, body=None, media="application/json", timeout=600):
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(base + path, data=data, method=method)
    req.add_header("Authorization", f"Bearer {tok}")
    if data is not None:
        req.add_header("Content-Type", media)
    with urllib.request.urlopen(req, timeout=timeout) as res:
        return json.loads(res.read() or b"null")


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p / 100))]


def setup(binary, server):
    admin = token(binary, "city_admin")
    unit = request(server.base, "POST", "/api/v1/city-units", admin,
                   {"name": "Bänkenheten", "kind": "specialist_administration"})["id"]
    staff = token(binary, "city_staff", unit)
    orgs = [request(server.base, "POST", "/api/v1/organisations", staff,
                    {"name": f"Bänkföreningen {i}", "legal_form": "non_profit_association"})["id"]
            for i in range(100)]
    today = time.time()
    day = lambda d: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(today + d * 86400))
    programme = request(server.base, "POST", "/api/v1/grant-programmes", staff, {
        "title": "Bänkpotten", "budgets": [{"year": 2027, "budget_sek": 1_000_000_000}],
        "min_sek": 1000, "max_sek": 50000,
        "rounds": [{"name": "Runda 1", "opens_at": day(-60), "deadline": day(30),
                    "accepts_late_applications": False}],
    })
    request(server.base, "POST", f"/api/v1/grant-programmes/{programme['id']}/open", staff)
    return staff, orgs, programme["id"], programme["rounds"][0]["id"]


def write_file(path, rows, orgs, programme, round_id):
    with open(path, "w", encoding="utf-8") as f:
        for i in range(rows):
            f.write(json.dumps({
                "external_id": f"bench-{i}", "organisation_id": orgs[i % len(orgs)],
                "programme_id": programme, "round_id": round_id,
                "title": f"Läxhjälp {i}", "purpose": "Läxhjälp för barn i årskurs 4 till 6",
                "requested_sek": 1000 + i % 49000, "start_date": "2027-03-01", "end_date": "2027-12-31",
            }, ensure_ascii=False) + "\n")


def reads_beside(server, tok, org, stop, latencies):
    while not stop.is_set():
        t = time.perf_counter()
        request(server.base, "GET", f"/api/v1/organisations/{org}", tok)
        latencies.append(time.perf_counter() - t)


def database_rate(backend, url, rows, orgs, programme, round_id, workdir):
    """The same rows loaded by the database itself, into a copy of the table."""
    csv_path = os.path.join(workdir, "rows.csv")
    now = "2026-12-07 12:00:00"
    false = "0" if backend == "sqlite" else "false"
    with open(csv_path, "w", encoding="utf-8") as f:
        for i in range(rows):
            f.write(",".join([f"bench-db-{i}", orgs[i % len(orgs)], programme, round_id, f"Läxhjälp {i}",
                              f"läxhjälp {i}", "Läxhjälp för barn i årskurs 4 till 6", "",
                              str(1000 + i % 49000), "2027-03-01", "2027-12-31", "[]", "[]", "draft", false,
                              "1", now, now, f"bench-{i}"]) + "\n")
    # A copy of the table's columns without its indexes and constraints:
    # the database's raw rate of loading these rows.
    columns = ("id, organisation_id, programme_id, round_id, title, title_search, purpose, districts, "
               "requested_sek, start_date, end_date, budget_lines, document_answers, status, submitted_late, "
               "version, created_at, updated_at, external_id")
    if backend == "sqlite":
        path = url.removeprefix("sqlite://")
        script = (f"CREATE TABLE bench_copy AS SELECT {columns} FROM grant_applications WHERE 0;\n"
                  f".mode csv\n.import {csv_path} bench_copy\n")
        t = time.perf_counter()
        subprocess.run(["sqlite3", path], input=script, text=True, check=True)
        return time.perf_counter() - t
    psql(url, f"CREATE TABLE bench_copy AS SELECT {columns} FROM grant_applications WITH NO DATA")
    t = time.perf_counter()
    subprocess.run(["psql", url, "-qc", f"\\copy bench_copy ({columns}) FROM '{csv_path}' WITH (FORMAT csv)"],
                   check=True)
    return time.perf_counter() - t


def fresh(backend, name, workdir):
    if backend == "sqlite":
        return f"sqlite://{os.path.join(workdir, name + '.db')}"
    psql(f"{PG}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    psql(f"{PG}/postgres", f'CREATE DATABASE "{name}"')
    return f"{PG}/{name}"


def drop(backend, name):
    if backend == "postgres":
        psql(f"{PG}/postgres", f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def bench(binary, backend, rows):
    workdir = tempfile.mkdtemp(prefix="samverkan-bench-imports-")
    url = fresh(backend, "samverkan_bench_imports", workdir)
    subprocess.run([binary, "migrate"], env=dict(os.environ, SAMVERKAN_DATABASE_URL=url), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = Server(binary, url)
    staff, orgs, programme, round_id = setup(binary, server)
    path = os.path.join(workdir, "applications.ndjson")
    write_file(path, rows, orgs, programme, round_id)
    body = open(path, "rb").read()
    print(f"{backend}: {rows} applications, {len(body) / 1e6:.1f} MB of NDJSON", flush=True)

    for label in ("import", "again (unchanged)"):
        stop, latencies = threading.Event(), []
        reader = threading.Thread(target=reads_beside, args=(server, staff, orgs[0], stop, latencies))
        reader.start()
        t = time.perf_counter()
        report = request(server.base, "POST", "/api/v1/imports/grant-applications", staff, body,
                         media="application/x-ndjson", timeout=3600)
        took = time.perf_counter() - t
        stop.set()
        reader.join()
        print(f"{backend}: {label} over HTTP: {took:.1f} s, {rows / took:.0f} rows/s, summary {report['summary']}; "
              f"reads by id beside it: {len(latencies)}, p50 {statistics.median(latencies) * 1000:.1f} ms, "
              f"p99 {percentile(latencies, 99) * 1000:.1f} ms", flush=True)

    db_took = database_rate(backend, url, rows, orgs, programme, round_id, workdir)
    print(f"{backend}: the database's own load ({'sqlite3 .import' if backend == 'sqlite' else 'COPY'}): "
          f"{db_took:.2f} s, {rows / db_took:.0f} rows/s", flush=True)
    server.stop()

    # The command, into a second fresh database with the same setup.
    url2 = fresh(backend, "samverkan_bench_imports_cmd", workdir)
    subprocess.run([binary, "migrate"], env=dict(os.environ, SAMVERKAN_DATABASE_URL=url2), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server2 = Server(binary, url2)
    staff2, orgs2, programme2, round2 = setup(binary, server2)
    write_file(path, rows, orgs2, programme2, round2)
    t = time.perf_counter()
    done = subprocess.run([binary, "import", "grant-applications", path, "--url", server2.base, "--token", staff2],
                          capture_output=True, text=True)
    took = time.perf_counter() - t
    print(f"{backend}: the command (chunks of 1 000): {took:.1f} s, {rows / took:.0f} rows/s, exit {done.returncode}",
          flush=True)
    print("\n".join("    " + line for line in done.stdout.strip().splitlines()), flush=True)
    server2.stop()
    drop(backend, "samverkan_bench_imports")
    drop(backend, "samverkan_bench_imports_cmd")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("binary")
    p.add_argument("--rows", type=int, default=100_000)
    p.add_argument("--backend", choices=["sqlite", "postgres", "both"], default="both")
    args = p.parse_args()
    for backend in (["sqlite", "postgres"] if args.backend == "both" else [args.backend]):
        bench(os.path.abspath(args.binary), backend, args.rows)


if __name__ == "__main__":
    sys.exit(main())
