//! Persistence with diesel over one `MultiConnection`: PostgreSQL in
//! production, SQLite embedded. One module per aggregate.

pub mod cases;
pub mod children;
pub mod city_units;
pub mod dialogue_events;
pub mod error;
pub mod grants;
pub mod idempotency;
pub mod imports;
pub mod instrument;
pub mod notices;
pub mod open_data;
pub mod organisations;
pub mod outbox;
pub mod page;
pub mod parsed;
pub mod partnerships;
pub mod schema;
pub mod stamp;
pub mod webhooks;

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection};
use diesel::{PgConnection, SqliteConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

use crate::config::{DatabaseTimeouts, DatabaseUrl};
pub use children::{children_of, parent_in};
pub use error::StoreError;

const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/postgres");
const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations/sqlite");

/// A connection to whichever backend the service runs on.
#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(PgConnection),
    Sqlite(SqliteConnection),
}

/// The pool, and whether the database is believed away.
#[derive(Clone)]
pub struct DbPool {
    pool: r2d2::Pool<ConnectionManager>,
    away: Arc<AtomicBool>,
    /// Failed attempts to open a connection, counted.
    connect_failures: Arc<AtomicU64>,
    /// One turn per pooled connection, handed out first come, first served
    /// (see [`DbPool::turn`]).
    turns: Arc<tokio::sync::Semaphore>,
}

/// A request's turn at a pooled connection: while it is held, a checkout
/// finds a connection without queueing behind other requests' threads.
pub struct Turn {
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl std::ops::Deref for DbPool {
    type Target = r2d2::Pool<ConnectionManager>;
    fn deref(&self) -> &Self::Target {
        &self.pool
    }
}

impl DbPool {
    /// Is the database believed away: the last attempt to open a connection
    /// failed, or a statement found its connection lost, and no connection
    /// opened since?
    pub fn database_away(&self) -> bool {
        self.away.load(Ordering::Relaxed)
    }

    /// Takes a pooled connection within `bound`, or within
    /// [`AWAY_CHECKOUT_MS`] while the database is believed away (a
    /// connection that cannot come is not waited for). Clears this
    /// thread's lost flag first, so the flag can only name the connection
    /// taken here.
    pub fn checkout(
        &self,
        bound: Duration,
    ) -> Result<r2d2::PooledConnection<ConnectionManager>, r2d2::PoolError> {
        CONNECTION_LOST.with(|lost| lost.set(false));
        self.pool.get_timeout(self.checkout_bound(bound))
    }

    /// `bound`, or [`AWAY_CHECKOUT_MS`] while the database is believed away.
    fn checkout_bound(&self, bound: Duration) -> Duration {
        if self.database_away() {
            bound.min(Duration::from_millis(AWAY_CHECKOUT_MS))
        } else {
            bound
        }
    }

    /// Waits, without holding a thread, for a turn at one of the pool's
    /// connections, within `bound` as [`DbPool::checkout`] does. Turns are
    /// given in the order they were asked for. Without them every waiting
    /// request holds a blocking thread parked in r2d2, and a connection given
    /// back goes to whichever thread wakes first, not to the one that waited
    /// longest: at 64 connections reading by id on PostgreSQL, p50 3 ms and
    /// p99 300–650 ms, a few requests waiting over a second
    /// (benches/results.md "Turns at the pool").
    pub async fn turn(&self, bound: Duration) -> Result<Turn, StoreError> {
        // Most requests find a turn free: no timer for them.
        if let Ok(permit) = self.turns.clone().try_acquire_owned() {
            return Ok(Turn { _permit: permit });
        }
        let bound = self.checkout_bound(bound);
        match tokio::time::timeout(bound, self.turns.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(Turn { _permit: permit }),
            // Timed out; or closed, which this pool never is.
            _ => Err(StoreError::Unavailable(
                "timed out waiting for a connection",
            )),
        }
    }

