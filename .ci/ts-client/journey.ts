/**
 * A scripted journey through the TypeScript client generated from
 * openapi/openapi.json (openapi-typescript types, openapi-fetch calls),
 * against a running server: no hand-written HTTP, every path, parameter,
 * body and answer typed by the spec. Usage (after `npm run generate` and
 * `npm run build`):
 *
 *     node .ci/ts-client/dist/journey.js BASE_URL SAMVERKAN_BINARY
 *
 * The binary mints the development tokens (HS256, as the server is
 * configured through SAMVERKAN_JWT_HS256_SECRET). Exits 1 with the step, the
 * status and the body on any answer that is not the documented one.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import createClient from "openapi-fetch";
import type { components, operations, paths } from "./schema.js";

type Problem = components["schemas"]["Problem"];
/**
 * The problem codes the spec lists (the `code` parameter of
 * `GET /problems/{code}`). `Problem.code` itself is an open string, as new
 * codes may be added; a frontend switches on the codes it knows.
 */
type ProblemCode = operations["describe_problem"]["parameters"]["path"]["code"];

const base = process.argv[2] ?? fail("usage", "node journey.js BASE_URL SAMVERKAN_BINARY");
const binary = process.argv[3] ?? fail("usage", "node journey.js BASE_URL SAMVERKAN_BINARY");

/** What openapi-fetch answers: the parsed body on success, the parsed error otherwise. */
interface Answer<T, E> {
  data?: T;
  error?: E;
  response: Response;
}

function fail(step: string, why: string): never {
  console.error(`FAILED ${step}: ${why}`);
  process.exit(1);
}

function token(...args: string[]): string {
  return execFileSync(binary, ["token", ...args], { encoding: "utf8" }).trim();
}

function client(...args: string[]) {
  return createClient<paths>({ baseUrl: base, headers: { Authorization: `Bearer ${token(...args)}` } });
}

/** The documented success: the status, and a body the client parsed. */
async function ok<T, E>(step: string, call: Promise<Answer<T, E>>, status: number): Promise<T> {
  const { data, error, response } = await call;
  if (response.status !== status || data === undefined) {
    fail(step, `${response.status} (expected ${status}) ${JSON.stringify(error ?? data).slice(0, 500)}`);
  }
  console.log(`ok  ${step}: ${response.status}`);
  return data;
}

/** The codes as the spec file lists them, to hold the server's answer against at run time. */
const specCodes: ReadonlySet<string> = (() => {
  const spec = JSON.parse(readFileSync(new URL("../../../openapi/openapi.json", import.meta.url), "utf8")) as {
    paths: Record<string, { get?: { parameters?: { name: string; schema?: { enum?: string[] } }[] } }>;
  };
  const codes = spec.paths["/problems/{code}"]?.get?.parameters?.find((p) => p.name === "code")?.schema?.enum;
  if (codes === undefined || codes.length === 0) fail("spec", "GET /problems/{code} lists no codes");
  return new Set(codes);
})();

/**
 * A refusal read as a typed problem: the status, `application/problem+json`,
 * and the expected code, which the compiler holds against the spec's codes
 * and which must also be one of the codes the spec file lists.
 */
async function problem<T>(
  step: string,
  call: Promise<Answer<T, Problem>>,
  status: number,
  code: ProblemCode,
): Promise<Problem> {
  const { data, error, response } = await call;
  const type = response.headers.get("Content-Type") ?? "";
  if (response.status !== status || error === undefined || data !== undefined) {
    fail(step, `${response.status} (expected ${status}) ${JSON.stringify(error ?? data).slice(0, 500)}`);
  }
  if (!type.startsWith("application/problem+json")) fail(step, `Content-Type ${type}`);
  if (!specCodes.has(error.code)) fail(step, `code ${error.code} is not one the spec lists`);
  if (error.code !== code || error.status !== status) {
    fail(step, `code ${error.code}, status ${error.status} (expected ${code}, ${status})`);
  }
  console.log(`ok  ${step}: ${response.status} ${error.code}`);
  return error;
}

/** A read that answers 200, and the `ETag` a guarded change sends back as `If-Match`. */
async function versioned<T, E>(step: string, call: Promise<Answer<T, E>>): Promise<string> {
  const { response } = await call;
  await ok(step, call, 200);
  const tag = response.headers.get("ETag");
  if (tag === null) fail(step, "no ETag");
  return tag;
}

