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

/// Completes the collected document: every `POST` under `/api/` documents
/// the `Idempotency-Key` header the service honours on all of them.
pub fn finish(spec: &mut utoipa::openapi::OpenApi) {
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
