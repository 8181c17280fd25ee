//! End-to-end: what a person does in the browser, against the real services.

mod accounts;
mod assistant;
mod dashboard;
mod frontend_server;
mod login;
mod search;
mod stock;