/** An instant `days` from now at `hour`:00 UTC, as the API reads instants. */
function when(days: number, hour = 9): string {
  const t = new Date(Date.now() + days * 86_400_000);
  t.setUTCHours(hour, 0, 0, 0);
  return t.toISOString().replace(".000Z", "Z");
}

const today = new Date().toISOString().slice(0, 10);
const year = new Date().getUTCFullYear() + 1;

const admin = client("--role", "city_admin", "--sub", "admin@goteborg.se");
const unit = await ok(
  "admin creates a unit",
  admin.POST("/api/v1/city-units", {
    body: { name: "SDF TypeScript", kind: "district_administration", district: "vastra_goteborg" },
  }),
  201,
);
const org = await ok(
  "admin registers an organisation",
  admin.POST("/api/v1/organisations", {
    body: { name: "Föreningen Typad", legal_form: "non_profit_association", districts: ["vastra_goteborg"] },
  }),
  201,
);
const anonymous = createClient<paths>({ baseUrl: base });
const listed = await ok(
  "the public lists organisations",
  anonymous.GET("/api/v1/organisations", { params: { query: { district: "vastra_goteborg", limit: 50 } } }),
  200,
);
if (!listed.items.some((o) => o.id === org.id)) fail("the public lists organisations", "the new one is missing");

// A 422: a wrong check digit is a field error the pattern cannot catch.
const invalid = await problem(
  "a wrong organisation number is refused",
  admin.POST("/api/v1/organisations", {
    body: { name: "Fel Nummer", legal_form: "foundation", organisation_number: "556012-5791" },
  }),
  422,
  "validation_failed",
);
if (!(invalid.errors ?? []).some((e) => e.field === "organisation_number")) {
  fail("a wrong organisation number is refused", `errors ${JSON.stringify(invalid.errors)}`);
}

const staff = client(
  "--role", "city_staff", "--unit", unit.id, "--delegation-limit-sek", "100000", "--sub", "chef@goteborg.se",
);
const partner = client("--role", "partner", "--org", org.id, "--sub", "ordforande@typad.se");

// A 412: the organisation edits its profile guarded by the ETag it read; a
// second edit with the same, now stale, ETag is refused.
const version = await versioned(
  "the partner reads its profile",
  partner.GET("/api/v1/organisations/{id}", { params: { path: { id: org.id } } }),
);
const edit = (description: string) =>
  partner.PATCH("/api/v1/organisations/{id}", {
    params: { path: { id: org.id }, header: { "If-Match": version } },
    headers: { "Content-Type": "application/merge-patch+json" },
    body: { description },
  });
const edited = await ok("the partner edits its profile", edit("Läxhjälp på Hisingen."), 200);
if (edited.description !== "Läxhjälp på Hisingen.") fail("the partner edits its profile", "description not kept");
await problem("an edit with a stale ETag is refused", edit("Skrivs över?"), 412, "version_mismatch");

// A grant: apply, completion asked and given, decided within delegation, paid.
const programme = await ok(
  "staff create a programme",
  staff.POST("/api/v1/grant-programmes", {
    body: {
      title: "Typade potten",
      budgets: [{ year, budget_sek: 1_000_000 }],
      min_sek: 1000,
      max_sek: 50_000,
      districts: ["vastra_goteborg"],
      rounds: [{ name: "Round 1", opens_at: when(-10), deadline: when(30) }],
    },
  }),
  201,
);
const round = programme.rounds[0];
if (round === undefined) fail("staff create a programme", "no round");
await ok(
  "staff open it",
  staff.POST("/api/v1/grant-programmes/{id}/{action}", { params: { path: { id: programme.id, action: "open" } } }),
  200,
);
const application = await ok(
  "the partner applies",
  partner.POST("/api/v1/grant-applications", {
    body: {
      organisation_id: org.id,
      programme_id: programme.id,
      round_id: round.id,
      title: "Sommarjobb",
      purpose: "Summer jobs for young people",
      districts: ["vastra_goteborg"],
      requested_sek: 20_000,
      start_date: `${year}-06-01`,
      end_date: `${year}-08-31`,
      budget_lines: [{ description: "Handledare", amount_sek: 20_000 }],
    },
  }),
  201,
);

