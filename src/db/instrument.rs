//! Statement counting, a diagnostic (`SAMVERKAN_COUNT_STATEMENTS=true`): how
//! many SQL statements one request sent, answered in `X-Statement-Count`.
//!
//! A pooled connection is used by one blocking thread from checkout to
//! check-in, so the statements are counted per thread ([`CountStatements`]
//! on the connection) and added, when the work is done, to the counter of
//! the request that asked for it (a task-local set by the middleware around
//! the request). When counting is off there is no task-local, no
//! instrumentation on the connection and nothing counted.

use std::cell::Cell;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use diesel::connection::{Connection, Instrumentation, InstrumentationEvent};

use super::DbConnection;

thread_local! {
    /// Statements sent on this thread since the last [`counted`] began.
    static STATEMENTS: Cell<u64> = const { Cell::new(0) };
}

tokio::task_local! {
    /// The statements of the request being served on this task.
    static REQUEST: Arc<AtomicU64>;
}

/// Counts every statement a connection starts (queries, `BEGIN`, `COMMIT`,
/// pragmas alike).
struct CountStatements;

impl Instrumentation for CountStatements {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::StartQuery { .. } = event {
            STATEMENTS.with(|n| n.set(n.get() + 1));
        }
    }
}

/// The counter of the request served on this task, when statements are
/// counted (inside [`count_request`]); `None` otherwise.
pub fn request_counter() -> Option<Arc<AtomicU64>> {
    REQUEST.try_with(Arc::clone).ok()
}

/// Runs `work` on `conn` and adds the statements it sent to `counter`.
pub fn counted<R>(
    conn: &mut DbConnection,
    counter: &AtomicU64,
    work: impl FnOnce(&mut DbConnection) -> R,
) -> R {
    // A zero-sized instrumentation: setting it does not allocate.
    conn.set_instrumentation(CountStatements);
    STATEMENTS.with(|n| n.set(0));
    let result = work(conn);
    counter.fetch_add(STATEMENTS.with(Cell::get), Ordering::Relaxed);
    result
}

/// Runs a request's future with a fresh counter; returns what it returned
/// and the statements its database work sent.
pub async fn count_request<F: Future>(request: F) -> (F::Output, u64) {
    let counter = Arc::new(AtomicU64::new(0));
    let output = REQUEST.scope(Arc::clone(&counter), request).await;
    (output, counter.load(Ordering::Relaxed))
}
