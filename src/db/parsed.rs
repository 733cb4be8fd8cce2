//! Text columns that hold an id or a word of the domain (a status, a role,
//! a form), read straight into the domain's type from the row's bytes.
//!
//! Read as `String` and then parsed, each such column costs an allocation
//! that is dropped at once: a page of 500 partnerships with their parties
//! and funding lines has about 10 000 of them, and malloc and free were a
//! tenth of the page's CPU (`perf`, benches/results.md "Lists"). A row field of type
//! [`Parsed<T>`] parses the text where the driver holds it.

use std::fmt;
use std::str::FromStr;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::pg::{Pg, PgValue};
use diesel::sql_types::Text;
use diesel::sqlite::{Sqlite, SqliteValue};

use super::multi_connection_impl::MultiBackend;

/// A text column's value parsed with `T`'s `FromStr`.
#[derive(Debug, Clone, Copy, FromSqlRow)]
pub struct Parsed<T>(pub T);

/// A stored text that does not parse as its type: a bug or a corrupted
/// row, which `StoreError` reports as corrupt.
#[derive(Debug)]
pub struct CorruptText {
    type_name: &'static str,
}

impl fmt::Display for CorruptText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = self.type_name.rsplit("::").next().unwrap_or(self.type_name);
        write!(f, "stored {name} does not parse")
    }
}

impl std::error::Error for CorruptText {}

fn parse<T: FromStr>(text: &str) -> deserialize::Result<Parsed<T>> {
    text.parse().map(Parsed).map_err(|_| {
        Box::new(CorruptText {
            type_name: std::any::type_name::<T>(),
        }) as _
    })
}

impl<T: FromStr> FromSql<Text, Pg> for Parsed<T> {
    fn from_sql(value: PgValue<'_>) -> deserialize::Result<Self> {
        parse(std::str::from_utf8(value.as_bytes())?)
    }
}

impl<T: FromStr> FromSql<Text, Sqlite> for Parsed<T> {
    fn from_sql(mut value: SqliteValue<'_, '_, '_>) -> deserialize::Result<Self> {
        parse(value.read_text())
    }
}

impl<T: FromStr + 'static> FromSql<Text, MultiBackend> for Parsed<T> {
    fn from_sql(
        value: <MultiBackend as diesel::backend::Backend>::RawValue<'_>,
    ) -> deserialize::Result<Self> {
        value.from_sql::<Self, Text>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::StoreError;
    use crate::domain::ids::PartnershipId;
    use crate::domain::partnership::PartyStatus;

    #[test]
    fn parses_ids_and_words_and_names_the_type_that_did_not_parse() {
        let id = "01a22b48-0f3e-7017-af26-cfe91e77e889";
        assert_eq!(
            parse::<PartnershipId>(id).unwrap().0.to_string(),
            id.to_owned()
        );
        assert_eq!(
            parse::<PartyStatus>("active").unwrap().0,
            PartyStatus::Active
        );
        let err = parse::<PartyStatus>("actively").unwrap_err();
        assert_eq!(err.to_string(), "stored PartyStatus does not parse");
        assert!(err.is::<CorruptText>());
    }

    #[test]
    fn a_stored_text_that_does_not_parse_is_a_corrupt_row_for_the_store() {
        let err = parse::<PartnershipId>("not-an-id").unwrap_err();
        let err = StoreError::from(diesel::result::Error::DeserializationError(err));
        assert!(
            matches!(&err, StoreError::Corrupt(m) if m == "stored PartnershipId does not parse"),
            "{err:?}"
        );
    }
}
