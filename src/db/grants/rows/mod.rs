//! The grant tables as rows: what a query reads (`Queryable`), what a write
//! sets (`Insertable`, `AsChangeset`), the JSON kept in text columns, and
//! their conversions to and from the aggregates of `domain::grant`: a
//! programme's (`programme`), an application's (`application`), and its
//! parts' (`parts`: payments, reviews, conflict declarations).

mod application;
mod parts;
mod programme;

pub(super) use application::*;
pub(super) use parts::*;
pub use programme::RecordedChange;
pub(super) use programme::*;

use crate::db::{corrupt, StoreError};
use crate::domain::money::Sek;

/// A stored amount: one the service wrote, so in range, or the row is corrupt.
pub(super) fn sek(kronor: i64, what: &str) -> Result<Sek, StoreError> {
    Sek::new(kronor).map_err(|_| corrupt(what))
}

/// A value as JSON text (the values are plain data: writing them cannot fail).
fn json_text(value: &impl serde::Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "[]".into())
}
