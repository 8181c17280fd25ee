pub mod dashboard;
pub mod login;
