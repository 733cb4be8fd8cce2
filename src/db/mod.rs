//! Persistence with diesel over one `MultiConnection`: PostgreSQL in
//! production, SQLite embedded. One module per aggregate.

pub mod city_units;
pub mod dialogue_events;
pub mod grants;
pub mod idempotency;
pub mod organisations;
pub mod page;
pub mod partnerships;
pub mod schema;

use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{DatabaseTimeouts, DatabaseUrl};

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection to whichever backend the service runs on.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

pub type DbPool = r2d2::Pool<ConnectionManager>;

/// Opens connections for the backend chosen from the URL scheme, so a
/// Postgres error is reported as such (the derived `establish` would try
/// every backend and hide it), and sets SQLite's per-connection pragmas.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    timeouts: DatabaseTimeouts,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl, timeouts: DatabaseTimeouts) -> Self {
        Self { url, timeouts }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres { url } => {
                let mut conn =
                    PgConnection::establish(url).map_err(r2d2::Error::ConnectionError)?;
                // No statement runs unbounded: a slow or stuck database
                // answers 504 `database_timeout` instead of holding the
                // request and its connection.
                diesel::sql_query(format!(
                    "SET statement_timeout = {}",
                    self.timeouts.statement_ms
                ))
                .execute(&mut conn)
                .map_err(r2d2::Error::QueryError)?;
                Ok(DbConnection::Postgres(conn))
            }
            DatabaseUrl::Sqlite { path } => {
                let mut conn =
                    SqliteConnection::establish(path).map_err(r2d2::Error::ConnectionError)?;
                // busy_timeout first, so the others wait (bounded) instead of failing.
                for pragma in [
                    format!("PRAGMA busy_timeout = {}", self.timeouts.statement_ms),
                    "PRAGMA foreign_keys = ON".to_owned(),
                    "PRAGMA synchronous = NORMAL".to_owned(),
                ] {
                    diesel::sql_query(pragma)
                        .execute(&mut conn)
                        .map_err(r2d2::Error::QueryError)?;
                }
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }

    fn is_valid(&self, conn: &mut DbConnection) -> Result<(), r2d2::Error> {
        diesel::sql_query("SELECT 1")
            .execute(conn)
            .map(|_| ())
            .map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// Builds the pool and applies pending migrations.
pub fn connect(
    url: &DatabaseUrl,
    pool_size: u32,
    timeouts: DatabaseTimeouts,
) -> anyhow::Result<DbPool> {
    let manager = ConnectionManager::new(url.clone(), timeouts);
    if let DatabaseUrl::Sqlite { .. } = url {
        // WAL is a property of the database file: set it once.
        let mut conn = manager
            .connect()
            .map_err(|e| anyhow::anyhow!("cannot open the SQLite database: {e}"))?;
        diesel::sql_query("PRAGMA journal_mode = WAL").execute(&mut conn)?;
    }
    let pool = r2d2::Pool::builder()
        .max_size(pool_size)
        .connection_timeout(Duration::from_millis(timeouts.pool_checkout_ms))
        // No `SELECT 1` before every checkout: it doubles the round trips of
        // every request. A connection that broke is dropped by `has_broken`.
        .test_on_check_out(false)
        .build(manager)
        .map_err(|e| {
            anyhow::anyhow!("cannot connect to the {} database: {e}", url.backend_name())
        })?;
    let mut conn = pool.get()?;
    // Migrations are not bounded by the statement timeout of requests.
    let postgres = matches!(*conn, DbConnection::Postgres(_));
    if postgres {
        diesel::sql_query("SET statement_timeout = 0").execute(&mut *conn)?;
    }
    run_migrations(&mut conn)?;
    if postgres {
        diesel::sql_query(format!("SET statement_timeout = {}", timeouts.statement_ms))
            .execute(&mut *conn)?;
    }
    Ok(pool)
}

/// Applies the embedded migrations of the connection's backend.
pub fn run_migrations(conn: &mut DbConnection) -> anyhow::Result<Vec<String>> {
    let applied = match conn {
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
    }
    .map_err(|e| anyhow::anyhow!("migration failed: {e}"))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// Runs `f` in one transaction that takes the write lock at its start on
/// SQLite (`BEGIN IMMEDIATE`): a read-then-write transaction started as
/// deferred fails with BUSY under concurrency whatever the busy timeout.
pub fn write_transaction<R, E>(
    conn: &mut DbConnection,
    f: impl FnOnce(&mut DbConnection) -> Result<R, E>,
) -> Result<R, E>
where
    E: From<diesel::result::Error>,
{
    type Manager = <DbConnection as Connection>::TransactionManager;
    match conn {
        DbConnection::Sqlite(c) => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        DbConnection::Postgres(_) => Manager::begin_transaction(conn)?,
    }
    match f(conn) {
        Ok(value) => {
            Manager::commit_transaction(conn)?;
            Ok(value)
        }
        Err(err) => {
            // The error that ended the work matters more than a failed rollback
            // (the pool discards a connection whose transaction is broken).
            let _ = Manager::rollback_transaction(conn);
            Err(err)
        }
    }
}

/// A row whose lock guards an invariant (the aggregate root a check reads).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Guard {
    CityUnit,
    Organisation,
    DialogueEvent,
    Partnership,
    GrantProgramme,
    GrantApplication,
}

impl Guard {
    fn table(self) -> &'static str {
        match self {
            Guard::CityUnit => "city_units",
            Guard::Organisation => "organisations",
            Guard::DialogueEvent => "dialogue_events",
            Guard::Partnership => "partnerships",
            Guard::GrantProgramme => "grant_programmes",
            Guard::GrantApplication => "grant_applications",
        }
    }
}

