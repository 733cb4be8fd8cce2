//! The parts of the OpenAPI document that are not collected from handlers
//! (info, servers, security scheme and tags), and what is written once here
//! for every operation instead of on each handler (`finish`).

use utoipa::openapi::path::HttpMethod;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "samverkan",
        description = "The API a city uses to run its collaboration with civil society: organisations, partnerships (IOP), grants and dialogue events. First home: the City of Gothenburg.\n\nErrors are RFC 9457 problems (`application/problem+json`) with a stable `code`. Lists are cursor-paginated (`items`, `next_cursor`, `Link: rel=\"next\"`). Every resource has a `version` and an `ETag`; send `If-Match` to change it safely. `POST` accepts `Idempotency-Key`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
        contact(name = "samverkan, City of Gothenburg (Göteborgs Stad)")
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "organisations", description = "Civil-society organisations (idéburna organisationer)"),
        (name = "city units", description = "District administrations, specialist administrations and city companies"),
        (name = "grants", description = "Grant programmes with rounds and budgets; applications, completions, decisions within delegation, payments and reports"),
        (name = "partnerships", description = "IOP agreements and other collaborations between a city unit and organisations"),
        (name = "dialogue events", description = "Dialogue meetings, consultations, council meetings, leadership forums, workshops and matching meetings"),
        (name = "imports", description = "Bulk imports of organisations and grant applications (historical ones too) from NDJSON or CSV, with a result per row"),
        (name = "changes", description = "The change feed: every committed change, in commit order, for systems that integrate"),
        (name = "webhooks", description = "Signed Standard Webhooks: admins subscribe URLs to changes, read the delivery log, replay and ping"),
        (name = "open data", description = "Public exports in open standards: decided grants as 360Giving (JSON and CSV)"),
        (name = "reference data", description = "Districts and other fixed lists"),
        (name = "operations", description = "Health, readiness and problem documentation"),
    ),
    components(schemas(
        crate::error::Problem,
        crate::domain::FieldError,
        crate::db::organisations::OrganisationSort,
        crate::api::grants::ApplicationActionName,
        crate::api::csv::CsvDelimiter,
        crate::api::imports::ImportResource,
        ProgrammeActionName
    ))
)]
struct BaseDoc;

struct BearerScheme;

impl Modify for BearerScheme {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A JWT from the city's identity provider. Claims: `sub`, `role` (city_admin, city_staff, partner, integration), `org` (partners), `unit` (staff, integrations), `delegation_limit_sek` (optional), `exp`, `iat`, `iss`, `aud`.\n\nVerified as RFC8725 (JSON Web Token Best Current Practices) asks: the accepted algorithms are pinned by configuration, each key with exactly one; `alg: none` never passes; `exp`, `nbf`, `iss` and `aud` are always checked, with at most 60 s leeway; keys come only from configuration, never from the token (`jku`, `x5u`). A missing, expired or invalid token is a 401 with `WWW-Authenticate: Bearer` (RFC 6750).",
                    ))
                    .build(),
            ),
        );
    }
}

crate::text_enum!(
    /// An action taken at `POST /api/v1/grant-programmes/{id}/{action}`:
    /// `open` (from draft) starts taking applications, `close` (from open)
    /// ends it.
    ProgrammeActionName {
        Open => "open",
        Close => "close",
    }
);

/// Where `samverkan serve` listens with the default `SAMVERKAN_BIND`: the
/// server of the committed document. A running service names its own
/// `SAMVERKAN_PUBLIC_URL` instead ([`serve_at`]).
pub const LOCAL_SERVER: &str = "http://127.0.0.1:8080";

/// The document's fixed parts; routes are added by `startup::openapi`.
pub fn base() -> utoipa::openapi::OpenApi {
    let mut spec = BaseDoc::openapi();
    spec.servers = Some(vec![server(
        LOCAL_SERVER,
        "local: `samverkan serve` with the default `SAMVERKAN_BIND`. A running service's own `/openapi.json` names its `SAMVERKAN_PUBLIC_URL` here instead.",
    )]);
    spec
}

/// The document a running service serves: its one server is where clients
/// reach it (`SAMVERKAN_PUBLIC_URL`, as problem `type` URIs are), not the
/// local default of the committed copy.
pub fn serve_at(spec: &mut utoipa::openapi::OpenApi, public_url: &str) {
    spec.servers = Some(vec![server(
        public_url.trim_end_matches('/'),
        "This service, at its `SAMVERKAN_PUBLIC_URL`.",
    )]);
}

