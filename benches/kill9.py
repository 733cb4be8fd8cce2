#!/usr/bin/env python3
"""Acknowledged writes survive kill -9.

    benches/kill9.py [sqlite|postgres]   (default: both)

Starts the release build (`target/release/samverkan serve`), runs 8 writers
that create organisations through the API and record each name the server
acknowledged with 201, kills the server with SIGKILL in the middle of the
writes, starts it again on the same database and counts the acknowledged
organisations that are missing. Prints one line per backend:

    sqlite: 2113 acknowledged, 0 lost (killed after 3.0 s; 2119 rows)

PostgreSQL needs a server on 127.0.0.1:5432 accepting `postgres` without a
password; a database `samverkan_kill9` is created and dropped.
"""
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "samverkan")
SECRET = "kill9-benchmark-secret-of-at-least-32-characters"
WRITERS = 8
KILL_AFTER = float(os.environ.get("KILL9_AFTER_SECONDS", "3"))


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def env_for(url, port):
    env = dict(os.environ)
    env.update({
        "SAMVERKAN_DATABASE_URL": url,
        "SAMVERKAN_BIND": f"127.0.0.1:{port}",
        "SAMVERKAN_JWT_HS256_SECRET": SECRET,
        "RUST_LOG": "warn",
    })
    return env


def start(url, port):
    proc = subprocess.Popen([BIN, "serve"], env=env_for(url, port), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=1)
            return proc
        except Exception:
            time.sleep(0.05)
    proc.kill()
    sys.exit("the server did not become ready")


def token(url, port):
    return subprocess.check_output([BIN, "token", "--role", "city_admin"], env=env_for(url, port), text=True).strip()


def writer(base, tok, acked, stop):
    while not stop.is_set():
        name = f"Kill9 {uuid.uuid4()}"
        body = json.dumps({"name": name, "legal_form": "non_profit_association"}).encode()
        req = urllib.request.Request(f"{base}/api/v1/organisations", data=body, method="POST",
                                     headers={"Content-Type": "application/json", "Authorization": f"Bearer {tok}"})
        try:
            with urllib.request.urlopen(req, timeout=5) as res:
                if res.status == 201:
                    acked.append(name)
        except Exception:
            if stop.is_set():
                return
            time.sleep(0.01)


def stored_names(base, tok):
    names, cursor = set(), None
    while True:
        url = f"{base}/api/v1/organisations?limit=100" + (f"&cursor={cursor}" if cursor else "")
        req = urllib.request.Request(url, headers={"Authorization": f"Bearer {tok}"})
        with urllib.request.urlopen(req, timeout=30) as res:
            page = json.load(res)
        names.update(item["name"] for item in page["items"])
        cursor = page.get("next_cursor")
        if not cursor:
            return names


def run(backend):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    tmp = tempfile.mkdtemp(prefix="samverkan-kill9.")
    if backend == "sqlite":
        url = f"sqlite://{tmp}/kill9.db"
    else:
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS samverkan_kill9"], check=True)
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "CREATE DATABASE samverkan_kill9"], check=True)
        url = "postgres://postgres@127.0.0.1:5432/samverkan_kill9"
    server = start(url, port)
    tok = token(url, port)
    acked, stop = [], threading.Event()
    threads = [threading.Thread(target=writer, args=(base, tok, acked, stop)) for _ in range(WRITERS)]
    for t in threads:
        t.start()
    time.sleep(KILL_AFTER)
    server.send_signal(signal.SIGKILL)
    server.wait()
    stop.set()
    for t in threads:
        t.join()
    acknowledged = list(acked)
    server = start(url, port)
    try:
        stored = stored_names(base, tok)
    finally:
        server.terminate()
        server.wait()
    lost = [n for n in acknowledged if n not in stored]
    print(f"{backend}: {len(acknowledged)} acknowledged, {len(lost)} lost "
          f"(killed after {KILL_AFTER:.1f} s of {WRITERS} writers; {len(stored)} rows after restart)")
    if backend == "postgres":
        subprocess.run(["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", "DROP DATABASE IF EXISTS samverkan_kill9"], check=False)
    return len(lost)


if __name__ == "__main__":
    backends = sys.argv[1:] or ["sqlite", "postgres"]
    sys.exit(1 if sum(run(b) for b in backends) else 0)
