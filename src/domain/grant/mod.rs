//! Grants (bidrag): programmes with rounds and yearly budgets, applications,
//! completions, decisions within delegation, payments and reports.
//!
//! The aggregates and every rule of them, in plain Rust with a table test
//! each: `db::grants` locks, loads, asks these, writes and records.
//! - [`programme`]: a programme's states ([`ProgrammeStatus::after`]) and
//!   its changes ([`Programme::apply`]: a budget never below what is
//!   granted, a round's deadline after it opens);
//! - [`application`]: an application's states, who takes which action
//!   ([`ApplicationAction::needed`]), its checks against the programme
//!   ([`check_application`]) and at submission ([`check_submission`]);
//! - [`decision`]: delegation, conflicts, amount range and budget
//!   ([`check_decision`]), the grant split over its years;
//! - [`payment`]: never more than granted, paid per year;
//! - [`conflict`]: declarations of conflict of interest and their release.

pub mod application;
pub mod conflict;
pub mod decision;
pub mod payment;
pub mod programme;

pub use application::*;
pub use conflict::*;
pub use decision::*;
pub use payment::*;
pub use programme::*;