/// A server of the API. `x-internal: false`: the API is meant for other
/// city systems, third-party frontends and scripts, not for the service's
/// own use only.
fn server(url: &str, description: &str) -> utoipa::openapi::server::Server {
    utoipa::openapi::server::ServerBuilder::new()
        .url(url)
        .description(Some(description))
        .extensions(Some(
            [("x-internal", serde_json::Value::Bool(false))]
                .into_iter()
                .collect(),
        ))
        .build()
}

/// The syntax of `Idempotency-Key` the service accepts (1 to 255 visible ASCII characters).
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// The operations of a path item (GET, POST, PUT, PATCH, DELETE; HEAD is
/// added last, from the GET), each with its method.
fn operations_mut(
    item: &mut utoipa::openapi::PathItem,
) -> impl Iterator<Item = (HttpMethod, &mut utoipa::openapi::path::Operation)> {
    [
        (HttpMethod::Get, &mut item.get),
        (HttpMethod::Post, &mut item.post),
        (HttpMethod::Put, &mut item.put),
        (HttpMethod::Patch, &mut item.patch),
        (HttpMethod::Delete, &mut item.delete),
    ]
    .into_iter()
    .filter_map(|(method, op)| op.as_mut().map(|op| (method, op)))
}

/// Completes the collected document: every operation under `/api/`
/// documents the problems every handler can answer (`common_problems`), and
/// every `POST` the `Idempotency-Key` header the service honours on all of
/// them, and the edge's rules as patterns (`document_edge_rules`); each
/// page of items shows its item's example (`page_examples`); every
/// operation the problems of the server itself (`document_bounds`) and the
/// headers the service sends with them (`response_headers`); HEAD beside
/// every GET, last, as it copies the GET (`document_head`).
pub fn finish(spec: &mut utoipa::openapi::OpenApi) {
    common_problems(spec);
    idempotency_keys(spec);
    document_dates(spec);
    document_edge_rules(spec);
    response_links(spec);
    page_examples(spec);
    document_bounds(spec);
    response_headers(spec);
    problem_codes(spec);
    document_head(spec);
}

/// Every problem code, from [`ProblemCode`]: listed with its status in the
/// `code` of the Problem schema, and the values of `/problems/{code}`.
fn problem_codes(spec: &mut utoipa::openapi::OpenApi) {
    use crate::problem::ProblemCode;
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{RefOr, Schema};
    let listed: Vec<String> = ProblemCode::ALL
        .iter()
        .map(|c| format!("`{c}` ({})", c.status()))
        .collect();
    if let Some(RefOr::T(Schema::Object(problem))) = spec
        .components
        .as_mut()
        .and_then(|c| c.schemas.get_mut("Problem"))
    {
        if let Some(RefOr::T(Schema::Object(code))) = problem.properties.get_mut("code") {
            code.description = Some(format!(
                "A stable machine-readable code that clients may switch on; `GET /problems/{{code}}` documents each. New codes may be added: treat an unknown one by its HTTP status. The codes: {}.",
                listed.join(", ")
            ));
        }
    }
    let codes = ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(ProblemCode::ALL.iter().map(|c| c.as_str())))
        .build();
    if let Some(item) = spec.paths.paths.get_mut("/problems/{code}") {
        for (_, op) in operations_mut(item) {
            for param in op.parameters.iter_mut().flatten() {
                if param.name == "code" {
                    param.schema = Some(RefOr::T(Schema::Object(codes.clone())));
                }
            }
        }
    }
}

