//! What every handler reaches: the settings, the pool, and the runner that
//! does a handler's store work on the blocking pool. `startup` builds it;
//! the handlers and the middleware read it.

use std::time::{Duration, Instant};

use actix_web::http::Method;
use actix_web::web;

use crate::config::Settings;
use crate::db::{self, DbConnection, DbPool, StoreError};
use crate::error::ApiError;

/// What every request can reach: settings, the pool and the route table
/// (for 405 answers).
pub struct AppState {
    pub settings: Settings,
    pub pool: DbPool,
    /// Each route's path segments and methods, from the spec.
    pub(crate) routes: Vec<(Vec<String>, Vec<Method>)>,
}

impl AppState {
    /// Runs blocking database work on the blocking thread pool, never on the
    /// async executor threads: both taking a connection and the queries.
    /// What the store answers becomes a problem here (`From<StoreError> for
    /// ApiError`, in `error.rs`).
    pub async fn db<R, F>(&self, work: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<R, StoreError> + Send + 'static,
    {
        let bound = Duration::from_millis(self.settings.database_timeouts.pool_checkout_ms);
        self.db_within(bound, work).await
    }

    /// Like [`AppState::db`], waiting at most `bound` for a pooled
    /// connection. The connection is taken, used and given back in one
    /// blocking task, so a connection found lost is dropped (see
    /// `db::DbPool::checkout`).
    pub async fn db_within<R, F>(&self, bound: Duration, work: F) -> Result<R, ApiError>
    where
        R: Send + 'static,
        F: FnOnce(&mut DbConnection) -> Result<R, StoreError> + Send + 'static,
    {
        let asked = Instant::now();
        // Waiting for a turn holds no thread, and turns go first come, first
        // served; the checkout that follows finds a connection at once.
        let turn = self.pool.turn(bound).await?;
        let pool = self.pool.clone();
        // Some only while statements are counted (`count_statements`).
        let counter = db::instrument::request_counter();
        web::block(move || {
            let _turn = turn;
            let mut conn = pool.checkout(bound.saturating_sub(asked.elapsed()))?;
            match counter {
                Some(counter) => db::instrument::counted(&mut conn, &counter, work),
                None => work(&mut conn),
            }
        })
        .await
        .map_err(|_| ApiError::Internal(anyhow::anyhow!("database task panicked")))?
        .map_err(ApiError::from)
    }

    /// The methods a path has, if the path names a resource at all.
    pub(crate) fn methods_for(&self, path: &str) -> Option<&[Method]> {
        let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        self.routes
            .iter()
            .find(|(pattern, _)| {
                pattern.len() == segments.len()
                    && pattern
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p.starts_with('{') || p == s)
            })
            .map(|(_, methods)| methods.as_slice())
    }
}
