"""The iCalendar feed read by an independent parser (Python's `icalendar`),
against a running server. Usage:

    python .ci/ical_check.py BASE_URL

Fails (exit 1) unless the feed has a VTIMEZONE for Europe/Stockholm, at
least one VEVENT, each with DTSTART and DTEND in TZID=Europe/Stockholm that
name the instants the JSON API holds for the event, an ORGANIZER that is not
an e-mail address, and an ETag that answers 304 to If-None-Match.
"""

import datetime
import json
import sys
import urllib.error
import urllib.request

import icalendar

BASE = sys.argv[1].rstrip("/")
ZONE = "Europe/Stockholm"


def fail(message):
    print(f"ical check: {message}")
    sys.exit(1)


def get(path, headers=None):
    request = urllib.request.Request(BASE + path, headers=headers or {})
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


status, headers, body = get("/api/v1/dialogue-events.ics")
if status != 200:
    fail(f"GET /api/v1/dialogue-events.ics answered {status}")
calendar = icalendar.Calendar.from_ical(body)
zones = [z for z in calendar.walk("VTIMEZONE") if str(z.get("TZID")) == ZONE]
if not zones:
    fail(f"no VTIMEZONE with TZID {ZONE}")
events = calendar.walk("VEVENT")
if not events:
    fail("no VEVENT in the feed (the demo has events)")
for event in events:
    uid = str(event.get("UID"))
    event_id = uid.removesuffix("@samverkan")
    status, _, view = get(f"/api/v1/dialogue-events/{event_id}")
    if status != 200:
        fail(f"{uid}: the event answers {status}")
    view = json.loads(view)
    for name, field in (("DTSTART", "starts_at"), ("DTEND", "ends_at")):
        prop = event.get(name)
        if prop is None or prop.params.get("TZID") != ZONE:
            fail(f"{uid}: {name} has no TZID={ZONE}")
        held = datetime.datetime.fromisoformat(view[field].replace("Z", "+00:00"))
        if prop.dt.astimezone(datetime.timezone.utc) != held:
            fail(f"{uid}: {name} {prop.dt} is not {view[field]}")
    organiser = str(event.get("ORGANIZER", ""))
    if "mailto:" in organiser.lower() or "@" in organiser:
        fail(f"{uid}: ORGANIZER {organiser} is an address")

tag = headers.get("ETag") or headers.get("etag")
if not tag:
    fail("no ETag")
status, _, _ = get("/api/v1/dialogue-events.ics", {"If-None-Match": tag})
if status != 304:
    fail(f"If-None-Match with the ETag answered {status}, not 304")
print(f"ical check: {len(events)} events in {ZONE} with a VTIMEZONE, read by icalendar {icalendar.__version__}")