/// A response with an RFC 9457 problem body.
fn problem(description: &str) -> utoipa::openapi::RefOr<utoipa::openapi::Response> {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/problem+json",
                ContentBuilder::new()
                    .schema(Some(Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build(),
    )
}

/// Whether `schema` names a page: a component whose fields are exactly
/// `items` and `next_cursor`, the shape of every list.
fn is_page(
    components: Option<&utoipa::openapi::Components>,
    schema: Option<&utoipa::openapi::RefOr<utoipa::openapi::Schema>>,
) -> bool {
    use utoipa::openapi::{RefOr, Schema};
    let Some(RefOr::Ref(reference)) = schema else {
        return false;
    };
    let Some(name) = reference.ref_location.strip_prefix("#/components/schemas/") else {
        return false;
    };
    match components.and_then(|c| c.schemas.get(name)) {
        Some(RefOr::T(Schema::Object(page))) => {
            let mut fields: Vec<&str> = page.properties.keys().map(String::as_str).collect();
            fields.sort_unstable();
            fields == ["items", "next_cursor"]
        }
        _ => false,
    }
}

/// Gives each page schema (`items` and `next_cursor`, the shape of every
/// list) an example composed from its item schema's example, unless it has
/// one of its own: one item and no next page. The lists then show the same
/// demo records as the resources they list, written once.
fn page_examples(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::schema::ArrayItems;
    use utoipa::openapi::{RefOr, Schema};
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    let example_of = |schema: Option<&RefOr<Schema>>| match schema {
        Some(RefOr::T(Schema::Object(o))) => o.example.clone().or(o.examples.first().cloned()),
        _ => None,
    };
    let mut composed = Vec::new();
    for (name, schema) in &components.schemas {
        let RefOr::T(Schema::Object(page)) = schema else {
            continue;
        };
        let mut fields: Vec<&str> = page.properties.keys().map(String::as_str).collect();
        fields.sort_unstable();
        if page.example.is_some() || !page.examples.is_empty() || fields != ["items", "next_cursor"]
        {
            continue;
        }
        let Some(RefOr::T(Schema::Array(items))) = page.properties.get("items") else {
            continue;
        };
        let ArrayItems::RefOrSchema(item) = &items.items else {
            continue;
        };
        let RefOr::Ref(item) = item.as_ref() else {
            continue;
        };
        let Some(item) = item.ref_location.strip_prefix("#/components/schemas/") else {
            continue;
        };
        if let Some(example) = example_of(components.schemas.get(item)) {
            composed.push((
                name.clone(),
                serde_json::json!({"items": [example], "next_cursor": null}),
            ));
        }
    }
    for (name, example) in composed {
        if let Some(RefOr::T(Schema::Object(page))) = components.schemas.get_mut(&name) {
            page.example = Some(example);
        }
    }
}

/// The problems that come from the edge rather than from a handler's own
/// rules, written once here instead of on every operation: 401 for a bad
/// token (or a missing one, where a token is required); for a JSON body,
/// 400 malformed JSON, 413 and 415. An operation that says more about one
/// of these statuses keeps its own description.
fn common_problems(spec: &mut utoipa::openapi::OpenApi) {
    for (path, item) in spec.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        for (_, op) in operations_mut(item) {
            let security = op.security.as_deref().unwrap_or_default();
            let anonymous = security.iter().any(|s| s == &Default::default());
            let token = security.iter().any(|s| s != &Default::default());
            let has_body = op.request_body.is_some();
            let responses = &mut op.responses.responses;
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            };
            match (token, anonymous) {
                (true, true) => add("401", "A token was sent and is invalid"),
                (true, false) => add("401", "No token, or an invalid one"),
                (false, _) => {}
            }
            if has_body {
                add("400", "Malformed JSON");
                add("413", "Body too large");
                add("415", "Body is not JSON");
            }
        }
    }
}

/// The `Idempotency-Key` header on every `POST` under `/api/` (the
/// middleware honours it on all of them), and what it answers: 409 while
/// the key's first request runs, 422 for a key reused with another
/// request; added to the operation's own 409 and 422, or as its own (an
/// action without a body has no other 422).
fn idempotency_keys(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::{RefOr, Required};
    const REUSED: &str = "`idempotency_key_reused`: the `Idempotency-Key` was used for another request (another endpoint, query or body) within 24 hours.";
    const IN_PROGRESS: &str = "`idempotency_request_in_progress`: a request with this `Idempotency-Key` is still running; retry after `Retry-After`.";
    for (path, item) in spec.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        let Some(post) = item.post.as_mut() else {
            continue;
        };
        for (status, refusal) in [("409", IN_PROGRESS), ("422", REUSED)] {
            match post.responses.responses.get_mut(status) {
                Some(RefOr::T(response)) => {
                    if !response
                        .description
                        .to_ascii_lowercase()
                        .contains("idempotency")
                    {
                        response.description = format!("{}; or {refusal}", response.description);
                    }
                }
                Some(RefOr::Ref(_)) => {}
                None => {
                    post.responses
                        .responses
                        .insert(status.into(), problem(refusal));
                }
            }
        }
        let parameters = post.parameters.get_or_insert_with(Vec::new);
        if parameters
            .iter()
            .any(|p| p.name.eq_ignore_ascii_case("Idempotency-Key"))
        {
            continue;
        }
        parameters.push(
            ParameterBuilder::new()
                .name("Idempotency-Key")
                .parameter_in(ParameterIn::Header)
                .required(Required::False)
                .description(Some("Makes a retry return the first response (kept 24 h)"))
                .schema(Some(
                    ObjectBuilder::new()
                        .schema_type(Type::String)
                        .min_length(Some(1))
                        .max_length(Some(255))
                        .pattern(Some(IDEMPOTENCY_KEY_PATTERN)),
                ))
                .build(),
        );
    }
}

