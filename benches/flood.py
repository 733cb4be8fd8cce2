#!/usr/bin/env python3
"""A flood of idle connections against the release build.

    benches/flood.py [connections]   (default 10000)

Starts `target/release/samverkan serve` on SQLite, opens the connections
(each sends nothing, so each ends with a 408 problem after the client
request timeout), measures a well-behaved client's latency for /healthz
during the flood, and the server's RSS before, at the peak, and 3 s and 13 s
after the connections closed (the server trims freed memory every 10 s). Prints one line.
"""
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(REPO, "target")), "release", "samverkan")
N = int(sys.argv[1]) if len(sys.argv) > 1 else 10000


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    tmp = tempfile.mkdtemp(prefix="samverkan-flood.")
    env = dict(os.environ, SAMVERKAN_DATABASE_URL=f"sqlite://{tmp}/flood.db",
               SAMVERKAN_BIND=f"127.0.0.1:{port}", RUST_LOG="warn")
    server = subprocess.Popen([BIN, "serve"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            urllib.request.urlopen(f"{base}/readyz", timeout=1)
            break
        except Exception:
            time.sleep(0.05)
    before = rss_mb(server.pid)
    conns = []
    for _ in range(N):
        c = socket.socket()
        c.setblocking(True)
        c.connect(("127.0.0.1", port))
        conns.append(c)
    peak = rss_mb(server.pid)
    latencies = []
    for _ in range(50):
        t = time.monotonic()
        urllib.request.urlopen(f"{base}/healthz", timeout=10).read()
        latencies.append(time.monotonic() - t)
        peak = max(peak, rss_mb(server.pid))
    latencies.sort()
    for c in conns:
        c.close()
    time.sleep(3)
    after = rss_mb(server.pid)
    time.sleep(10)
    later = rss_mb(server.pid)
    server.terminate()
    server.wait()
    print(f"{N} idle connections: RSS {before:.0f} MB before, {peak:.0f} MB at the peak, {after:.0f} MB 3 s and {later:.0f} MB 13 s after they closed; "
          f"/healthz during the flood p50 {latencies[len(latencies)//2]*1000:.1f} ms, max {latencies[-1]*1000:.1f} ms")


if __name__ == "__main__":
    main()
