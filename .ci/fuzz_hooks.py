"""schemathesis hooks for .ci/fuzz.sh: the rules of the contract that a JSON
Schema cannot state, applied as a client that follows API.md would, just
before each request of every phase (`before_call`: the coverage phase's
cases do not pass through the map_* hooks), and one check of our own.

- An Idempotency-Key names one request: a new request gets a new key (the
  same key with another body is a 422 by design; tests/api covers replays).
- A cursor (`cursor`, the change feed's `after`) is only ever one the
  service gave out (`next_cursor`): a made-up
  cursor of the documented syntax becomes the empty cursor, the first page.
  Made-up cursors answer 400 `invalid_query_parameter` (tests/api/contract.rs);
  a cursor outside the syntax is left as generated, so negative tests keep it.
- A header value that breaks its own declared `pattern` is negative data,
  whatever the generator called it. schemathesis 4.32.5's coverage phase
  sends `If-Match: 0` as a "positive" value although the spec's pattern
  (`*` or quoted entity tags) refuses it; such a case is re-labelled
  negative, so the service's 400 `invalid_if_match` is checked as the
  rejection it is (negative_data_rejection) rather than reported as ST202.
- `rule_refusal_is_a_rule` (a check): the settings let a schema-valid
  request be refused with 422 where a business rule says no (a referenced
  organisation that does not exist, a deadline before its opening, a rating
  only the organisation itself records): no JSON Schema can state those.
  This check keeps that allowance narrow: such a 422 must be a
  `validation_failed` problem naming each field once, and no message may
  be about a value's shape (length, range, enum, format, type, presence),
  which the spec can and must state; a shape message there means the spec
  is missing a constraint, and the run fails.
"""

import itertools
import json
import re

import schemathesis
from schemathesis.generation import GenerationMode

IDEMPOTENCY_KEY = re.compile(r"[!-~]{1,255}")
CURSOR = re.compile(r"[A-Za-z0-9_-]+")
_keys = itertools.count(1)

# Messages of src/ that state a value's shape: the spec states each of them
# as minLength/maxLength, minimum/maximum, enum, format, pattern or required.
SHAPE_MESSAGES = re.compile(
    r"^(must be \d+ to \d+ characters|must be at most|must be at least|must not be blank"
    r"|must not be empty|is required$|unknown (variant|field|value)|must be between"
    r"|must be a whole number|must be an http|must be an absolute http|must be an email"
    r"|must be a date|not a date|must be a year|must be ten digits|must be a phone number"
    r"|must not contain control characters|invalid type|must be (one of|a text|true or false|a list|an object|a UUID|a number))"
)


def _declared_header_patterns(case):
    patterns = {}
    for parameter in case.operation.headers:
        schema = parameter.definition.get("schema") or {}
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            patterns[parameter.name.lower()] = re.compile(pattern)
    return patterns


@schemathesis.hook
def before_call(context, case, **kwargs):
    headers = case.headers or {}
    for name in list(headers):
        value = headers[name]
        if name.lower() == "idempotency-key" and isinstance(value, str) and IDEMPOTENCY_KEY.fullmatch(value):
            headers[name] = f"fuzz-{next(_keys)}"
    query = case.query or {}
    for name in ("cursor", "after"):
        cursor = query.get(name)
        if isinstance(cursor, str) and CURSOR.fullmatch(cursor):
            query[name] = ""
    meta = case.meta
    if meta is not None and meta.generation.mode.is_positive:
        patterns = _declared_header_patterns(case)
        for name, value in headers.items():
            pattern = patterns.get(name.lower())
            if pattern is not None and isinstance(value, str) and not pattern.search(value):
                meta.generation.mode = GenerationMode.NEGATIVE
                break


@schemathesis.serializer("application/x-ndjson", "text/csv")
def import_file(ctx, value):
    """An import's file, which the spec describes as text: a string is sent
    as its UTF-8 bytes. A value of another type (negative generation) has
    no bytes of its own, and `{}` sent as text is a valid file; it is sent
    as text the spec does forbid (a NUL), which the endpoint must refuse."""
    if isinstance(value, str):
        return value.encode("utf-8")
    return b"\x00" + json.dumps(value).encode("utf-8")


@schemathesis.check
def rule_refusal_is_a_rule(ctx, response, case):
    meta = case.meta
    if response.status_code != 422 or meta is None or not meta.generation.mode.is_positive:
        return None
    problem = response.json()
    # An import's file is text to the spec: a header row that names unknown
    # or misses required columns is refused by the rule for its columns.
    assert problem.get("code") in ("validation_failed", "idempotency_key_reused", "import_header_mismatch"), (
        f"a 422 for schema-valid data must be a validation_failed problem, got {problem.get('code')!r}"
    )
    if problem["code"] != "validation_failed":
        return None
    errors = problem.get("errors") or []
    assert errors, "a validation_failed problem names at least one field"
    fields = [error["field"] for error in errors]
    assert len(fields) == len(set(fields)), f"a field is named more than once: {fields}"
    for error in errors:
        assert not SHAPE_MESSAGES.match(error["message"]), (
            f"schema-valid data refused for its shape: {error['field']}: {error['message']!r}; "
            "the spec must state this constraint"
        )
    return None