/// Adds to every operation the problems the server itself can answer,
/// whatever the handler: 408, 414 and 431 before any handler runs; 500
/// for the unexpected (a handler's panic too); 503 and 504 when the
/// database is away or slow or the request deadline passes; 507 for
/// writes when the database's disk is full.
fn document_bounds(spec: &mut utoipa::openapi::OpenApi) {
    const UNAVAILABLE: &str = "`database_unavailable`: the database is away, read-only or busy, or no pooled connection was free within `SAMVERKAN_POOL_TIMEOUT_MS` (5 s by default; 250 ms while the database is known to be away); or `request_deadline_exceeded`: no answer within `SAMVERKAN_REQUEST_TIMEOUT_MS` (by default a second above the pool and statement timeouts, 6 s). Nothing was changed (after a deadline, read before retrying a write, or retry a POST with the same `Idempotency-Key`). `Retry-After: 1`.";
    for (path, item) in spec.paths.paths.iter_mut() {
        let api = path.starts_with("/api/");
        for (method, op) in operations_mut(item) {
            let write = method != HttpMethod::Get;
            let responses = &mut op.responses.responses;
            let mut add = |status: &str, description: &str| {
                responses
                    .entry(status.to_owned())
                    .or_insert_with(|| problem(description));
            };
            add("408", "`request_timeout`: the request head was not received within `SAMVERKAN_CLIENT_REQUEST_TIMEOUT_MS` (5 s by default); answered before any handler runs.");
            add("414", "`uri_too_long`: the path and query exceed `SAMVERKAN_MAX_URI_BYTES` (8 KiB by default).");
            add("431", "`request_header_fields_too_large`: the request headers exceed 128 KiB or 96 fields; answered before any handler runs.");
            add("500", "`internal_error`: something unexpected failed. The body shows nothing internal; the response's `X-Request-Id` finds it in the logs.");
            if path != "/healthz" {
                add("503", UNAVAILABLE);
            }
            if api {
                add("504", "`database_timeout`: a statement ran past `SAMVERKAN_STATEMENT_TIMEOUT_MS` (5 s by default) and was cancelled. Nothing was changed. `Retry-After: 1`.");
                if write {
                    add("507", "`insufficient_storage`: the database's disk is full. Nothing was changed; reads keep working.");
                }
            }
        }
    }
}

/// The `Link` header of a list as `api::respond::page` writes it.
pub const LINK_NEXT_PATTERN: &str = r#"^<[^>]*>; rel="next"$"#;

