"""schemathesis hooks for .ci/fuzz.sh: the two rules of the contract that
a JSON Schema cannot state, applied as a client that follows API.md would,
just before each request of every phase (`before_call`: the coverage
phase's cases do not pass through the map_* hooks).

- An Idempotency-Key names one request: a new request gets a new key (the
  same key with another body is a 422 by design; tests/api covers replays).
- A cursor is only ever one the service gave out (`next_cursor`): a made-up
  cursor of the documented syntax becomes the empty cursor, the first page.
  Made-up cursors answer 400 `invalid_query_parameter` (tests/api/contract.rs);
  a cursor outside the syntax is left as generated, so negative tests keep it.
"""

import itertools
import re

import schemathesis

IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")
CURSOR = re.compile(r"[A-Za-z0-9_-]+")
_keys = itertools.count(1)


@schemathesis.hook
def before_call(context, case, **kwargs):
    headers = case.headers or {}
    for name in list(headers):
        value = headers[name]
        if name.lower() == "idempotency-key" and isinstance(value, str) and IDEMPOTENCY_KEY.fullmatch(value):
            headers[name] = f"fuzz-{next(_keys)}"
    query = case.query or {}
    cursor = query.get("cursor")
    if isinstance(cursor, str) and CURSOR.fullmatch(cursor):
        query["cursor"] = ""
