//! The parts of the OpenAPI document that are not collected from handlers:
//! info, servers, security scheme and tags.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "samverkan",
        description = "The API a city uses to run its collaboration with civil society: organisations, partnerships (IOP), grants and dialogue events. First home: the City of Gothenburg.\n\nErrors are RFC 9457 problems (`application/problem+json`) with a stable `code`. Lists are cursor-paginated (`items`, `next_cursor`, `Link: rel=\"next\"`). Every resource has a `version` and an `ETag`; send `If-Match` to change it safely. `POST` accepts `Idempotency-Key`.",
        license(name = "EUPL-1.2", identifier = "EUPL-1.2")
    ),
    modifiers(&BearerScheme),
    tags(
        (name = "organisations", description = "Civil-society organisations (idéburna organisationer)"),
        (name = "city units", description = "District administrations, specialist administrations and city companies"),
        (name = "grants", description = "Grant programmes with rounds and budgets; applications, completions, decisions within delegation, payments and reports"),
        (name = "partnerships", description = "IOP agreements and other collaborations between a city unit and organisations"),
        (name = "dialogue events", description = "Dialogue meetings, consultations, council meetings, leadership forums, workshops and matching meetings"),
        (name = "reference data", description = "Districts and other fixed lists"),
        (name = "operations", description = "Health, readiness and problem documentation"),
    ),
    components(schemas(
        crate::error::Problem,
        crate::domain::FieldError,
        crate::db::organisations::OrganisationSort,
        crate::api::grants::ApplicationActionName
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
                        "A JWT from the city's identity provider. Claims: `sub`, `role` (city_admin, city_staff, partner, integration), `org` (partners), `unit` (staff, integrations), `delegation_limit_sek` (optional), `exp`, `iat`, `iss`, `aud`.",
                    ))
                    .build(),
            ),
        );
    }
}

/// The document's fixed parts; routes are added by `startup::openapi`.
pub fn base() -> utoipa::openapi::OpenApi {
    BaseDoc::openapi()
}

/// The syntax of `Idempotency-Key` the service accepts (1 to 255 visible ASCII characters).
pub const IDEMPOTENCY_KEY_PATTERN: &str = "^[!-~]{1,255}$";

/// Completes the collected document: every operation under `/api/`
/// documents the problems every handler can answer (`common_problems`), and
/// every `POST` the `Idempotency-Key` header the service honours on all of
/// them.
pub fn finish(spec: &mut utoipa::openapi::OpenApi) {
    common_problems(spec);
    idempotency_keys(spec);
}

/// The problems that come from the edge rather than from a handler's own
/// rules, written once here instead of on every operation: 401 for a bad
/// token (or a missing one, where a token is required); for a JSON body,
/// 400 malformed JSON, 413 and 415. An operation that says more about one
/// of these statuses keeps its own description.
fn common_problems(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::{ContentBuilder, Ref, RefOr, ResponseBuilder};
    let problem = |description: &str| {
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
    };
    for (path, item) in spec.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        for op in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
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

fn idempotency_keys(spec: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::{ParameterBuilder, ParameterIn};
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    use utoipa::openapi::Required;
    for (path, item) in spec.paths.paths.iter_mut() {
        if !path.starts_with("/api/") {
            continue;
        }
        let Some(post) = item.post.as_mut() else {
            continue;
        };
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
