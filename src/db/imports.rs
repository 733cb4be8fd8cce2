//! The transactions of a bulk import. Each row is written by its
//! resource's own store functions (the same checks, locks, history and
//! outbox as a single-record request); here is only how rows are grouped:
//! a batch in one transaction with each row in a savepoint of it (a refused
//! row is undone alone), or the whole import in one transaction that is
//! kept only when every row passed (atomic) or never (a dry run).

use super::{write_transaction, DbConnection, StoreError};

/// How a transaction of an import ended.
enum Ended<R> {
    /// Rolled back on purpose (a dry run, or an atomic import with a refused row).
    Undone(R),
    Failed(StoreError),
}

impl<R> From<diesel::result::Error> for Ended<R> {
    fn from(err: diesel::result::Error) -> Self {
        Ended::Failed(err.into())
    }
}

/// Runs `work` in one write transaction, committed when `work` answers
/// `keep` true and rolled back otherwise; its answer either way.
pub fn transaction<R>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<(R, bool), StoreError>,
) -> Result<R, StoreError> {
    let ended = write_transaction(conn, |conn| match work(conn) {
        Ok((value, true)) => Ok(value),
        Ok((value, false)) => Err(Ended::Undone(value)),
        Err(err) => Err(Ended::Failed(err)),
    });
    match ended {
        Ok(value) | Err(Ended::Undone(value)) => Ok(value),
        Err(Ended::Failed(err)) => Err(err),
    }
}

/// One row inside the import's transaction, in a savepoint of its own: a
/// row that is refused is undone alone, its neighbours kept.
pub fn row<R, E: From<diesel::result::Error>>(
    conn: &mut DbConnection,
    work: impl FnOnce(&mut DbConnection) -> Result<R, E>,
) -> Result<R, E> {
    write_transaction(conn, work)
}