type ApplicationAction = components["schemas"]["ApplicationActionName"];
type ApplicationActionRequest = components["schemas"]["ApplicationActionRequest"];
const act = (who: typeof staff, action: ApplicationAction, body: ApplicationActionRequest | null = null) =>
  who.POST("/api/v1/grant-applications/{id}/{action}", {
    params: { path: { id: application.id, action } },
    body,
  });
await ok("the partner submits", act(partner, "submit"), 200);
await ok("staff start the review", act(staff, "start_review"), 200);
await ok("staff ask for a completion", act(staff, "request_completion", { message: "Bifoga budgeten" }), 200);
await ok("the partner completes", act(partner, "complete"), 200);
await ok(
  "staff declare no conflict of interest",
  staff.POST("/api/v1/grant-applications/{id}/conflict-declarations", {
    params: { path: { id: application.id } },
    body: { has_conflict: false },
  }),
  201,
);
const decided = await ok(
  "staff decide within their delegation",
  act(staff, "decide", { outcome: "granted", granted_sek: 20_000, motivation: "Fits the programme" }),
  200,
);
if (decided.status !== "decided" || decided.decision?.outcome !== "granted") {
  const decision = JSON.stringify(decided.decision);
  fail("staff decide within their delegation", `status ${decided.status}, decision ${decision}`);
}
const paid = await ok(
  "staff record a payment",
  staff.POST("/api/v1/grant-applications/{id}/payments", {
    params: { path: { id: application.id } },
    body: { amount_sek: 20_000, paid_on: today },
  }),
  201,
);
if (paid.paid_sek !== 20_000) fail("staff record a payment", `paid_sek ${paid.paid_sek}`);

// An event: planned, published, the partner registers two people.
const event = await ok(
  "staff plan an event",
  staff.POST("/api/v1/dialogue-events", {
    body: {
      title: "Idésluss",
      kind: "matching_meeting",
      participation_level: "dialogue",
      organiser_unit_id: unit.id,
      starts_at: when(10, 15),
      ends_at: when(10, 17),
      format: "in_person",
      place: "Stadsdelshuset",
      capacity: 30,
    },
  }),
  201,
);
await ok(
  "staff publish it",
  staff.POST("/api/v1/dialogue-events/{id}/publish", { params: { path: { id: event.id } } }),
  200,
);
const registration = await ok(
  "the partner registers",
  partner.POST("/api/v1/dialogue-events/{id}/registrations", {
    params: { path: { id: event.id } },
    body: { organisation_id: org.id, participants: 2 },
  }),
  201,
);
if (registration.status !== "registered") fail("the partner registers", `status ${registration.status}`);

// A partnership through its life: the partner's proposal becomes active, is
// extended (guarded by the ETag the unit read) and concluded.
const proposal = await ok(
  "the partner proposes a partnership",
  partner.POST("/api/v1/partnerships", {
    body: {
      title: "IOP Mötesplats",
      purpose: "En öppen mötesplats",
      form: "iop",
      responsible_unit_id: unit.id,
      start_date: `${year}-01-01`,
      end_date: `${year}-12-31`,
    },
  }),
  201,
);
for (const action of ["start_dialogue", "agree", "activate"] as const) {
  await ok(
    `staff: ${action}`,
    staff.POST("/api/v1/partnerships/{id}/{action}", { params: { path: { id: proposal.id, action } }, body: null }),
    200,
  );
}
const current = await versioned(
  "staff read it",
  staff.GET("/api/v1/partnerships/{id}", { params: { path: { id: proposal.id } } }),
);
const extended = await ok(
  "staff extend it through the next year",
  staff.POST("/api/v1/partnerships/{id}/{action}", {
    params: { path: { id: proposal.id, action: "extend" }, header: { "If-Match": current } },
    body: { new_end_date: `${year + 1}-12-31`, reason: "Extended through next year" },
  }),
  200,
);
if (extended.status !== "active" || extended.end_date !== `${year + 1}-12-31`) {
  fail("staff extend it through the next year", `status ${extended.status}, end ${extended.end_date}`);
}
const concluded = await ok(
  "staff conclude it",
  staff.POST("/api/v1/partnerships/{id}/{action}", {
    params: { path: { id: proposal.id, action: "conclude" } },
    body: { reason: "The agreement has run its course" },
  }),
  200,
);
if (concluded.status !== "concluded") fail("staff conclude it", `status ${concluded.status}`);
console.log("journey: all steps passed");
