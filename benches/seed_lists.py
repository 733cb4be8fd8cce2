#!/usr/bin/env python3
"""Seeds a running samverkan server for the list benchmark (benches/lists.sh).

Through the API, over `--threads` keep-alive connections: `--count` city
units, organisations, partnerships (two parties and two funding lines each,
active), grant programmes (a budget and a round each, open), grant
applications (granted, two payments each), open dialogue events (two
registrations each) and held ones (attendance each), and `--count` outcomes
on one held event, each linked to a partnership and an application. Tokens
are minted here with the server's HS256 secret (`--secret`).

Prints one JSON line on stdout: {"seconds": s, "requests": n,
"held_event": id, "event_with_registrations": id, "partnership": id,
"application": id, "application_org": id}. Progress and errors go to stderr.

Python 3 standard library only; every request has a socket timeout and
bounded retries, and the seeding stops at the first refused request.
"""

import argparse
import base64
import datetime
import hashlib
import hmac
import http.client
import json
import sys
import threading
import time
import uuid

ISSUER = "https://login.goteborg.se"
AUDIENCE = "samverkan"


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(secret, role, **extra):
    """An HS256 token like `samverkan token` mints."""
    now = int(time.time())
    claims = {"sub": extra.pop("sub", f"bench-{role}"), "role": role, "iat": now,
              "exp": now + 7200, "iss": ISSUER, "aud": AUDIENCE, **extra}
    head = b64(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64(json.dumps(claims).encode())
    sig = hmac.new(secret.encode(), f"{head}.{body}".encode(), hashlib.sha256).digest()
    return f"{head}.{body}.{b64(sig)}"


def in_days(days):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


class Client:
    def __init__(self, port, timeout, retries):
        self.port, self.timeout, self.retries = port, timeout, retries
        self.conn = self.connect()
        self.requests = 0

    def connect(self):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)

    def call(self, method, path, token, body=None, expect=(200, 201)):
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
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
                if res.getheader("Connection", "").lower() == "close":
                    self.conn.close()
                    self.conn = self.connect()
                self.requests += 1
                payload = json.loads(raw) if raw else None
                if res.status not in expect:
                    raise RuntimeError(f"{method} {path}: HTTP {res.status}: {payload}")
                return payload
            except (OSError, http.client.HTTPException) as e:
                last = e
                self.conn.close()
                self.conn = self.connect()
                time.sleep(0.05)
        raise ConnectionError(f"{method} {path}: {last}")


