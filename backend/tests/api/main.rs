//! API integration tests: the real HTTP server on a random port, each test with its own
//! PostgreSQL database cloned from the migrated template. One binary links faster.

mod assistant;
mod auth;
mod cli;
mod dashboard;
mod database;
mod forwarding;
mod health;
mod helpers;
mod http;
mod memory;
mod openapi;
mod org;
mod permissions;
mod planner;
mod replicas;
mod search;
mod sessions;
mod stock;
mod stock_files;
mod stock_index;
mod users;
