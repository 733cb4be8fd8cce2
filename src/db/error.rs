//! What persistence can answer besides a value: the record is not there, the
//! caller's version is stale, a rule checked against stored state refused
//! the write, a domain rule run inside the transaction refused it, or the
//! database itself failed. The store knows nothing of HTTP; `error.rs` maps
//! each variant to a problem, once, at the edge.

use crate::domain::access::Refusal;
use crate::domain::grant::DecisionRefusal;
use crate::domain::FieldError;
use crate::problem::ProblemCode;

/// The error of every function in `db`.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// No such record, or one the caller may not know exists.
    #[error("not found")]
    NotFound,
    /// `If-Match` names another version than the stored one.
    #[error("version mismatch (current {current_version})")]
    VersionMismatch { current_version: i64 },
    /// A rule checked against stored state refused the write: a unique
    /// value, a budget, a capacity, a state that no longer changes.
    #[error("conflict: {detail}")]
    Conflict { code: ProblemCode, detail: String },
    /// Fields that are invalid against what is stored (a unit that does not
    /// exist, a document not answered, an amount outside a range).
    #[error("invalid fields")]
    Invalid(Vec<FieldError>),
    /// The action is not one the record's current state allows.
    #[error("invalid transition from {current_state}")]
    InvalidTransition {
        current_state: String,
        action: String,
        allowed_actions: Vec<String>,
    },
    /// The role matrix (`domain::access`) refused the caller.
    #[error("refused: {0:?}")]
    Refused(Refusal),
    /// The caller may not decide this application (`domain::grant::may_decide`).
    #[error("decision refused: {0:?}")]
    DecisionRefused(DecisionRefusal),
    /// A page cursor that this service did not give out.
    #[error("invalid cursor")]
    InvalidCursor,
    /// A change feed cursor from before the changes that were pruned.
    #[error("cursor expired")]
    CursorExpired,
    /// The database is away, restarting, read-only or busy, or no pooled
    /// connection came in time: nothing was written.
    #[error("database unavailable: {0}")]
    Unavailable(&'static str),
    /// A statement ran past the statement timeout and was cancelled.
    #[error("statement timeout")]
    StatementTimeout,
    /// The database's disk is full: nothing was written.
    #[error("disk full")]
    DiskFull,
    /// A stored value does not parse: a bug or a corrupted row.
    #[error("{0}")]
    Corrupt(String),
    /// Anything else the database (or our use of it) got wrong.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// The reason of an [`StoreError::Unavailable`] whose connection is gone (it
/// is not pooled again).
pub const CONNECTION_LOST: &str = "the connection was lost";

impl StoreError {
    /// One invalid field.
    pub fn invalid(field: impl Into<String>, message: impl Into<String>) -> Self {
        StoreError::Invalid(vec![FieldError::new(field, message)])
    }

    /// A statement found its pooled connection lost: a read may be run once
    /// more on a fresh connection.
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, StoreError::Unavailable(reason) if *reason == CONNECTION_LOST)
    }
}

impl From<Refusal> for StoreError {
    fn from(refusal: Refusal) -> Self {
        StoreError::Refused(refusal)
    }
}

impl From<crate::domain::partnership::ChangeRefusal> for StoreError {
    fn from(refusal: crate::domain::partnership::ChangeRefusal) -> Self {
        use crate::domain::partnership::ChangeRefusal;
        match refusal {
            ChangeRefusal::UseExtend => StoreError::Conflict {
                code: ProblemCode::UseExtend,
                detail: "the period of an active partnership changes through `extend` or `amend`"
                    .into(),
            },
            ChangeRefusal::Refused(refusal) => StoreError::Refused(refusal),
        }
    }
}

impl From<crate::domain::dialogue::RegistrationRefusal> for StoreError {
    fn from(refusal: crate::domain::dialogue::RegistrationRefusal) -> Self {
        use crate::domain::dialogue::RegistrationRefusal;
        match refusal {
            RegistrationRefusal::NotOpen(status) => StoreError::Conflict {
                code: ProblemCode::RegistrationClosed,
                detail: format!(
                    "the event is {status}; registrations are taken only while it is published"
                ),
            },
            RegistrationRefusal::DeadlinePassed => StoreError::Conflict {
                code: ProblemCode::RegistrationDeadlinePassed,
                detail: "the registration deadline has passed".into(),
            },
        }
    }
}

impl From<crate::domain::dialogue::CapacityBelowTaken> for StoreError {
    fn from(refusal: crate::domain::dialogue::CapacityBelowTaken) -> Self {
        StoreError::Conflict {
            code: ProblemCode::CapacityBelowTaken,
            detail: format!(
                "{} places are taken; the capacity cannot be lower (cancel registrations first)",
                refusal.taken
            ),
        }
    }
}