/// Declares the headers the service sends, where it sends them:
/// `Link` on every list (`respond::page`: a GET whose 200 is a page);
/// `Location` on every 201; `WWW-Authenticate` on every 401
/// (`error.rs`); `Retry-After` on every 503 and 504 (1 s), 507 (60 s),
/// and on a POST's 409, which is `idempotency_request_in_progress` among
/// others (1 s). An operation's own declaration of a header is kept.
fn response_headers(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::header::HeaderBuilder;
    use utoipa::openapi::schema::{ObjectBuilder, SchemaFormat, Type};
    use utoipa::openapi::RefOr;
    let text = |description: &str, schema: ObjectBuilder| {
        HeaderBuilder::new()
            .schema(schema.schema_type(Type::String))
            .description(Some(description))
            .build()
    };
    let seconds = |description: &str| {
        HeaderBuilder::new()
            .schema(
                ObjectBuilder::new()
                    .schema_type(Type::Integer)
                    .minimum(Some(0)),
            )
            .description(Some(description))
            .build()
    };
    let components = spec.components.as_ref();
    for item in spec.paths.paths.values_mut() {
        for (method, op) in operations_mut(item) {
            for (status, response) in op.responses.responses.iter_mut() {
                let RefOr::T(response) = response else {
                    continue;
                };
                let header = match status.as_str() {
                    "200" if method == HttpMethod::Get
                        && is_page(
                            components,
                            response
                                .content
                                .get("application/json")
                                .and_then(|c| c.schema.as_ref()),
                        ) =>
                    {
                        Some(("Link", text("`<...>; rel=\"next\"` (RFC 8288) when there is a next page: this request with the next cursor", ObjectBuilder::new().pattern(Some(LINK_NEXT_PATTERN)))))
                    }
                    "201" => Some(("Location", text("The path of the created resource, which a GET with the same token reads", ObjectBuilder::new().format(Some(SchemaFormat::Custom("uri-reference".into())))))),
                    "401" => Some(("WWW-Authenticate", text("`Bearer`, with `error=\"invalid_token\"` when a token was sent and refused (RFC 6750)", ObjectBuilder::new().enum_values(Some(["Bearer", "Bearer error=\"invalid_token\""]))))),
                    "503" | "504" => Some(("Retry-After", seconds("Seconds to wait before retrying: 1"))),
                    "507" => Some(("Retry-After", seconds("Seconds to wait before retrying: 60"))),
                    "409" if method == HttpMethod::Post => Some(("Retry-After", seconds("With `idempotency_request_in_progress`: seconds to wait before retrying (1)"))),
                    _ => None,
                };
                if let Some((name, header)) = header {
                    if !response
                        .headers
                        .keys()
                        .any(|h| h.eq_ignore_ascii_case(name))
                    {
                        response.headers.insert(name.to_owned(), header);
                    }
                }
            }
        }
    }
}

/// Documents HEAD beside every GET of the spec: the same parameters,
/// statuses and headers, no body.
fn document_head(spec: &mut utoipa::openapi::OpenApi) {
    for item in spec.paths.paths.values_mut() {
        if let Some(get) = &item.get {
            let mut head = get.clone();
            head.operation_id = get.operation_id.as_ref().map(|id| format!("head_{id}"));
            head.summary = Some(format!(
                "HEAD: {}",
                get.summary.as_deref().unwrap_or("the headers of the GET")
            ));
            head.description = Some(
                "The status and headers (ETag, Link, Content-Type) the GET would answer, without a body (RFC 9110)."
                    .into(),
            );
            // Success answers carry no body; error answers are described as
            // for the GET (the problem's headers), a HEAD client reads no body.
            for (status, response) in head.responses.responses.iter_mut() {
                if let utoipa::openapi::RefOr::T(response) = response {
                    if status.starts_with('2') || status.starts_with('3') {
                        response.content.clear();
                    }
                }
            }
            item.head = Some(head);
        }
    }
}

/// One-line text: no control character (C0, DEL, C1), as `api::extract`
/// refuses them in bodies and `refuse_control_characters_in_query` in queries.
pub const ONE_LINE_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$";
/// Multi-line text: newline, carriage return and tab allowed.
pub const MULTI_LINE_PATTERN: &str =
    "^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\u007F-\\u009F]*$";
/// A query parameter: no C0 control character nor DEL, as
/// `api::middleware::query::refuse_control_characters_in_query` refuses them.
pub const QUERY_TEXT_PATTERN: &str = "^[^\\u0000-\\u001F\\u007F]*$";
/// A cursor as the service writes it (`next_cursor`: URL-safe base64 without
/// padding); any other text is refused with 400.
pub const CURSOR_PATTERN: &str = "^[A-Za-z0-9_-]*$";

