//! Authentication: login, token refresh with rotation, logout, and the `CurrentUser`
//! extractor every protected handler takes.

mod client;
mod extractor;
pub(crate) mod handlers;
pub mod password;
pub mod password_policy;
pub mod sessions;
pub mod throttle;
pub mod tokens;

pub use client::{client_info, client_ip, requested_host};
pub use extractor::{Callers, CurrentUser};
pub use handlers::{REFRESH_COOKIE, routes};
