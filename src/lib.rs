//! samverkan: a JSON REST API for a city's collaboration with civil society.
//! The crate is a library first; `main.rs` is a thin command line over it.

pub mod domain;

pub mod api;
pub mod auth;
pub mod background;
pub mod config;
pub mod db;
pub mod demo;
pub mod error;
pub mod http_server;
pub mod notices;
pub mod openapi;
pub mod problem;
pub mod startup;
pub mod telemetry;

/// The semantic version of the API, sent as `API-Version` on every response.
pub const API_VERSION: &str = env!("CARGO_PKG_VERSION");
