//! Builds the actix application and its server from the settings: used by
//! `main` and by the tests, so both run the very same service.

use std::net::TcpListener;
use std::sync::Arc;

use actix_web::dev::Server;
use actix_web::http::header;
use actix_web::http::Method;
use actix_web::middleware::from_fn;
use actix_web::{web, App, HttpResponse};
use utoipa::openapi::OpenApi;
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::api::middleware::{context, deadline, idempotency, query, routing};
use crate::api::{self, AppState};
use crate::auth::TokenVerifier;
use crate::config::Settings;
use crate::db::{self, DbPool};

/// Registers every route, each resource module its own; utoipa collects
/// each one into the spec, so the spec cannot drift from what is served.
fn routes(cfg: &mut ServiceConfig) {
    cfg.configure(api::health::configure)
        .configure(api::problems::configure)
        .service(
            utoipa_actix_web::scope("/api/v1")
                .configure(api::changes::configure)
                .configure(api::delivery_status::configure)
                .configure(api::districts::configure)
                .configure(api::city_units::configure)
                .configure(api::organisations::configure)
                .configure(api::imports::configure)
                .configure(api::notices::configure)
                .configure(api::cases::configure)
                .configure(api::open_data::configure)
                .configure(api::dialogue_events::configure)
                .configure(api::partnerships::configure)
                .configure(api::grants::configure)
                .configure(api::webhooks::configure),
        );
}

/// The OpenAPI document the code describes.
pub fn openapi() -> OpenApi {
    let (_, mut spec) = App::new()
        .into_utoipa_app()
        .openapi(crate::openapi::base())
        .configure(routes)
        .split_for_parts();
    crate::openapi::finish(&mut spec);
    spec
}

fn route_table(spec: &OpenApi) -> Vec<(Vec<String>, Vec<Method>)> {
    spec.paths
        .paths
        .iter()
        .map(|(path, item)| {
            let mut methods = Vec::new();
            for (method, op) in [
                (Method::GET, &item.get),
                (Method::HEAD, &item.head),
                (Method::POST, &item.post),
                (Method::PUT, &item.put),
                (Method::PATCH, &item.patch),
                (Method::DELETE, &item.delete),
            ] {
                if op.is_some() {
                    methods.push(method);
                }
            }
            (path.split('/').map(str::to_owned).collect(), methods)
        })
        .collect()
}

/// A running (not yet awaited) server and the port it listens on.
pub struct Application {
    port: u16,
    server: Server,
    /// The replica's background tasks (`background.rs`), ended with the server.
    background: Vec<actix_web::rt::task::JoinHandle<()>>,
}

impl Application {
    /// Connects to the database (migrating it), binds and builds the server.
    pub fn build(settings: Settings) -> anyhow::Result<Self> {
        let verifier = TokenVerifier::from_settings(&settings.jwt)?;
        if !verifier.has_keys() {
            tracing::warn!(
                "no JWT key is configured: every token is refused, only public reads work"
            );
        }
        let pool = db::connect(
            &settings.database_url,
            settings.pool_size,
            settings.database_timeouts,
        )?;
        Self::build_with_pool(settings, pool, verifier)
    }