    /// After a statement found its connection lost, the connections opened
    /// with it are likely gone too (the server restarted, the network
    /// dropped): checks every idle connection with `SELECT 1`, dropping the
    /// dead ones, and if none was alive waits up to `bound` (at most
    /// [`REFRESH_CHECKOUT_MS`]) for a new one. Returns whether a live
    /// connection is now in the pool, so a read can be run once more on a
    /// fresh connection. Blocking: call it on the blocking pool.
    pub fn refresh(&self, bound: Duration) -> bool {
        fn alive(conn: &mut DbConnection) -> bool {
            let ok = diesel::sql_query("SELECT 1").execute(conn).is_ok();
            if !ok {
                // Dropped at check-in (`has_broken`), not pooled again.
                connection_lost();
            }
            ok
        }
        CONNECTION_LOST.with(|lost| lost.set(false));
        let mut live = Vec::new();
        for _ in 0..self.pool.max_size() {
            let Some(mut conn) = self.pool.try_get() else {
                break;
            };
            if alive(&mut conn) {
                // Held until the loop ends, so the next `try_get` sees another one.
                live.push(conn);
            }
        }
        if !live.is_empty() {
            return true;
        }
        // Every idle one was dead: wait for a new one, but not once an
        // attempt to open one has failed (the database is away).
        let failures = self.connect_failures.load(Ordering::Relaxed);
        let until =
            std::time::Instant::now() + bound.min(Duration::from_millis(REFRESH_CHECKOUT_MS));
        while std::time::Instant::now() < until {
            if let Ok(mut conn) = self.pool.get_timeout(Duration::from_millis(25)) {
                return alive(&mut conn);
            }
            if self.connect_failures.load(Ordering::Relaxed) != failures {
                return false;
            }
        }
        false
    }
}

/// How long [`DbPool::refresh`] waits for a new connection when every idle
/// one was dead.
pub const REFRESH_CHECKOUT_MS: u64 = 1000;

thread_local! {
    /// Set when a statement on this thread failed because its connection is
    /// gone (the server closed it, the network dropped, the server shuts
    /// down). A pooled connection is used by one thread from checkout to
    /// check-in (`AppState::db` runs both in one blocking task), so the flag
    /// names the connection this thread holds; `has_broken` reads it at
    /// check-in and the pool drops that connection instead of handing it to
    /// the next request.
    static CONNECTION_LOST: Cell<bool> = const { Cell::new(false) };
}

/// Records that the connection held by this thread is lost (called where a
/// diesel error is classified, in `db/error.rs`).
pub(crate) fn connection_lost() {
    CONNECTION_LOST.with(|lost| lost.set(true));
}

/// How long a request waits for a pooled connection while the database is
/// believed away: long enough for a connection to a database that is back
/// to open on loopback or a LAN, short enough that an outage answers fast.
pub const AWAY_CHECKOUT_MS: u64 = 250;

/// Failed attempts to open a connection (r2d2 reports them here, not to
/// the caller waiting for the pool) mark the database away.
#[derive(Debug)]
struct ConnectErrors {
    away: Arc<AtomicBool>,
    failures: Arc<AtomicU64>,
}

impl r2d2::HandleError<r2d2::Error> for ConnectErrors {
    fn handle_error(&self, error: r2d2::Error) {
        self.failures.fetch_add(1, Ordering::Relaxed);
        if !self.away.swap(true, Ordering::Relaxed) {
            tracing::warn!(%error, "cannot open a database connection");
        }
    }
}

/// Opens connections for the backend chosen from the URL scheme, so a
/// Postgres error is reported as such (the derived `establish` would try
/// every backend and hide it), and sets SQLite's per-connection pragmas.
#[derive(Debug, Clone)]
pub struct ConnectionManager {
    url: DatabaseUrl,
    timeouts: DatabaseTimeouts,
    away: Arc<AtomicBool>,
}

impl ConnectionManager {
    pub fn new(url: DatabaseUrl, timeouts: DatabaseTimeouts) -> Self {
        Self {
            url,
            timeouts,
            away: Arc::default(),
        }
    }
}

impl ManageConnection for ConnectionManager {
    type Connection = DbConnection;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<DbConnection, r2d2::Error> {
        match &self.url {
            DatabaseUrl::Postgres { url } => {
                let mut conn = PgConnection::establish(&with_connect_timeout(
                    url,
                    self.timeouts.pool_checkout_ms,
                ))
                .map_err(r2d2::Error::ConnectionError)?;
                // No statement runs unbounded: a slow or stuck database
                // answers 504 `database_timeout` instead of holding the
                // request and its connection.
                diesel::sql_query(format!(
                    "SET statement_timeout = {}",
                    self.timeouts.statement_ms
                ))
                .execute(&mut conn)
                .map_err(r2d2::Error::QueryError)?;
                self.away.store(false, Ordering::Relaxed);
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
                self.away.store(false, Ordering::Relaxed);
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

    /// A connection is dropped, not pooled again, when a statement on it
    /// found it lost (see `CONNECTION_LOST`) or its transaction is broken.
    fn has_broken(&self, conn: &mut DbConnection) -> bool {
        if CONNECTION_LOST.with(Cell::take) {
            self.away.store(true, Ordering::Relaxed);
            return true;
        }
        // The connection was used without losing it: the database is there.
        self.away.store(false, Ordering::Relaxed);
        <DbConnection as Connection>::TransactionManager::is_broken_transaction_manager(conn)
    }
}

/// libpq waits for a TCP connection as long as the kernel does (minutes
/// for a host that drops packets) unless `connect_timeout` (whole seconds,
/// at least 2) bounds it; the pool timeout is used unless the URL sets one.
fn with_connect_timeout(url: &str, pool_checkout_ms: u64) -> String {
    if url.contains("connect_timeout=") {
        return url.to_owned();
    }
    let seconds = pool_checkout_ms.div_ceil(1000).max(2);
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}connect_timeout={seconds}")
}

/// SQLite's process-wide settings, made once before its first connection
/// opens (`sqlite3_config` is refused after SQLite initialises).
///
/// - Multi-thread mode, not serialized: a pooled connection is used by one
///   thread at a time (diesel's connection is not `Sync`), so the mutex
///   SQLite would take around every call (each step, each column read) only
///   costs.
/// - No memory statistics: with them every allocation SQLite makes takes
///   one global mutex, which the threads of the blocking pool contend for.
///
/// A page of 500 partnerships spent a fifth of its time in those mutexes
/// and the context switches they caused (`perf`; benches/results.md "Lists").
fn configure_sqlite() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        // SAFETY: sqlite3_config is called before any SQLite connection of
        // this process opens (every one opens after `connect` calls this),
        // with the arguments its documentation gives for these options. If
        // SQLite were already initialised, the calls return SQLITE_MISUSE
        // and change nothing, and SQLite stays in its safe serialized mode.
        let results = unsafe {
            [
                libsqlite3_sys::sqlite3_config(libsqlite3_sys::SQLITE_CONFIG_MULTITHREAD),
                libsqlite3_sys::sqlite3_config(
                    libsqlite3_sys::SQLITE_CONFIG_MEMSTATUS,
                    0 as std::os::raw::c_int,
                ),
            ]
        };
        if results.iter().any(|r| *r != libsqlite3_sys::SQLITE_OK) {
            tracing::warn!(
                ?results,
                "SQLite was initialised before it could be configured"
            );
        }
    });
}

