"""The 360Giving export validated against the official 360Giving schema
(vendored in tests/fixtures/360giving/, CC BY 4.0), against a running
server with the demo data. Usage:

    python .ci/opendata_check.py BASE_URL

Fails (exit 1) unless GET /api/v1/open-data/360giving is a package the
360Giving package schema accepts (JSON Schema draft 2020-12, formats
checked), holding at least one grant; each grant's id is
360G-goteborg-<id> of an application the public API shows as granted or
partly granted with the same amount; each recipient id is SE-ON-<10 digits>
or 360G-goteborg-org-<id>; and the CSV variant has a header and a line per
grant, with the BOM and `;` options.
"""

import json
import pathlib
import re
import sys
import urllib.error
import urllib.request

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

BASE = sys.argv[1].rstrip("/")
FIXTURES = pathlib.Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "360giving"
PREFIX = "goteborg"


def fail(message):
    print(f"opendata check: {message}")
    sys.exit(1)


def get(path):
    try:
        with urllib.request.urlopen(BASE + path) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def load(name):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


package_schema = load("360-giving-package-schema.json")
grant_schema = load("360-giving-schema.json")
# The schemas name their dialect `http://json-schema.org/draft/2020-12/schema`
# (http, not the https of the draft's own id), which `referencing` does not
# recognise: say draft 2020-12 outright.
grant_resource = Resource(contents=grant_schema, specification=DRAFT202012)
# The package refers to the grant schema of 1.4.2; the grant schema names
# itself 1.4.3. Serve the local copy under both, so nothing is fetched.
referred = package_schema["properties"]["grants"]["items"]["$ref"]
registry = Registry().with_resources([(grant_schema["$id"], grant_resource), (referred, grant_resource)])
validator_class = jsonschema.Draft202012Validator
validator_class.check_schema(package_schema)
validator = validator_class(package_schema, registry=registry, format_checker=validator_class.FORMAT_CHECKER)

status, headers, body = get("/api/v1/open-data/360giving")
if status != 200:
    fail(f"GET /api/v1/open-data/360giving answered {status}")
package = json.loads(body)
errors = sorted(validator.iter_errors(package), key=lambda e: list(e.absolute_path))
for error in errors[:20]:
    print(f"  {'/'.join(str(p) for p in error.absolute_path)}: {error.message}")
if errors:
    fail(f"{len(errors)} schema errors")
grants = package["grants"]
if not grants:
    fail("no grants (the demo has decided grants)")

grant_id = re.compile(rf"^360G-{PREFIX}-([0-9a-f-]{{36}})$")
recipient_id = re.compile(rf"^(SE-ON-[0-9]{{10}}|360G-{PREFIX}-org-[0-9a-f-]{{36}})$")
for grant in grants:
    match = grant_id.match(grant["id"])
    if not match:
        fail(f"{grant['id']}: not 360G-{PREFIX}-<id>")
    status, _, view = get(f"/api/v1/grant-applications/{match.group(1)}")
    if status != 200:
        fail(f"{grant['id']}: the application answers {status}")
    view = json.loads(view)
    decision = view.get("decision") or {}
    if decision.get("outcome") not in ("granted", "partly_granted"):
        fail(f"{grant['id']}: the application's outcome is {decision.get('outcome')}")
    if grant["amountAwarded"] != decision["granted_sek"] or grant["currency"] != "SEK":
        fail(f"{grant['id']}: {grant['amountAwarded']} {grant['currency']} is not {decision['granted_sek']} SEK")
    for recipient in grant["recipientOrganization"]:
        if not recipient_id.match(recipient["id"]):
            fail(f"{grant['id']}: recipient id {recipient['id']}")

status, headers, body = get("/api/v1/open-data/360giving.csv?bom=true&delimiter=%3B")
if status != 200:
    fail(f"GET /api/v1/open-data/360giving.csv answered {status}")
if not body.startswith(b"\xef\xbb\xbf"):
    fail("the CSV with bom=true does not begin with the byte-order mark")
lines = body[3:].decode("utf-8").split("\r\n")
if lines[-1] != "" or not lines[0].startswith("Identifier;Title;Description;Currency;"):
    fail(f"the CSV's header is {lines[0]!r}")
if len(lines) - 2 != len(grants):
    fail(f"the CSV has {len(lines) - 2} lines for {len(grants)} grants")

print(f"opendata check: {len(grants)} grants valid against the 360Giving package schema; the CSV alike")