impl From<DecisionRefusal> for StoreError {
    fn from(refusal: DecisionRefusal) -> Self {
        StoreError::DecisionRefused(refusal)
    }
}

impl From<crate::domain::money::Overflow> for StoreError {
    fn from(err: crate::domain::money::Overflow) -> Self {
        StoreError::Internal(anyhow::Error::new(err))
    }
}

impl From<diesel::r2d2::PoolError> for StoreError {
    fn from(_: diesel::r2d2::PoolError) -> Self {
        StoreError::Unavailable("timed out waiting for a connection")
    }
}

impl From<diesel::result::Error> for StoreError {
    fn from(err: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match err {
            Error::NotFound => StoreError::NotFound,
            // The explicit checks inside each transaction name the field; this
            // is the last line when two writers race past them.
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, _) => StoreError::Conflict {
                code: ProblemCode::Conflict,
                detail: "a record with the same unique value was written at the same time; retry"
                    .into(),
            },
            Error::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, _) => {
                StoreError::Conflict {
                    code: ProblemCode::InUse,
                    detail: "the record is referenced by other records".into(),
                }
            }
            Error::DatabaseError(kind, info) => match storage_fault(kind, info.message()) {
                Some(fault) => {
                    tracing::warn!(error = info.message(), "database fault");
                    if fault.is_connection_lost() {
                        // The pool drops this connection at check-in.
                        super::connection_lost();
                    }
                    fault
                }
                None => StoreError::Internal(
                    anyhow::Error::new(Error::DatabaseError(kind, info)).context("database"),
                ),
            },
            // A commit that failed and whose rollback failed too: the
            // commit's error says why (a lost connection, mostly).
            Error::RollbackErrorOnCommit { commit_error, .. } => StoreError::from(*commit_error),
            Error::BrokenTransactionManager => {
                // The pool drops a connection whose transaction manager broke.
                StoreError::Unavailable("the database connection failed mid-transaction")
            }
            Error::DeserializationError(e) if e.is::<super::parsed::CorruptText>() => {
                StoreError::Corrupt(e.to_string())
            }
            other => StoreError::Internal(anyhow::Error::new(other).context("database")),
        }
    }
}