/// Writes into the document the rules the edge enforces on every request,
/// so that a client (or a fuzzer) that follows the spec is not refused:
/// text fields and string query parameters carry no control characters; a
/// cursor is URL-safe base64; a header is never `null`; an operation that
/// checks the syntax of `If-Match` or `Idempotency-Key` documents its 400.
fn document_edge_rules(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::schema::{SchemaType, Type};
    use utoipa::openapi::{RefOr, Schema};
    if let Some(components) = spec.components.as_mut() {
        for (name, schema) in components.schemas.iter_mut() {
            // Problems may quote what the client sent; they are not checked.
            if name != "Problem" && name != "FieldError" {
                text_patterns(schema, false);
            }
        }
    }
    for item in spec.paths.paths.values_mut() {
        for (_, op) in operations_mut(item) {
            let mut checked_header = false;
            for parameter in op.parameters.iter_mut().flatten() {
                let Some(RefOr::T(schema)) = parameter.schema.as_mut() else {
                    continue;
                };
                match parameter.parameter_in {
                    ParameterIn::Header => {
                        let name = parameter.name.to_ascii_lowercase();
                        checked_header |= name == "if-match" || name == "idempotency-key";
                        // A header has a value or is absent; it is never `null`.
                        if let Schema::Object(object) = schema {
                            if let SchemaType::Array(types) = &object.schema_type {
                                let types: Vec<Type> = types
                                    .iter()
                                    .filter(|t| **t != Type::Null)
                                    .cloned()
                                    .collect();
                                object.schema_type = match types.as_slice() {
                                    [only] => SchemaType::Type(only.clone()),
                                    _ => SchemaType::Array(types),
                                };
                            }
                        }
                    }
                    ParameterIn::Query if parameter.name == "cursor" => {
                        if let Schema::Object(object) = schema {
                            object.pattern = Some(CURSOR_PATTERN.into());
                        }
                    }
                    ParameterIn::Query => {
                        if let Schema::Object(object) = schema {
                            let is_string =
                                matches!(object.schema_type, SchemaType::Type(Type::String));
                            if is_string
                                && object.enum_values.is_none()
                                && object.format.is_none()
                                && object.pattern.is_none()
                            {
                                object.pattern = Some(QUERY_TEXT_PATTERN.into());
                            }
                        }
                    }
                    _ => {}
                }
            }
            if checked_header && !op.responses.responses.contains_key("400") {
                op.responses.responses.insert(
                    "400".into(),
                    problem("`invalid_if_match` or `invalid_idempotency_key`: the header's syntax is wrong"),
                );
            }
            if let Some(body) = op.request_body.as_mut() {
                for content in body.content.values_mut() {
                    if let Some(schema) = content.schema.as_mut() {
                        text_patterns(schema, false);
                    }
                }
            }
        }
    }
}

fn text_patterns(schema: &mut utoipa::openapi::RefOr<utoipa::openapi::Schema>, multi_line: bool) {
    if let utoipa::openapi::RefOr::T(schema) = schema {
        text_patterns_in(schema, multi_line);
    }
}

/// Adds the control-character pattern to every free text in `schema`
/// (a string without `enum`, `format` or a pattern of its own).
fn text_patterns_in(schema: &mut utoipa::openapi::Schema, multi_line: bool) {
    use utoipa::openapi::schema::{AdditionalProperties, ArrayItems, SchemaType, Type};
    use utoipa::openapi::Schema;
    match schema {
        Schema::Object(object) => {
            let is_string = match &object.schema_type {
                SchemaType::Type(t) => *t == Type::String,
                SchemaType::Array(ts) => ts.contains(&Type::String),
                SchemaType::AnyValue => false,
            };
            if is_string
                && object.enum_values.is_none()
                && object.format.is_none()
                && object.pattern.is_none()
            {
                object.pattern = Some(
                    if multi_line {
                        MULTI_LINE_PATTERN
                    } else {
                        ONE_LINE_PATTERN
                    }
                    .into(),
                );
            }
            for (name, property) in object.properties.iter_mut() {
                let multi = crate::api::extract::MULTI_LINE_FIELDS.contains(&name.as_str());
                text_patterns(property, multi);
            }
            if let Some(AdditionalProperties::RefOr(inner)) =
                object.additional_properties.as_deref_mut()
            {
                text_patterns(inner, multi_line);
            }
        }
        Schema::Array(array) => {
            if let ArrayItems::RefOrSchema(inner) = &mut array.items {
                text_patterns(inner, multi_line);
            }
        }
        Schema::OneOf(one) => one
            .items
            .iter_mut()
            .for_each(|s| text_patterns(s, multi_line)),
        Schema::AllOf(all) => all
            .items
            .iter_mut()
            .for_each(|s| text_patterns(s, multi_line)),
        Schema::AnyOf(any) => any
            .items
            .iter_mut()
            .for_each(|s| text_patterns(s, multi_line)),
        _ => {}
    }
}

