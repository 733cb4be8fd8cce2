//! The business, in plain Rust: no HTTP, no SQL. Types here can only be
//! built from valid input ("parse, don't validate"), so code downstream does
//! not check them again.

#[macro_use]
mod text_enum;

pub mod access;
pub mod case;
pub mod change;
pub mod city_unit;
pub mod dialogue;
pub mod district;
pub mod grant;
pub mod ids;
pub mod import;
pub mod local_time;
pub mod money;
pub mod notice;
pub mod open_data;
pub mod organisation;
pub mod partnership;
pub mod webhook;

use chrono::{DateTime, SubsecRound, Utc};

/// One invalid field of a request, as reported in a 422 problem.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The snake_case name of the field (or a path into it, `districts[2]`).
    #[schema(example = "organisation_number")]
    pub field: String,
    /// What is wrong, in words a person can act on.
    #[schema(example = "check digit does not match (Luhn)")]
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The current time, truncated to microseconds: both databases keep
/// microseconds, so what we return equals what we read back later.
pub fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

/// An optimistic-concurrency version: starts at 1, grows by one on every change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version(pub i64);

impl Version {
    /// Whether an `If-Match` precondition (already parsed) allows a write.
    pub fn satisfies(self, precondition: Option<IfMatch>) -> bool {
        match precondition {
            None | Some(IfMatch::Any) => true,
            Some(IfMatch::Versions(versions)) => versions.contains(&self.0),
        }
    }
}

/// A parsed `If-Match` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    Any,
    Versions(Vec<i64>),
}

/// A text that is not one of an enum's values (read back from storage or
/// given in a query parameter).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{value}` is not one of: {}", allowed.join(", "))]
pub struct UnknownValue {
    pub value: String,
    pub allowed: &'static [&'static str],
}