/// A database error that is no bug of ours but a state of the database:
/// away, restarting, read-only, out of disk, cancelled by the statement
/// timeout. SQLSTATEs are not exposed by diesel beyond its kinds (25006 is
/// `ReadOnlyTransaction`; class 08 and any error that leaves the connection
/// bad are `ClosedConnection`), so the messages of PostgreSQL (class 08,
/// 53100, 53300, 57014, 57P01–57P03, 25006, as the server writes them with
/// `lc_messages` in English) and SQLite (SQLITE_FULL, SQLITE_BUSY,
/// SQLITE_READONLY, SQLITE_IOERR) are matched, lower-cased.
fn storage_fault(kind: diesel::result::DatabaseErrorKind, message: &str) -> Option<StoreError> {
    use diesel::result::DatabaseErrorKind as K;
    match kind {
        K::ClosedConnection | K::UnableToSendCommand => {
            return Some(StoreError::Unavailable(CONNECTION_LOST))
        }
        K::ReadOnlyTransaction => {
            return Some(StoreError::Unavailable("the database is read-only"))
        }
        K::SerializationFailure => {
            return Some(StoreError::Unavailable("a concurrent change; retry"))
        }
        _ => {}
    }
    let m = message.to_ascii_lowercase();
    let has = |needle: &str| m.contains(needle);
    if has("disk is full") || has("no space left") || has("could not extend file") {
        Some(StoreError::DiskFull)
    } else if has("statement timeout") || has("canceling statement due to user request") {
        Some(StoreError::StatementTimeout)
    } else if has("database is locked")
        || has("too many clients")
        || has("too many connections")
        || has("connection slots are reserved")
    {
        Some(StoreError::Unavailable("the database is busy"))
    } else if has("readonly database") || has("read-only transaction") {
        Some(StoreError::Unavailable("the database is read-only"))
    } else if has("disk i/o error") {
        Some(StoreError::Unavailable(
            "the database cannot read or write its files",
        ))
    } else if has("terminating connection")
        || has("server closed the connection")
        || has("no connection to the server")
        || has("the database system is")
        || has("connection to server")
        || has("could not receive data from server")
        || has("could not send data to server")
        || has("lost synchronization with server")
        || has("ssl connection has been closed")
    {
        Some(StoreError::Unavailable(CONNECTION_LOST))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use diesel::result::DatabaseErrorKind as K;

    /// What a fault is, in a word the test tables can hold.
    fn kind_of(fault: &StoreError) -> &'static str {
        match fault {
            StoreError::DiskFull => "full",
            StoreError::StatementTimeout => "timeout",
            StoreError::Unavailable(_) => "unavailable",
            _ => "other",
        }
    }

    #[test]
    fn database_states_are_not_internal_errors() {
        let cases = [
            (K::Unknown, "database or disk is full", "full"),
            (
                K::Unknown,
                "could not extend file \"base/1/2\": No space left on device",
                "full",
            ),
            (
                K::Unknown,
                "canceling statement due to statement timeout",
                "timeout",
            ),
            (K::Unknown, "database is locked", "unavailable"),
            (K::Unknown, "sorry, too many clients already", "unavailable"),
            (
                K::Unknown,
                "attempt to write a readonly database",
                "unavailable",
            ),
            (K::Unknown, "disk I/O error", "unavailable"),
            (
                K::Unknown,
                "terminating connection due to administrator command",
                "unavailable",
            ),
            (
                K::Unknown,
                "the database system is shutting down",
                "unavailable",
            ),
            // SQLSTATE by SQLSTATE, as PostgreSQL words them.
            (
                K::Unknown,
                "could not write to file \"pg_wal/xlogtemp.123\": No space left on device",
                "full",
            ), // 53100
            (
                K::Unknown,
                "too many connections for role \"samverkan\"",
                "unavailable",
            ), // 53300
            (
                K::Unknown,
                "remaining connection slots are reserved for roles with the SUPERUSER attribute",
                "unavailable",
            ), // 53300
            (
                K::ClosedConnection,
                "terminating connection due to administrator command",
                "unavailable",
            ), // 57P01
            (
                K::Unknown,
                "terminating connection because of crash of another server process",
                "unavailable",
            ), // 57P02
            (
                K::Unknown,
                "the database system is starting up",
                "unavailable",
            ), // 57P03
            (
                K::Unknown,
                "the database system is in recovery mode",
                "unavailable",
            ), // 57P03
            (
                K::Unknown,
                "could not receive data from server: Connection reset by peer",
                "unavailable",
            ), // 08006
            (
                K::UnableToSendCommand,
                "could not send data to server: Broken pipe",
                "unavailable",
            ), // 08006
            (
                K::Unknown,
                "canceling statement due to user request",
                "timeout",
            ), // 57014
            (
                K::ReadOnlyTransaction,
                "cannot execute UPDATE in a read-only transaction",
                "unavailable",
            ), // 25006
            (
                K::ClosedConnection,
                "server closed the connection unexpectedly",
                "unavailable",
            ),
            (
                K::ReadOnlyTransaction,
                "cannot execute INSERT in a read-only transaction",
                "unavailable",
            ),
        ];
        for (kind, message, expected) in cases {
            let fault = storage_fault(kind, message).unwrap_or_else(|| panic!("{message}"));
            assert_eq!(kind_of(&fault), expected, "{message}");
        }
        assert!(storage_fault(K::Unknown, "syntax error at or near").is_none());
    }

    #[test]
    fn only_a_lost_connection_lets_a_read_run_again() {
        let lost = [
            (
                K::ClosedConnection,
                "server closed the connection unexpectedly",
            ),
            (
                K::Unknown,
                "terminating connection due to administrator command",
            ),
            (K::UnableToSendCommand, "could not send data to server"),
        ];
        for (kind, message) in lost {
            assert!(
                storage_fault(kind, message).unwrap().is_connection_lost(),
                "{message}"
            );
        }
        let not_lost = [
            (
                K::ReadOnlyTransaction,
                "cannot execute INSERT in a read-only transaction",
            ),
            (K::Unknown, "too many connections for role \"r\""),
            (K::Unknown, "canceling statement due to statement timeout"),
        ];
        for (kind, message) in not_lost {
            assert!(
                !storage_fault(kind, message).unwrap().is_connection_lost(),
                "{message}"
            );
        }
    }

    #[test]
    fn constraint_violations_are_conflicts_and_a_missing_row_is_not_found() {
        use diesel::result::Error;
        assert!(matches!(
            StoreError::from(Error::NotFound),
            StoreError::NotFound
        ));
        let info = |m: &str| -> Box<dyn diesel::result::DatabaseErrorInformation + Send + Sync> {
            Box::new(m.to_owned())
        };
        assert!(matches!(
            StoreError::from(Error::DatabaseError(K::UniqueViolation, info("dup"))),
            StoreError::Conflict {
                code: ProblemCode::Conflict,
                ..
            }
        ));
        assert!(matches!(
            StoreError::from(Error::DatabaseError(K::ForeignKeyViolation, info("fk"))),
            StoreError::Conflict {
                code: ProblemCode::InUse,
                ..
            }
        ));
        assert!(matches!(
            StoreError::from(Error::DatabaseError(K::Unknown, info("syntax error"))),
            StoreError::Internal(_)
        ));
        assert!(matches!(
            StoreError::from(Error::BrokenTransactionManager),
            StoreError::Unavailable(_)
        ));
    }
}
