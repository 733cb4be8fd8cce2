//! The middleware of the edge, each a function for `actix_web::middleware::from_fn`.
//! `startup.rs` wraps them in a fixed order (outermost last in its list):
//! request context, statement count, URI limit, request deadline, plain
//! errors as problems, CORS, Idempotency-Key, `Vary`, query checks,
//! `If-None-Match`, HEAD as GET, and innermost the retry of a lost read.

pub mod context;
pub mod deadline;
pub mod idempotency;
pub mod query;
pub mod routing;
