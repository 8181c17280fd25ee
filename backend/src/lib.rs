//! DealaAI backend: the REST API (one module per capability) and the `dealaai` CLI.

// diesel's boxed, grouped queries over the 40-column vehicles table nest deep types.
#![recursion_limit = "256"]

pub mod app;
pub mod assistant;
pub mod auth;
pub mod cache;
pub mod cli;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod error;
pub mod event_stream;
pub mod health;
pub mod json_body;
pub mod nul_guard;
pub mod openapi;
pub mod org;
pub mod search;
pub mod state;
pub mod stock;
pub mod telemetry;
pub mod users;

/// Test harness pieces shared by the API and end-to-end tests.
#[cfg(feature = "test-support")]
pub mod testing {
    pub use crate::db::testing::*;
}