/// Locks one row until the write transaction ends, so that what a check
/// reads after it is every committed write and stays so until commit: "lock,
/// check, write". On PostgreSQL this is `SELECT ... FOR NO KEY UPDATE` (it
/// does not block inserts that merely reference the row); on SQLite the
/// transaction's `BEGIN IMMEDIATE` already holds the database's one write
/// lock. Call it first in a [`write_transaction`], before any read that a
/// rule depends on; take several in the order application, organisation,
/// event, partnership, programme, unit so two writers never wait on each other.
pub fn lock(
    conn: &mut DbConnection,
    guard: Guard,
    id: &impl std::fmt::Display,
) -> Result<(), diesel::result::Error> {
    if let DbConnection::Postgres(pg) = conn {
        diesel::sql_query(format!(
            "SELECT id FROM {} WHERE id = $1 FOR NO KEY UPDATE",
            guard.table()
        ))
        .bind::<diesel::sql_types::Text, _>(id.to_string())
        .execute(pg)?;
    }
    Ok(())
}

/// A `LIKE` pattern that finds `text` anywhere, with wildcards in `text` escaped.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
}

/// A stored value that does not parse is a bug or a corrupted row: an
/// internal error (logged), never a client's fault.
pub(crate) fn corrupt(what: &str) -> crate::error::ApiError {
    crate::error::ApiError::Internal(anyhow::anyhow!("stored {what} does not parse"))
}

/// Parses a stored text column.
pub(crate) fn parse<T: std::str::FromStr>(
    text: &str,
    what: &str,
) -> Result<T, crate::error::ApiError> {
    text.parse().map_err(|_| corrupt(what))
}

/// A list stored as `,a,b,` so that `LIKE '%,a,%'` finds one item on both backends.
pub(crate) fn list_column<T: std::fmt::Display>(items: &[T]) -> String {
    let mut text = String::from(",");
    for item in items {
        text.push_str(&item.to_string());
        text.push(',');
    }
    text
}

/// Reads a list stored by [`list_column`].
pub(crate) fn parse_list<T: std::str::FromStr>(
    text: &str,
    what: &str,
) -> Result<Vec<T>, crate::error::ApiError> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse(s, what))
        .collect()
}
