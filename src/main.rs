//! The command line: serve, migrate, token, openapi, import (its own module).

mod import_command;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use samverkan::auth::{mint_development_token, Claims, Role};
use samverkan::config::{DatabaseUrl, Settings};
use samverkan::startup::Application;
use uuid::Uuid;

#[derive(Parser)]
#[command(
    name = "samverkan",
    version,
    about = "API for a city's collaboration with civil society"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the API (the default).
    Serve {
        /// Start on a fresh SQLite file with Gothenburg sample data and print a token per role.
        #[arg(long)]
        demo: bool,
        /// Load the demo into this empty database instead of a fresh
        /// samverkan-demo.db (e.g. a PostgreSQL schema of its own).
        #[arg(long, requires = "demo", value_name = "URL")]
        demo_database: Option<String>,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Mint a development token with the HS256 secret (refused without one).
    Token {
        /// city_admin, city_staff, partner or integration.
        #[arg(long, value_parser = parse_role)]
        role: Role,
        /// The organisation id (partners).
        #[arg(long)]
        org: Option<Uuid>,
        /// The city unit id (staff, integrations).
        #[arg(long)]
        unit: Option<Uuid>,
        /// The largest grant the holder may decide, in SEK (staff).
        #[arg(long)]
        delegation_limit_sek: Option<i64>,
        /// The subject (user or system id).
        #[arg(long, default_value = "dev-user")]
        sub: String,
        /// How long the token lives: 30m, 1h, 2d.
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: i64,
    },
    /// Print the OpenAPI document (regenerate openapi/openapi.json with it).
    Openapi,
    /// Import a CSV or NDJSON file through the import endpoint, in chunks,
    /// with progress, a failed-rows file and resume (exit 0: every row
    /// succeeded, 1: some rows failed, 2: the import could not run).
    Import(import_command::ImportArgs),
}

fn parse_role(text: &str) -> Result<Role, String> {
    text.parse()
}

