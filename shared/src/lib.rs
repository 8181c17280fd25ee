//! The DealaAI API's request and response shapes: the single source of truth that the
//! backend serialises and the WASM frontend deserialises. Compiles for native and wasm32.

pub mod assistant;
pub mod auth;
pub mod dashboard;
mod decode;
pub mod error;
pub mod health;
pub mod labels;
pub mod org;
pub mod pagination;
pub mod patch;
pub mod permissions;
pub mod proxies;
pub mod stock;
pub mod text;
pub mod user_agent;
pub mod users;
pub mod validation;

pub use error::{ErrorBody, ErrorCode, FieldErrors};
pub use pagination::Page;
pub use permissions::Permission;
pub use validation::FieldProblem;
