use std::sync::Arc;

use {{crate_name}}_entity_model::{Amount, Name};
use {{crate_name}}_persistence_model::{Page, SortDirection, Store};

use crate::{DomainError, FieldError, Result, paging};

use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Status;
use {{crate_name}}_persistence_model::{{Aggregate}}SortKey;
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

/// Filters, sort and paging as a client sends them; checked by the retriever.
///
/// Every number is bounded here, before it reaches arithmetic or a driver, and
/// the bounds are public so that the API document states the same ones.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct List{{Aggregates}}Query {
    /// One of the status names.
    pub status: Option<String>,
    /// Case-insensitive substring of the name.
    pub name_contains: Option<String>,
    /// Inclusive bounds, each 0 to [`Amount::MAX_CENTS`]; a minimum above the
    /// maximum matches nothing.
    pub min_amount_cents: Option<i64>,
    pub max_amount_cents: Option<i64>,
    /// Comma-separated fields, `-` for descending: `-created_at,name`.
    pub sort: Option<String>,
    /// 1-based page number, at most [`List{{Aggregates}}Retriever::MAX_PAGE`] (default 1).
    pub page: Option<u64>,
    /// Items per page, 1 to [`List{{Aggregates}}Retriever::MAX_PAGE_SIZE`] (default 20).
    pub page_size: Option<u64>,
}

impl List{{Aggregates}}Query {
    /// The fields a list may be sorted by, as clients name them.
    pub const SORT_KEYS: [(&str, SortKey); 5] = [
        ("name", SortKey::Name),
        ("status", SortKey::Status),
        ("amount_cents", SortKey::AmountCents),
        ("created_at", SortKey::CreatedAt),
        ("updated_at", SortKey::UpdatedAt),
    ];

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
    pub const DEFAULT_PAGE_SIZE: u64 = paging::DEFAULT_PAGE_SIZE;
    pub const MAX_PAGE_SIZE: u64 = paging::MAX_PAGE_SIZE;
    /// Deep pages cost the database a long scan, so the offset is bounded.
    pub const MAX_PAGE: u64 = paging::MAX_PAGE;
    /// The longest `name_contains` accepted: a name is never longer.
    pub const MAX_FILTER_CHARS: usize = Name::MAX_CHARS;

    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    #[tracing::instrument(name = "List{{Aggregates}}Retriever", skip(self))]
    pub async fn retrieve(&self, query: &Query) -> Result<Page<{{Aggregate}}>> {
        let spec = specification(query)?;
        let repository = self.store.{{aggregates}}();
        let items = repository.find(&spec).await?;
        let total = repository.count(&spec).await?;
        Ok(Page { items, total })
    }
}

type Query = List{{Aggregates}}Query;
type SortKey = {{Aggregate}}SortKey;
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
        match check_filter_text(text) {
            Ok(()) => spec = spec.and(Spec::name_contains(text)),
            Err(message) => errors.push(FieldError::new("name_contains", message)),
        }
    }
    let mut amount = |field, cents: Option<i64>, default| {
        let checked = Amount::from_cents(cents.unwrap_or(default));
        let message = checked.as_ref().err().map(ToString::to_string);
        errors.extend(message.map(|message| FieldError::new(field, message)));
        checked.ok()
    };
    let (min, max) = (query.min_amount_cents, query.max_amount_cents);
    let min = amount("min_amount_cents", min, 0);
    let max = amount("max_amount_cents", max, Amount::MAX_CENTS);
    let bounded = query.min_amount_cents.is_some() || query.max_amount_cents.is_some();
    if let (true, Some(min), Some(max)) = (bounded, min, max) {
        spec = spec.and(Spec::amount_between(min, max));
    }
    if let Some(sort) = &query.sort {
        match parse_sort(sort) {
            Ok(keys) => spec.sort = keys,
            Err(err) => errors.push(err),
        }
    }
    let paging = paging::skip_and_take(query.page(), query.page_size(), &mut errors);
    match paging {
        Some((skip, take)) if errors.is_empty() => Ok(spec.skip(skip).take(take)),
        _ => Err(DomainError::Validation(errors)),
    }
}

/// The same rules as a name's text, so a filter can never carry what no
/// stored name could (and what a backend would refuse, such as NUL).
fn check_filter_text(text: &str) -> Result<(), String> {
    let max = List{{Aggregates}}Retriever::MAX_FILTER_CHARS;
    if text.contains('\0') {
        return Err("must not contain the NUL character".to_owned());
    }
    if text.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(())
}

/// `-amount_cents,name`: exact field names, no spaces, `-` for descending.
fn parse_sort(sort: &str) -> Result<Vec<(SortKey, SortDirection)>, FieldError> {
    sort.split(',')
        .map(|key| {
            let (name, direction) = match key.strip_prefix('-') {
                Some(name) => (name, SortDirection::Descending),
                None => (key, SortDirection::Ascending),
            };
            let found = Query::SORT_KEYS.iter().find(|(known, _)| *known == name);
            let Some((_, field)) = found else {
                let allowed: Vec<_> = Query::SORT_KEYS.iter().map(|(known, _)| *known).collect();
                let allowed = allowed.join(", ");
                let message = format!("cannot sort by {name:?}; use one of: {allowed}");
                return Err(FieldError::new("sort", message));
            };
            Ok((*field, direction))
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
        let keys = parse_sort("-amount_cents,name").unwrap();
        let expected = [
            (SortKey::AmountCents, SortDirection::Descending),
            (SortKey::Name, SortDirection::Ascending),
        ];
        assert_eq!(keys, expected);
    }

    #[test]
    fn every_bad_parameter_is_reported() {
        let query = List{{Aggregates}}Query {
            status: Some("shipped".into()),
            name_contains: Some("nul\0".into()),
            min_amount_cents: Some(-1),
            max_amount_cents: Some(Amount::MAX_CENTS + 1),
            sort: Some("password".into()),
            page: Some(0),
            page_size: Some(1000),
        };
        let Err(DomainError::Validation(fields)) = specification(&query) else {
            panic!("expected validation errors");
        };
        let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        let expected = [
            "status",
            "name_contains",
            "min_amount_cents",
            "max_amount_cents",
            "sort",
            "page",
            "page_size",
        ];
        assert_eq!(names, expected);
    }

    #[test]
    fn the_largest_page_is_accepted_and_one_more_is_not() {
        let last = List{{Aggregates}}Query {
            page: Some(List{{Aggregates}}Retriever::MAX_PAGE),
            page_size: Some(List{{Aggregates}}Retriever::MAX_PAGE_SIZE),
            ..Default::default()
        };
        assert!(specification(&last).is_ok());
        let beyond = List{{Aggregates}}Query {
            page: Some(u64::MAX),
            ..last
        };
        assert!(specification(&beyond).is_err());
    }

    #[test]
    fn sort_keys_are_exact() {
        assert!(parse_sort(" name").is_err());
        assert!(parse_sort("name,").is_err());
        assert!(parse_sort("--name").is_err());
    }
}
