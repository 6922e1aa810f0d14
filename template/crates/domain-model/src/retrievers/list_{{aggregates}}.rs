use std::sync::Arc;

use {{crate_name}}_persistence_model::{Page, SortDirection, Store};

use crate::{DomainError, FieldError, Result};

use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Status;
use {{crate_name}}_persistence_model::{{Aggregate}}Field;
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

/// Fields a list may be sorted by, as clients name them.
pub const SORTABLE_FIELDS: [&str; 5] =
    ["name", "status", "amount_cents", "created_at", "updated_at"];

/// Filters, sort and paging as a client sends them; checked by the retriever.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List{{Aggregates}}Query {
    /// One of the status names.
    pub status: Option<String>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    pub min_amount_cents: Option<i64>,
    pub max_amount_cents: Option<i64>,
    /// Comma-separated fields, `-` for descending: `-created_at,name`.
    pub sort: Option<String>,
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Items per page, 1 to [`List{{Aggregates}}Retriever::MAX_PAGE_SIZE`] (default 20).
    pub page_size: Option<u64>,
}

impl List{{Aggregates}}Query {
    /// The requested page, or the first.
    pub fn page(&self) -> u64 {
        self.page.unwrap_or(1)
    }

    /// The requested page size, or the default.
    pub fn page_size(&self) -> u64 {
        self.page_size
            .unwrap_or(List{{Aggregates}}Retriever::DEFAULT_PAGE_SIZE)
    }
}

/// Lists {{aggregates}} matching filters, sorted and paged.
#[derive(Debug, Clone)]
pub struct List{{Aggregates}}Retriever {
    store: Arc<dyn Store>,
}

impl List{{Aggregates}}Retriever {
    pub const DEFAULT_PAGE_SIZE: u64 = 20;
    pub const MAX_PAGE_SIZE: u64 = 100;

    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    #[tracing::instrument(skip(self))]
    pub async fn retrieve(&self, query: &Query) -> Result<Page<{{Aggregate}}>> {
        let spec = specification(query)?;
        let repository = self.store.{{aggregates}}();
        let items = repository.find(&spec).await?;
        let total = repository.count(&spec).await?;
        Ok(Page { items, total })
    }
}

type Query = List{{Aggregates}}Query;
type Spec = {{Aggregate}}Specification;

/// Turns the client's query into a specification, reporting every bad
/// parameter at once.
fn specification(query: &List{{Aggregates}}Query) -> Result<Spec> {
    let mut errors = Vec::new();
    let mut spec = Spec::all();
    if let Some(status) = &query.status {
        match status.parse::<{{Aggregate}}Status>() {
            Ok(status) => spec = spec.and(Spec::by_status(status)),
            Err(err) => errors.push(FieldError::new("status", err.to_string())),
        }
    }
    if let Some(text) = &query.name_contains {
        spec = spec.and(Spec::name_contains(text));
    }
    let min = query.min_amount_cents.unwrap_or(0);
    let max = query.max_amount_cents.unwrap_or(i64::MAX);
    if min > max {
        let message = "must not be greater than max_amount_cents";
        errors.push(FieldError::new("min_amount_cents", message));
    } else if query.min_amount_cents.is_some() || query.max_amount_cents.is_some() {
        spec = spec.and(Spec::amount_between(min, max));
    }
    if let Some(sort) = &query.sort {
        match parse_sort(sort) {
            Ok(keys) => spec.sort = keys,
            Err(err) => errors.push(err),
        }
    }
    let page = query.page();
    if page == 0 {
        errors.push(FieldError::new("page", "must be at least 1"));
    }
    let max_page_size = List{{Aggregates}}Retriever::MAX_PAGE_SIZE;
    let page_size = query.page_size();
    if !(1..=max_page_size).contains(&page_size) {
        let message = format!("must be between 1 and {max_page_size}");
        errors.push(FieldError::new("page_size", message));
    }
    if !errors.is_empty() {
        return Err(DomainError::Validation(errors));
    }
    let skip = (page - 1).saturating_mul(page_size);
    Ok(spec.skip(skip).take(page_size))
}

fn parse_sort(sort: &str) -> Result<Vec<({{Aggregate}}Field, SortDirection)>, FieldError> {
    sort.split(',')
        .map(|key| {
            let (name, direction) = match key.trim().strip_prefix('-') {
                Some(name) => (name, SortDirection::Descending),
                None => (key.trim(), SortDirection::Ascending),
            };
            let field = match name {
                "name" => {{Aggregate}}Field::Name,
                "status" => {{Aggregate}}Field::Status,
                "amount_cents" => {{Aggregate}}Field::AmountCents,
                "created_at" => {{Aggregate}}Field::CreatedAt,
                "updated_at" => {{Aggregate}}Field::UpdatedAt,
                other => {
                    let allowed = SORTABLE_FIELDS.join(", ");
                    let message = format!("cannot sort by {other:?}; use one of: {allowed}");
                    return Err(FieldError::new("sort", message));
                }
            };
            Ok((field, direction))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_first_page_of_twenty() {
        let spec = specification(&List{{Aggregates}}Query::default()).unwrap();
        assert_eq!((spec.skip, spec.take), (0, Some(20)));
        assert!(spec.filter.is_none());
    }

    #[test]
    fn pages_translate_to_skip_and_take() {
        let query = List{{Aggregates}}Query {
            page: Some(3),
            page_size: Some(10),
            ..Default::default()
        };
        let spec = specification(&query).unwrap();
        assert_eq!((spec.skip, spec.take), (20, Some(10)));
    }

    #[test]
    fn sort_keys_keep_their_order_and_direction() {
        let keys = parse_sort("-amount_cents, name").unwrap();
        let expected = [
            ({{Aggregate}}Field::AmountCents, SortDirection::Descending),
            ({{Aggregate}}Field::Name, SortDirection::Ascending),
        ];
        assert_eq!(keys, expected);
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        let query = List{{Aggregates}}Query {
            status: Some("shipped".into()),
            min_amount_cents: Some(10),
            max_amount_cents: Some(5),
            sort: Some("password".into()),
            page: Some(0),
            page_size: Some(1000),
            ..Default::default()
        };
        let Err(DomainError::Validation(fields)) = specification(&query) else {
            panic!("expected validation errors");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        let expected = ["status", "min_amount_cents", "sort", "page", "page_size"];
        assert_eq!(names, expected);
    }
}
