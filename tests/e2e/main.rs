//! End-to-end: what a person does in the browser, against the real services.

mod accounts;
mod assistant;
mod bundle;
mod dashboard;
mod forms;
mod frontend_server;
mod layout;
mod login;
mod navigation;
mod search;
mod stock;
