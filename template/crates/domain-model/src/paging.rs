//! Page numbers and sizes as clients send them, checked the same way by
//! every paged retriever.

use crate::FieldError;

pub(crate) const DEFAULT_PAGE_SIZE: u64 = 20;
pub(crate) const MAX_PAGE_SIZE: u64 = 100;
/// Deep pages cost the database a long scan; this bounds the offset at
/// `MAX_PAGE * MAX_PAGE_SIZE` rows, far inside every driver's integer range.
pub(crate) const MAX_PAGE: u64 = 1_000_000;

/// The offset and limit of a 1-based `page` of `page_size` items, or an
/// error per field out of its bounds, added to `errors`.
pub(crate) fn skip_and_take(
    page: u64,
    page_size: u64,
    errors: &mut Vec<FieldError>,
) -> Option<(u64, u64)> {
    let before = errors.len();
    if !(1..=MAX_PAGE).contains(&page) {
        let message = format!("must be between 1 and {MAX_PAGE}");
        errors.push(FieldError::new("page", message));
    }
    if !(1..=MAX_PAGE_SIZE).contains(&page_size) {
        let message = format!("must be between 1 and {MAX_PAGE_SIZE}");
        errors.push(FieldError::new("page_size", message));
    }
    // Both factors are bounded above, so this cannot overflow.
    (errors.len() == before).then(|| ((page - 1) * page_size, page_size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bounds_are_inclusive() {
        let mut errors = Vec::new();
        let last = skip_and_take(MAX_PAGE, MAX_PAGE_SIZE, &mut errors);
        assert_eq!(last, Some(((MAX_PAGE - 1) * MAX_PAGE_SIZE, MAX_PAGE_SIZE)));
        assert_eq!(skip_and_take(1, 1, &mut errors), Some((0, 1)));
        assert!(errors.is_empty());
    }

    #[test]
    fn each_field_out_of_bounds_is_reported() {
        let mut errors = Vec::new();
        assert_eq!(skip_and_take(0, MAX_PAGE_SIZE + 1, &mut errors), None);
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["page", "page_size"]);
    }
}
