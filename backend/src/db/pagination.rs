//! The one pagination helper: `?page=&page_size=` parsed and bounded, offsets computed.

use serde::Deserialize;
use shared::FieldProblem;
use shared::pagination::{DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, Page};

use crate::error::{ApiResult, Problems};

/// Deep pages cost a scan of everything before them; beyond this, filter instead.
const MAX_OFFSET: i64 = 1_000_000;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1-based page number.
    #[param(minimum = 1)]
    pub page: Option<i64>,
    /// Items per page, at most 100 (`MAX_PAGE_SIZE`).
    #[param(minimum = 1, maximum = 100)]
    pub page_size: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: i64,
    pub page_size: i64,
}

impl PageParams {
    /// Validates the parameters; `default_size` is the page size when none is asked for.
    pub fn resolve(self, default_size: i64) -> ApiResult<PageRequest> {
        let mut problems = Problems::default();
        let page = self.page.unwrap_or(1);
        let page_size = self.page_size.unwrap_or(default_size);
        if page < 1 {
            problems.add("page", FieldProblem::TooShort);
        }
        if page_size < 1 {
            problems.add("page_size", FieldProblem::TooShort);
        } else if page_size > MAX_PAGE_SIZE {
            problems.add("page_size", FieldProblem::TooLong);
        } else if (page - 1).saturating_mul(page_size) > MAX_OFFSET {
            problems.add("page", FieldProblem::TooLong);
        }
        problems.into_result()?;
        Ok(PageRequest { page, page_size })
    }

    pub fn resolve_default(self) -> ApiResult<PageRequest> {
        self.resolve(DEFAULT_PAGE_SIZE)
    }
}

impl PageRequest {
    pub fn offset(self) -> i64 {
        (self.page - 1) * self.page_size
    }

    pub fn page_of<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page { items, total, page: self.page, page_size: self.page_size }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_bounds() {
        let request = PageParams::default().resolve_default().unwrap();
        assert_eq!((request.page, request.page_size, request.offset()), (1, 25, 0));
        let third = PageParams { page: Some(3), page_size: Some(10) }.resolve_default().unwrap();
        assert_eq!(third.offset(), 20);
        assert!(PageParams { page: Some(0), page_size: None }.resolve_default().is_err());
        assert!(PageParams { page: None, page_size: Some(101) }.resolve_default().is_err());
        assert!(PageParams { page: Some(i64::MAX), page_size: Some(100) }.resolve_default().is_err());
    }
}