def parallel(count, threads, make_client, work):
    """Runs work(client, i) for i in 0..count over `threads` clients; returns
    the results in order of i. Stops at the first error."""
    results = [None] * count
    errors = []
    lock = threading.Lock()

    def run(indices):
        client = make_client()
        try:
            for i in indices:
                with lock:
                    if errors:
                        return
                try:
                    results[i] = work(client, i)
                except Exception as e:  # noqa: BLE001 - reported, then stop
                    with lock:
                        errors.append(str(e))
                    return
        finally:
            with lock:
                parallel.requests += client.requests
            client.conn.close()

    workers = [threading.Thread(target=run, args=(range(t, count, threads),)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise RuntimeError(errors[0])
    return results


parallel.requests = 0


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--secret", required=True, help="the server's SAMVERKAN_JWT_HS256_SECRET")
    p.add_argument("--count", type=int, default=600)
    p.add_argument("--threads", type=int, default=8)
    p.add_argument("--timeout", type=float, default=60.0)
    p.add_argument("--retries", type=int, default=3)
    args = p.parse_args()
    if not (2 <= args.count <= 100_000 and 1 <= args.threads <= 64 and args.retries >= 1):
        p.error("count, threads or retries out of range")
    n, threads = args.count, args.threads
    started = time.monotonic()

    def client():
        return Client(args.port, args.timeout, args.retries)

    admin = mint(args.secret, "city_admin")
    setup = client()
    unit = setup.call("POST", "/api/v1/city-units", admin,
                      {"name": "SDF Lundby", "kind": "district_administration", "district": "lundby"})["id"]
    staff = mint(args.secret, "city_staff", unit=unit)
    chef = mint(args.secret, "city_staff", unit=unit, sub="bench-chef", delegation_limit_sek=10**9)

    def log(what):
        print(f"seed: {what} ({time.monotonic() - started:.0f} s)", file=sys.stderr)

    parallel(n - 1, threads, client, lambda c, i: c.call(
        "POST", "/api/v1/city-units", admin,
        {"name": f"Förvaltning {i}", "kind": "specialist_administration"}))
    log(f"{n} city units")
    orgs = parallel(n, threads, client, lambda c, i: c.call(
        "POST", "/api/v1/organisations", admin,
        {"name": f"Förening {i:05d}", "legal_form": "non_profit_association",
         "districts": ["lundby"]})["id"])
    partner = {org: mint(args.secret, "partner", org=org, sub=f"member-of-{org}") for org in orgs}
    log(f"{n} organisations")

    def partnership(c, i):
        parties = [orgs[i], orgs[(i + 1) % n]]
        pid = c.call("POST", "/api/v1/partnerships", staff, {
            "title": f"IOP {i:05d}", "purpose": "Activities for young people", "form": "iop",
            "responsible_unit_id": unit, "districts": ["lundby"],
            "start_date": "2027-01-01", "end_date": "2027-12-31",
            "parties": [{"organisation_id": o, "role": "member"} for o in parties]})["id"]
        for action in ["start_dialogue", "agree", "activate"]:
            c.call("POST", f"/api/v1/partnerships/{pid}/{action}", staff)
        for year in (2027, 2028):
            c.call("POST", f"/api/v1/partnerships/{pid}/funding-lines", staff,
                   {"source_unit_id": unit, "year": year, "amount_sek": 10000})
        return pid

    partnerships = parallel(n, threads, client, partnership)
    log(f"{n} partnerships")

    def programme(c, i):
        body = c.call("POST", "/api/v1/grant-programmes", staff, {
            "title": f"Utvecklingspotten {i:05d}",
            "budgets": [{"year": 2027, "budget_sek": 10**9}],
            "min_sek": 1000, "max_sek": 50000, "districts": ["lundby"],
            "rounds": [{"name": "Round 1", "opens_at": in_days(-60), "deadline": in_days(30),
                        "accepts_late_applications": False}]})
        c.call("POST", f"/api/v1/grant-programmes/{body['id']}/open", staff)
        return body["id"], body["rounds"][0]["id"]

    programmes = parallel(n, threads, client, programme)
    log(f"{n} programmes")

    def application(c, i):
        org = orgs[i]
        prog, round_id = programmes[i]
        aid = c.call("POST", "/api/v1/grant-applications", partner[org], {
            "organisation_id": org, "programme_id": prog, "round_id": round_id,
            "title": f"Garaget {i:05d}", "purpose": "Summer jobs", "districts": ["lundby"],
            "requested_sek": 10000, "start_date": "2027-06-01", "end_date": "2027-08-31",
            "budget_lines": [{"description": "Supervisor", "amount_sek": 10000}]})["id"]
        base = f"/api/v1/grant-applications/{aid}"
        c.call("POST", f"{base}/submit", partner[org])
        c.call("POST", f"{base}/start_review", staff)
        c.call("POST", f"{base}/conflict-declarations", chef, {"has_conflict": False})
        c.call("POST", f"{base}/decide", chef,
               {"outcome": "granted", "granted_sek": 10000, "motivation": "Fits"})
        for _ in range(2):
            c.call("POST", f"{base}/payments", chef, {"amount_sek": 2000, "paid_on": "2027-06-15"})
        return aid

    applications = parallel(n, threads, client, application)
    log(f"{n} applications")

    def event(c, i, days):
        eid = c.call("POST", "/api/v1/dialogue-events", staff, {
            "title": f"Idésluss {i:05d}", "kind": "matching_meeting",
            "participation_level": "partnership", "organiser_unit_id": unit,
            "starts_at": in_days(days), "ends_at": in_days(days + 1), "format": "in_person", "place": "Lundby district office",
            "district": "lundby", "capacity": 100, "agenda": []})["id"]
        c.call("POST", f"/api/v1/dialogue-events/{eid}/publish", staff)
        return eid

    def open_event(c, i):
        eid = event(c, i, 10)
        for org in (orgs[i], orgs[(i + 1) % n]):
            c.call("POST", f"/api/v1/dialogue-events/{eid}/registrations", partner[org],
                   {"organisation_id": org, "participants": 2, "names": ["Anna A"]})
        return eid

    def held_event(c, i):
        eid = event(c, i, -3)
        c.call("POST", f"/api/v1/dialogue-events/{eid}/mark-held", staff)
        c.call("PUT", f"/api/v1/dialogue-events/{eid}/attendance", staff,
               {"organisations": [{"organisation_id": orgs[i], "attendees": 3}], "walk_ins": 2})
        return eid

    open_events = parallel(n // 2, threads, client, open_event)
    held_events = parallel(n - n // 2, threads, client, held_event)
    log(f"{n} events")
    held = held_events[0]
    parallel(n, threads, client, lambda c, i: c.call(
        "POST", f"/api/v1/dialogue-events/{held}/outcomes", staff,
        {"description": f"Outcome {i}", "owner": "Förening", "partnership_id": partnerships[i],
         "grant_application_id": applications[i]}))
    log(f"{n} outcomes")

    seconds = time.monotonic() - started
    print(json.dumps({
        "seconds": round(seconds, 1),
        "requests": parallel.requests + setup.requests,
        "held_event": held,
        "event_with_registrations": open_events[0],
        "partnership": partnerships[0],
        "application": applications[0],
        "application_org": orgs[0],
        "unit": unit,
    }))


if __name__ == "__main__":
    main()
