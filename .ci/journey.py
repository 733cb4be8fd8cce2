"""A scripted journey through the client generated from openapi/openapi.json,
against a running server: no hand-written HTTP. Usage:

    python .ci/journey.py BASE_URL SAMVERKAN_BINARY

The binary mints the development tokens (HS256, as the server is configured).
Fails (exit 1) on any answer that is not the documented success.
"""

import datetime
import subprocess
import sys

from samverkan_client import AuthenticatedClient, Client
from samverkan_client.api.city_units import create_city_unit
from samverkan_client.api.dialogue_events import (
    create_dialogue_event,
    publish_dialogue_event,
    register_for_dialogue_event,
)
from samverkan_client.api.grants import (
    act_on_grant_application,
    act_on_grant_programme,
    create_grant_application,
    create_grant_programme,
    declare_conflict_of_interest,
    pay_grant,
)
from samverkan_client.api.organisations import create_organisation, list_organisations
from samverkan_client.api.partnerships import act_on_partnership, create_partnership
from samverkan_client.models import (
    ApplicationActionName,
    ApplicationActionRequest,
    ConflictDeclaration,
    CreateApplication,
    CreateCityUnit,
    CreateDialogueEvent,
    CreateOrganisation,
    CreatePartnership,
    CreatePayment,
    CreateProgramme,
    CreateRegistration,
    PartnershipAction,
    Problem,
    ProgrammeActionName,
)

BASE, BINARY = sys.argv[1], sys.argv[2]


def token(*args):
    out = subprocess.run([BINARY, "token", *args], check=True, capture_output=True, text=True)
    return out.stdout.strip()


def client(*args):
    return AuthenticatedClient(base_url=BASE, token=token(*args), raise_on_unexpected_status=True)


def ok(step, response, status):
    parsed = response.parsed
    if response.status_code != status or isinstance(parsed, Problem) or parsed is None:
        print(f"FAILED {step}: {response.status_code} {response.content[:500]!r}")
        sys.exit(1)
    print(f"ok  {step}: {response.status_code}")
    return parsed


def when(days, hour=9):
    t = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=days)
    return t.replace(hour=hour, minute=0, second=0, microsecond=0).isoformat().replace("+00:00", "Z")


admin = client("--role", "city_admin", "--sub", "admin@goteborg.se")
unit = ok("admin creates a unit", create_city_unit.sync_detailed(client=admin, body=CreateCityUnit.from_dict(
    {"name": "SDF Journey", "kind": "district_administration", "district": "vastra_goteborg"})), 201).id
org = ok("admin registers an organisation", create_organisation.sync_detailed(client=admin, body=CreateOrganisation.from_dict(
    {"name": "Föreningen Resan", "legal_form": "non_profit_association"})), 201).id
ok("the public lists organisations", list_organisations.sync_detailed(client=Client(base_url=BASE)), 200)

staff = client("--role", "city_staff", "--unit", str(unit), "--delegation-limit-sek", "100000", "--sub", "chef@goteborg.se")
partner = client("--role", "partner", "--org", str(org), "--sub", "ordforande@resan.se")

# A grant: apply, completion asked and given, decided within delegation, paid.
year = datetime.date.today().year + 1
programme = ok("staff create a programme", create_grant_programme.sync_detailed(client=staff, body=CreateProgramme.from_dict({
    "title": "Utvecklingspotten", "budgets": [{"year": year, "budget_sek": 1000000}],
    "min_sek": 1000, "max_sek": 50000, "districts": ["vastra_goteborg"],
    "rounds": [{"name": "Round 1", "opens_at": when(-10), "deadline": when(30)}]})), 201)
ok("staff open it", act_on_grant_programme.sync_detailed(programme.id, ProgrammeActionName.OPEN, client=staff), 200)
application = ok("the partner applies", create_grant_application.sync_detailed(client=partner, body=CreateApplication.from_dict({
    "organisation_id": str(org), "programme_id": str(programme.id), "round_id": str(programme.rounds[0].id),
    "title": "Sommarjobb", "purpose": "Summer jobs for young people", "districts": ["vastra_goteborg"],
    "requested_sek": 20000, "start_date": f"{year}-06-01", "end_date": f"{year}-08-31",
    "budget_lines": [{"description": "Handledare", "amount_sek": 20000}]})), 201)


def act(step, who, action, body=None):
    return ok(step, act_on_grant_application.sync_detailed(
        application.id, action, client=who,
        body=ApplicationActionRequest.from_dict(body) if body is not None else None), 200)


act("the partner submits", partner, ApplicationActionName.SUBMIT)
act("staff start the review", staff, ApplicationActionName.START_REVIEW)
act("staff ask for a completion", staff, ApplicationActionName.REQUEST_COMPLETION, {"message": "Bifoga budgeten"})
act("the partner completes", partner, ApplicationActionName.COMPLETE)
ok("staff declare no conflict of interest", declare_conflict_of_interest.sync_detailed(
    application.id, client=staff, body=ConflictDeclaration.from_dict({"has_conflict": False})), 201)
act("staff decide within their delegation", staff, ApplicationActionName.DECIDE,
    {"outcome": "granted", "granted_sek": 20000, "motivation": "Fits the programme"})
paid = ok("staff record a payment", pay_grant.sync_detailed(application.id, client=staff, body=CreatePayment.from_dict(
    {"amount_sek": 20000, "paid_on": datetime.date.today().isoformat()})), 201)
assert paid.paid_sek == 20000, paid

# An event: planned, published, the partner registers.
event = ok("staff plan an event", create_dialogue_event.sync_detailed(client=staff, body=CreateDialogueEvent.from_dict({
    "title": "Idésluss", "kind": "matching_meeting", "participation_level": "dialogue",
    "organiser_unit_id": str(unit), "starts_at": when(10, 15), "ends_at": when(10, 17),
    "format": "in_person", "place": "Stadsdelshuset", "capacity": 30})), 201)
ok("staff publish it", publish_dialogue_event.sync_detailed(event.id, client=staff), 200)
ok("the partner registers", register_for_dialogue_event.sync_detailed(event.id, client=partner, body=CreateRegistration.from_dict(
    {"organisation_id": str(org), "participants": 2})), 201)

# A partnership: the partner's proposal becomes active.
proposal = ok("the partner proposes a partnership", create_partnership.sync_detailed(client=partner, body=CreatePartnership.from_dict({
    "title": "IOP Mötesplats", "purpose": "En öppen mötesplats", "form": "iop", "responsible_unit_id": str(unit),
    "start_date": f"{year}-01-01", "end_date": f"{year}-12-31"})), 201)
for action in [PartnershipAction.START_DIALOGUE, PartnershipAction.AGREE, PartnershipAction.ACTIVATE]:
    view = ok(f"staff: {action}", act_on_partnership.sync_detailed(proposal.id, action, client=staff, body=None), 200)
assert str(view.status) == "active", view.status
print("journey: all steps passed")
