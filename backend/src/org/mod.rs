//! The organisation: provinces, dealerships and job profiles. Everyone logged in reads
//! them (they fill the forms' dropdowns); only admins change them.

mod dealers;
mod job_profiles;
mod provinces;
mod reference;

use actix_web::middleware;
use utoipa_actix_web::scope;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::state::forget_answers_after_writes;

pub fn routes(cfg: &mut ServiceConfig) {
    cfg.service(
        scope("/provinces")
            .wrap(middleware::from_fn(forget_answers_after_writes))
            .service(provinces::list_provinces)
            .service(provinces::create_province)
            .service(provinces::update_province)
            .service(provinces::delete_province),
    )
    .service(
        scope("/dealers")
            .wrap(middleware::from_fn(forget_answers_after_writes))
            .service(dealers::list_dealers)
            .service(dealers::get_dealer)
            .service(dealers::create_dealer)
            .service(dealers::update_dealer)
            .service(dealers::delete_dealer),
    )
    .service(
        scope("/profiles")
            .service(job_profiles::list_job_profiles)
            .service(job_profiles::create_job_profile)
            .service(job_profiles::update_job_profile)
            .service(job_profiles::delete_job_profile),
    );
}

/// Reference lists are short and feed dropdowns: one page holds them all by default.
const REFERENCE_PAGE_SIZE: i64 = 100;

// The database's collation may be "C" (Álava after Zaragoza): names are ordered by their
// accent-folded form (the SQL function of the stock search), as Spanish readers expect.
diesel::define_sql_function!(fn fold_text(text: diesel::sql_types::Text) -> diesel::sql_types::Text);

/// `None` if absent; trimmed text otherwise (blank clears the field), with a problem if too long.
fn text_field(
    problems: &mut crate::error::Problems,
    field: &str,
    value: Option<String>,
    max_chars: usize,
) -> Option<String> {
    let value = value.map(|v| v.trim().to_owned());
    if value.as_ref().is_some_and(|v| v.chars().count() > max_chars) {
        problems.add(field, shared::FieldProblem::TooLong);
        return None;
    }
    value
}

/// A text column that always holds something (a code, a name): required when creating, and
/// never blank, in a change either (the database would refuse it with a 500).
fn required_text(
    problems: &mut crate::error::Problems,
    field: &str,
    value: Option<String>,
    creating: bool,
    max_chars: usize,
) -> Option<String> {
    let blank = value.as_deref().map_or(creating, |v| v.trim().is_empty());
    if blank {
        problems.add(field, shared::FieldProblem::Required);
        return None;
    }
    text_field(problems, field, value, max_chars)
}