fn parse_ttl(text: &str) -> Result<i64, String> {
    let (number, unit) = text.split_at(text.len().saturating_sub(1));
    let n: i64 = number
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 30m, 1h or 2d"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("`{text}` is not a duration like 30m, 1h or 2d")),
    };
    if seconds <= 0 {
        return Err("the ttl must be positive".into());
    }
    Ok(seconds)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let settings = match Settings::from_env() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    let result = match cli.command.unwrap_or(Command::Serve {
        demo: false,
        demo_database: None,
    }) {
        Command::Serve {
            demo,
            demo_database,
        } => serve(settings, demo, demo_database),
        Command::Migrate => migrate(&settings),
        Command::Token {
            role,
            org,
            unit,
            delegation_limit_sek,
            sub,
            ttl,
        } => token(
            &settings,
            Claims {
                sub,
                role,
                org,
                unit,
                delegation_limit_sek,
                exp: 0,
                iat: 0,
            },
            ttl,
        ),
        Command::Import(args) => return import_command::run(settings, args),
        Command::Openapi => {
            println!(
                "{}",
                samverkan::startup::openapi()
                    .to_pretty_json()
                    .unwrap_or_default()
            );
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn migrate(settings: &Settings) -> anyhow::Result<()> {
    samverkan::telemetry::init(settings.log_format);
    samverkan::db::connect(&settings.database_url, 1, settings.database_timeouts)?;
    tracing::info!(
        backend = settings.database_url.backend_name(),
        "migrations applied"
    );
    Ok(())
}

fn token(settings: &Settings, mut claims: Claims, ttl: i64) -> anyhow::Result<()> {
    let secret = settings
        .jwt
        .hs256_secret
        .as_deref()
        .ok_or_else(|| anyhow::anyhow!("refused: no HS256 secret is configured (SAMVERKAN_JWT_HS256_SECRET); production tokens come from the identity provider"))?;
    let now = chrono::Utc::now().timestamp();
    claims.iat = now;
    claims.exp = now + ttl;
    claims
        .clone()
        .into_principal()
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{}",
        mint_development_token(
            secret,
            &settings.jwt.issuer,
            &settings.jwt.audience,
            &claims
        )?
    );
    Ok(())
}

fn serve(mut settings: Settings, demo: bool, demo_database: Option<String>) -> anyhow::Result<()> {
    samverkan::telemetry::init(settings.log_format);
    raise_open_file_limit();
    return_freed_memory();
    if demo {
        prepare_demo(&mut settings, demo_database.as_deref())?;
    }
    let demo_tokens = if demo {
        Some(load_demo(&settings)?)
    } else {
        None
    };
    actix_web::rt::System::new().block_on(async move {
        let app = Application::build(settings.clone())?;
        tracing::info!(
            port = app.port(),
            backend = settings.database_url.backend_name(),
            "serving"
        );
        if let Some(lines) = demo_tokens {
            println!("{lines}");
        }
        app.run_until_stopped().await?;
        Ok(())
    })
}

/// A fresh SQLite file (or the empty database given) and, when none is
/// configured, a random HS256 secret.
fn prepare_demo(settings: &mut Settings, database: Option<&str>) -> anyhow::Result<()> {
    settings.database_url = match database {
        Some(url) => {
            DatabaseUrl::parse(url).map_err(|m| anyhow::anyhow!("--demo-database: {m}"))?
        }
        None => {
            let path = "samverkan-demo.db";
            for file in [
                path.to_owned(),
                format!("{path}-wal"),
                format!("{path}-shm"),
            ] {
                let _ = std::fs::remove_file(file);
            }
            DatabaseUrl::Sqlite { path: path.into() }
        }
    };
    if settings.jwt.hs256_secret.is_none() {
        settings.jwt.hs256_secret = Some(format!(
            "{}{}",
            Uuid::new_v4().simple(),
            Uuid::new_v4().simple()
        ));
    }
    if !settings
        .jwt
        .algorithms
        .contains(&jsonwebtoken::Algorithm::HS256)
    {
        settings.jwt.algorithms.push(jsonwebtoken::Algorithm::HS256);
    }
    Ok(())
}

fn load_demo(settings: &Settings) -> anyhow::Result<String> {
    let pool = samverkan::db::connect(&settings.database_url, 1, settings.database_timeouts)?;
    let mut conn = pool.get()?;
    let ids =
        samverkan::demo::load(&mut conn).map_err(|e| anyhow::anyhow!("loading demo data: {e}"))?;
    let base = format!("http://{}", settings.bind);
    let session = samverkan::demo::DemoSession::new(&ids, &settings.jwt, &base)?;
    Ok(session.banner(&base))
}

/// Every connection is an open file: with the common soft limit of 1 024,
/// a flood of idle connections stalls `accept` ("too many open files") for
/// everyone. Raise the soft limit to the hard limit, and log both.
fn raise_open_file_limit() {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read and write the struct passed.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        tracing::warn!(error = %std::io::Error::last_os_error(), "cannot read the open-file limit");
        return;
    }
    let before = limit.rlim_cur;
    if limit.rlim_cur < limit.rlim_max {
        limit.rlim_cur = limit.rlim_max;
        // SAFETY: as above.
        if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &limit) } != 0 {
            tracing::warn!(soft = before, hard = limit.rlim_max, error = %std::io::Error::last_os_error(), "cannot raise the open-file limit");
            return;
        }
    }
    tracing::info!(
        soft_before = before,
        soft = limit.rlim_cur,
        hard = limit.rlim_max,
        "open-file limit"
    );
}

/// After a flood of connections glibc keeps the memory they freed in its
/// per-thread arenas (measured: 31 MB before 10 000 idle connections, 101 MB
/// after they closed). Every 10 s, hand freed pages back to the system.
fn return_freed_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    std::thread::Builder::new()
        .name("malloc-trim".into())
        .spawn(|| loop {
            std::thread::sleep(std::time::Duration::from_secs(10));
            // SAFETY: malloc_trim only releases free memory of the allocator.
            unsafe {
                libc::malloc_trim(0);
            }
        })
        .map(drop)
        .unwrap_or_else(|e| tracing::warn!(error = %e, "cannot start the malloc-trim thread"));
}
