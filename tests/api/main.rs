//! Black-box HTTP tests: one binary, one module per area.

mod builders;
mod helpers;

mod auth;
mod city_units;
mod contract;
mod control_characters;
mod conventions;
mod created_locations;
mod dates_and_times;
mod dialogue_events;
mod event_invariants;
mod faults;
mod grant_invariants;
mod grants;
mod invariants;
mod jwt_attacks;
mod list_rules;
mod lists_statements;
mod merge_patch;
mod organisations;
mod partnership_invariants;
mod partnerships;
mod patch_limits;
mod problem_messages;
mod programme_creation;
mod programme_editing;
mod proxy;
mod readme;
mod request_limits;
mod schema_check;
mod security_matrix;
mod shape;
mod spec;
mod spec_promises;
mod views_per_caller;