/// A date as `api::dates::strict_date` accepts it: `YYYY-MM-DD`, year 0001
/// to 9999 written with four digits, a day that the month has (29 February
/// in leap years only).
pub const DATE_PATTERN: &str = r"^(?:(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-9][0-9]{3})-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)$";
/// An instant as `api::dates::strict_instant` accepts it: date as above
/// (year 0001 to 9998: an instant in 9999 may pass the year 9999 in UTC or
/// in Stockholm time, which is refused), `T`, hours 00–23, minutes 00–59;
/// then seconds 00–59 with a fraction of up to nine digits optional and
/// `Z` or `±HH:MM` (RFC 3339: an offset needs the seconds), or no offset
/// for Stockholm local time, where the seconds are optional too.
pub const DATE_TIME_PATTERN: &str = r"^(?:(?:000[1-9]|00[1-9][0-9]|0[1-9][0-9]{2}|[1-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|(?:0[48]|[2468][048]|[13579][26])00)-02-29)[Tt](?:[01][0-9]|2[0-3]):[0-5][0-9](?::[0-5][0-9](?:\.[0-9]{1,9})?(?:[Zz]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?$";
const DATE_RULE: &str = "A date `YYYY-MM-DD`, year 0001 to 9999 with four digits.";
const DATE_TIME_RULE: &str = "RFC 3339 with an offset (`2027-05-12T16:00:00Z`), or Stockholm local time without one (`2027-05-12T18:00`; a local time that does not exist or happens twice at a clock change is a 422: give an offset). Seconds 00 to 59 (no leap second), a fraction of at most nine digits, year 0001 to 9999 in UTC and in Stockholm time.";

/// Writes the date and time rules of `api::dates` (which hold every date
/// and time field of a body, and every such query parameter, by its name)
/// into the request schemas and parameters: a `pattern`, and the rules a
/// pattern cannot say in the description.
fn document_dates(spec: &mut utoipa::openapi::OpenApi) {
    use crate::api::dates;
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{RefOr, Schema};
    let mut roots = Vec::new();
    for item in spec.paths.paths.values_mut() {
        for (_, op) in operations_mut(item) {
            for parameter in op.parameters.iter_mut().flatten() {
                if parameter.parameter_in != ParameterIn::Query {
                    continue;
                }
                let kind = if dates::is_date_parameter(&parameter.name) {
                    Some(false)
                } else if dates::is_time_parameter(&parameter.name) {
                    Some(true)
                } else {
                    None
                };
                if let (Some(time), Some(RefOr::T(Schema::Object(object)))) =
                    (kind, parameter.schema.as_mut())
                {
                    if date_rule(object, time) {
                        let rule = if time { DATE_TIME_RULE } else { DATE_RULE };
                        parameter.description = Some(match parameter.description.take() {
                            Some(d) if !d.is_empty() => format!("{d}\n\n{rule}"),
                            _ => rule.to_owned(),
                        });
                    }
                }
            }
            if let Some(body) = op.request_body.as_mut() {
                for content in body.content.values_mut() {
                    if let Some(schema) = content.schema.as_ref() {
                        collect_refs(schema, &mut roots);
                    }
                }
            }
        }
    }
    let Some(components) = spec.components.as_mut() else {
        return;
    };
    // The request schemas and every schema they use.
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = roots.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        if let Some(schema) = components.schemas.get(&name) {
            collect_refs(schema, &mut roots);
        }
    }
    for name in seen {
        let Some(RefOr::T(Schema::Object(object))) = components.schemas.get_mut(&name) else {
            continue;
        };
        for (field, property) in object.properties.iter_mut() {
            let time = if dates::is_time_field(field) {
                true
            } else if dates::is_date_field(field) {
                false
            } else {
                continue;
            };
            if let RefOr::T(Schema::Object(property)) = property {
                if date_rule(property, time) {
                    let rule = if time { DATE_TIME_RULE } else { DATE_RULE };
                    property.description = Some(match property.description.take() {
                        Some(d) if !d.is_empty() => format!("{d}\n\n{rule}"),
                        _ => rule.to_owned(),
                    });
                }
            }
        }
    }
}

/// Puts the date pattern (or, if `time`, the date-time one) on a string
/// schema; false when `object` is not a plain string.
fn date_rule(object: &mut utoipa::openapi::schema::Object, time: bool) -> bool {
    use utoipa::openapi::schema::{KnownFormat, SchemaFormat, SchemaType, Type};
    let is_string = match &object.schema_type {
        SchemaType::Type(t) => *t == Type::String,
        SchemaType::Array(ts) => ts.contains(&Type::String),
        SchemaType::AnyValue => false,
    };
    if !is_string || object.enum_values.is_some() {
        return false;
    }
    // A date is exactly `format: date`; an instant may also be Stockholm
    // local time without an offset, which `format: date-time` does not
    // allow: the pattern alone says it (else a fuzzer's "not a date-time"
    // case is a local time the server rightly accepts).
    object.format = (!time).then_some(SchemaFormat::KnownFormat(KnownFormat::Date));
    object.pattern = Some(
        if time {
            DATE_TIME_PATTERN
        } else {
            DATE_PATTERN
        }
        .into(),
    );
    true
}

