//! The organisation: provinces, dealerships and job profiles. Everyone logged in reads
//! them (they fill the forms' dropdowns); only admins change them.

mod dealers;
mod profiles;
mod provinces;

use actix_web::web;

pub(crate) mod routes_doc {
    pub use super::dealers::*;
    pub use super::profiles::*;
    pub use super::provinces::*;
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/provinces")
            .service(provinces::list_provinces)
            .service(provinces::create_province)
            .service(provinces::update_province)
            .service(provinces::delete_province),
    )
    .service(
        web::scope("/dealers")
            .service(dealers::list_dealers)
            .service(dealers::get_dealer)
            .service(dealers::create_dealer)
            .service(dealers::update_dealer)
            .service(dealers::delete_dealer),
    )
    .service(
        web::scope("/profiles")
            .service(profiles::list_profiles)
            .service(profiles::create_profile)
            .service(profiles::update_profile)
            .service(profiles::delete_profile),
    );
}

/// Reference lists are short and feed dropdowns: one page holds them all by default.
const REFERENCE_PAGE_SIZE: i64 = 100;

/// `None` if absent; trimmed text otherwise, with a problem if required and empty or too long.
fn text_field(
    problems: &mut crate::error::Problems,
    field: &str,
    value: Option<String>,
    required: bool,
    max_chars: usize,
) -> Option<String> {
    use shared::FieldProblem;
    match value.map(|v| v.trim().to_owned()) {
        None if required => {
            problems.add(field, FieldProblem::Required);
            None
        }
        Some(v) if v.is_empty() && required => {
            problems.add(field, FieldProblem::Required);
            None
        }
        Some(v) if v.chars().count() > max_chars => {
            problems.add(field, FieldProblem::TooLong);
            None
        }
        other => other,
    }
}
