//! People who log in: their rows, the hierarchy between them, and the `/api/users` API.

pub(crate) mod handlers;
mod input;
pub mod queries;

pub use handlers::{replace_password, routes};
pub use input::{apply_profile, validate_new_user};
pub use queries::*;