/// The names of the component schemas `schema` refers to.
fn collect_refs(schema: &utoipa::openapi::RefOr<utoipa::openapi::Schema>, out: &mut Vec<String>) {
    if let Ok(value) = serde_json::to_value(schema) {
        collect_ref_names(&value, out);
    }
}

fn collect_ref_names(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map {
                match (key.as_str(), item) {
                    ("$ref", serde_json::Value::String(r)) => {
                        if let Some(name) = r.strip_prefix("#/components/schemas/") {
                            out.push(name.to_owned());
                        }
                    }
                    _ => collect_ref_names(item, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|i| collect_ref_names(i, out)),
        _ => {}
    }
}

/// Links each response that returns a resource to the `GET` of that
/// resource, so that a client (or a stateful fuzzer) can follow a create or
/// an action to what it made: the `201` of `POST /api/v1/x` whose body has
/// an `id` links to `GET /api/v1/x/{id}`; a `200`/`201` of a `POST` under
/// `/api/v1/x/{id}/...` whose body is the schema `GET /api/v1/x/{id}`
/// answers links to that `GET`. The parameter is `$response.body#/id`.
fn response_links(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{link::LinkBuilder, RefOr, Schema};
    let schema_ref = |response: &RefOr<utoipa::openapi::Response>| -> Option<String> {
        let RefOr::T(response) = response else {
            return None;
        };
        match response.content.get("application/json")?.schema.as_ref()? {
            RefOr::Ref(r) => r
                .ref_location
                .strip_prefix("#/components/schemas/")
                .map(str::to_owned),
            RefOr::T(_) => None,
        }
    };
    let has_id = |name: &str| {
        spec.components.as_ref().is_some_and(|c| {
            matches!(c.schemas.get(name), Some(RefOr::T(Schema::Object(o))) if o.properties.contains_key("id"))
        })
    };
    // GET `/x/{id}` path → (operationId, schema of its 200).
    let mut gets = std::collections::BTreeMap::new();
    for (path, item) in &spec.paths.paths {
        if !path.ends_with("/{id}") {
            continue;
        }
        if let Some(get) = &item.get {
            if let (Some(op_id), Some(ok)) = (&get.operation_id, get.responses.responses.get("200"))
            {
                gets.insert(path.clone(), (op_id.clone(), schema_ref(ok)));
            }
        }
    }
    let mut links = Vec::new();
    for (path, item) in &spec.paths.paths {
        let Some(post) = &item.post else {
            continue;
        };
        let (target, collection) = match path.find("/{id}/") {
            Some(at) => (format!("{}/{{id}}", &path[..at]), false),
            None => (format!("{path}/{{id}}"), true),
        };
        let Some((op_id, get_schema)) = gets.get(&target) else {
            continue;
        };
        for (status, response) in &post.responses.responses {
            let Some(name) = schema_ref(response) else {
                continue;
            };
            let links_here = if collection {
                status == "201"
            } else {
                (status == "200" || status == "201") && get_schema.as_deref() == Some(&name)
            };
            if links_here && has_id(&name) {
                links.push((path.clone(), status.clone(), op_id.clone()));
            }
        }
    }
    for (path, status, op_id) in links {
        let Some(post) = spec
            .paths
            .paths
            .get_mut(&path)
            .and_then(|i| i.post.as_mut())
        else {
            continue;
        };
        if let Some(RefOr::T(response)) = post.responses.responses.get_mut(&status) {
            response.links.insert(
                op_id.clone(),
                RefOr::T(
                    LinkBuilder::new()
                        .parameter("id", "$response.body#/id")
                        .description("The resource this response returns")
                        // utoipa 5.5 writes `Link::operation_id` as
                        // `operation_id`, which OpenAPI does not know:
                        // `operationId` is written through the extensions
                        // (serialized flat, unchecked).
                        .extensions(Some([("operationId", op_id)].into_iter().collect()))
                        .build(),
                ),
            );
        }
    }
}
