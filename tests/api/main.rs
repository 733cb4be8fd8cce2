//! Black-box HTTP tests: one binary, one module per area.

mod helpers;

mod auth;
mod city_units;
mod contract;
mod conventions;
mod dialogue_events;
mod event_invariants;
mod faults;
mod first_hour;
mod first_hour_review;
mod grant_invariants;
mod grants;
mod invariants;
mod jwt_attacks;
mod lists_statements;
mod organisations;
mod partnership_invariants;
mod partnerships;
mod patch_limits;
mod proxy;
mod readme;
mod request_limits;
mod schema_check;
mod security_matrix;
mod shape;
mod spec;