/// Builds the pool and applies pending migrations.
pub fn connect(
    url: &DatabaseUrl,
    pool_size: u32,
    timeouts: DatabaseTimeouts,
) -> anyhow::Result<DbPool> {
    if let DatabaseUrl::Sqlite { .. } = url {
        configure_sqlite();
    }
    let manager = ConnectionManager::new(url.clone(), timeouts);
    let away = manager.away.clone();
    let connect_failures = Arc::new(AtomicU64::new(0));
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
        .error_handler(Box::new(ConnectErrors {
            away: away.clone(),
            failures: connect_failures.clone(),
        }))
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
    let turns = Arc::new(tokio::sync::Semaphore::new(pool.max_size() as usize));
    Ok(DbPool {
        pool,
        away,
        connect_failures,
        turns,
    })
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
    // Inside another transaction (an import's batch), a savepoint: the
    // write lock is already held, and a refused row rolls back alone.
    let outermost_sqlite = match conn {
        DbConnection::Sqlite(c) => !in_transaction(c)?,
        DbConnection::Postgres(_) => false,
    };
    match conn {
        DbConnection::Sqlite(c) if outermost_sqlite => {
            AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?
        }
        _ => Manager::begin_transaction(conn)?,
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

/// Whether a transaction is open on the connection.
fn in_transaction(c: &mut SqliteConnection) -> diesel::QueryResult<bool> {
    Ok(AnsiTransactionManager::transaction_manager_status_mut(c)
        .transaction_depth()?
        .is_some())
}

/// Who did something, and how, for the history and the outbox.
pub struct Actor {
    pub subject: String,
    pub role: &'static str,
    pub via: crate::domain::change::Via,
}

impl Actor {
    /// The same caller, changing records through an import.
    pub fn importing(self) -> Self {
        Actor {
            via: crate::domain::change::Via::Import,
            ..self
        }
    }
}

impl From<&crate::domain::access::Principal> for Actor {
    fn from(principal: &crate::domain::access::Principal) -> Self {
        Actor {
            subject: principal.subject().unwrap_or("anonymous").to_owned(),
            role: principal.role_name(),
            via: crate::domain::change::Via::Api,
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

/// `SELECT 1`: does the database answer on this connection?
pub fn ping(conn: &mut DbConnection) -> Result<(), StoreError> {
    diesel::sql_query("SELECT 1").execute(conn)?;
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
pub(crate) fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("stored {what} does not parse"))
}

/// Parses a stored text column.
pub(crate) fn parse<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, StoreError> {
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
) -> Result<Vec<T>, StoreError> {
    text.split(',')
        .filter(|s| !s.is_empty())
        .map(|s| parse(s, what))
        .collect()
}