    pub fn build_with_pool(
        settings: Settings,
        pool: DbPool,
        verifier: TokenVerifier,
    ) -> anyhow::Result<Self> {
        crate::error::set_problem_base(&settings.public_url);
        let mut spec = openapi();
        crate::openapi::serve_at(&mut spec, &settings.public_url);
        let listener = TcpListener::bind(settings.bind).map_err(|e| {
            anyhow::anyhow!(
                "configuration error: SAMVERKAN_BIND: cannot listen on {}: {e}",
                settings.bind
            )
        })?;
        let port = listener.local_addr()?.port();
        let workers = settings.workers;
        let limits = settings.http_limits;
        let state = web::Data::new(AppState {
            routes: route_table(&spec),
            settings,
            pool,
        });
        let background_state = state.clone();
        // The bearer-token extractors (`auth`) read the verifier on its own.
        let verifier = web::Data::new(verifier);
        let spec = Arc::new(spec);
        let app = move || {
            let (app, _) = App::new()
                .into_utoipa_app()
                .configure(routes)
                .split_for_parts();
            app.app_data(state.clone())
                .app_data(verifier.clone())
                .app_data(web::QueryConfig::default().error_handler(api::extract::query_error))
                .app_data(web::PathConfig::default().error_handler(api::extract::path_error))
                .service(swagger_ui(&spec))
                .route(
                    "/docs",
                    web::get().to(|| async {
                        HttpResponse::PermanentRedirect()
                            .insert_header((header::LOCATION, "/docs/"))
                            .finish()
                    }),
                )
                .default_service(web::to(routing::no_route))
                .wrap(from_fn(deadline::retry_lost_read))
                .wrap(from_fn(routing::head_as_get))
                .wrap(from_fn(api::respond::not_modified))
                .wrap(from_fn(api::dates::strict_dates_in_query))
                .wrap(from_fn(query::refuse_control_characters_in_query))
                .wrap(from_fn(query::vary_by_authorization))
                .wrap(from_fn(idempotency::idempotent_post))
                .wrap(routing::cors(&state.settings.cors_origins))
                .wrap(from_fn(context::plain_errors_as_problems))
                .wrap(from_fn(deadline::request_deadline))
                .wrap(from_fn(deadline::uri_limit))
                .wrap(actix_web::middleware::Condition::new(
                    state.settings.count_statements,
                    from_fn(context::statement_count),
                ))
                .wrap(from_fn(context::request_context))
        };
        // Explicit bounds on HTTP connections (`config::HttpLimits`), and
        // problem bodies for what actix-http answers before any handler.
        let server = crate::http_server::serve(listener, limits, workers, app)?;
        let background = crate::background::start(background_state);
        Ok(Application {
            port,
            server,
            background,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle to stop the server (the tests stop theirs when done).
    pub fn handle(&self) -> actix_web::dev::ServerHandle {
        self.server.handle()
    }

    /// Builds and serves on a thread of its own (an actix system of its
    /// own), for a caller that is not async: the import command's service
    /// on `--database-url`, and the tests' servers. Returns once it listens,
    /// with its port and a handle to stop it; or why it could not start.
    pub fn spawn_on_thread(
        settings: Settings,
    ) -> Result<(u16, actix_web::dev::ServerHandle), String> {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("samverkan-service".into())
            .spawn(move || {
                actix_web::rt::System::new().block_on(async move {
                    match Application::build(settings) {
                        Ok(app) => {
                            tx.send(Ok((app.port(), app.handle()))).ok();
                            let _ = app.run_until_stopped().await;
                        }
                        Err(e) => {
                            tx.send(Err(format!("{e:#}"))).ok();
                        }
                    }
                })
            })
            .map_err(|e| format!("cannot start a thread for the service: {e}"))?;
        rx.recv()
            .map_err(|_| "the service's thread ended before it listened".to_owned())?
    }

    /// Serves until SIGINT/SIGTERM, then finishes in-flight requests (graceful shutdown).
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let served = self.server.await;
        for task in self.background {
            task.abort();
        }
        served
    }
}

/// Swagger UI from the binary; `validatorUrl: "none"` so that a deployed
/// instance never sends the spec's URL to an external validator.
fn swagger_ui(spec: &OpenApi) -> SwaggerUi {
    SwaggerUi::new("/docs/{_:.*}")
        .url("/openapi.json", spec.clone())
        .config(utoipa_swagger_ui::Config::new(["/openapi.json"]).validator_url("none"))
}

#[cfg(test)]
mod web_url_spec_tests {
    #[test]
    fn the_spec_states_the_web_url_rule() {
        let spec = serde_json::to_value(super::openapi()).unwrap();
        let schemas = &spec["components"]["schemas"];
        for (schema, field) in [
            ("CreateOrganisation", "website"),
            ("UpdateOrganisation", "website"),
            ("CreateDialogueEvent", "online_link"),
            ("UpdateDialogueEvent", "online_link"),
        ] {
            assert_eq!(
                schemas[schema]["properties"][field]["pattern"],
                crate::api::WEB_URL_PATTERN,
                "{schema}.{field}"
            );
        }
    }
}
