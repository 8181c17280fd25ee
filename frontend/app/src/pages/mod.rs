pub mod assistant;
pub mod dashboard;
pub mod login;
pub mod organisation;
pub mod profile;
pub mod stock;
pub mod users;
