//! Specifications: typed, backend-neutral query objects.
//!
//! A [`Specification`] says which aggregates to find (a [`Filter`] tree over named
//! fields), in what order, and which slice. Each backend translates it on its own
//! (`sql::query`, `in_memory::query`), and values always travel as bound
//! parameters, never as query text.

use std::ops::Not;

use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A value to compare a field with.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Text(String),
    Integer(i64),
    Uuid(Uuid),
    Timestamp(DateTime<Utc>),
}

impl From<&str> for Value {
    fn from(value: &str) -> Self {
        Self::Text(value.to_owned())
    }
}

impl From<i64> for Value {
    fn from(value: i64) -> Self {
        Self::Integer(value)
    }
}

impl From<Uuid> for Value {
    fn from(value: Uuid) -> Self {
        Self::Uuid(value)
    }
}

impl From<DateTime<Utc>> for Value {
    fn from(value: DateTime<Utc>) -> Self {
        Self::Timestamp(value)
    }
}

/// A condition on fields of type `F`.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter<F> {
    Eq(F, Value),
    Ne(F, Value),
    Lt(F, Value),
    Le(F, Value),
    Gt(F, Value),
    Ge(F, Value),
    /// Case-insensitive substring match on a text field (ASCII case folding
    /// on SQLite). `%` and `_` are matched literally.
    Contains(F, String),
    /// Equal to one of the values; an empty list matches nothing.
    In(F, Vec<Value>),
    /// All must hold; an empty list matches everything.
    And(Vec<Filter<F>>),
    /// One must hold; an empty list matches nothing.
    Or(Vec<Filter<F>>),
    Not(Box<Filter<F>>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

/// What to find, in what order, and which slice of it.
///
/// Results are always ordered by the `sort` keys and then by id, so pages are
/// stable even when sort keys tie.
#[derive(Debug, Clone, PartialEq)]
pub struct Specification<F> {
    pub filter: Option<Filter<F>>,
    pub sort: Vec<(F, SortDirection)>,
    pub skip: u64,
    pub take: Option<u64>,
}

impl<F> Default for Specification<F> {
    fn default() -> Self {
        Self::all()
    }
}

impl<F> Specification<F> {
    /// Everything, in id order.
    pub fn all() -> Self {
        Self {
            filter: None,
            sort: Vec::new(),
            skip: 0,
            take: None,
        }
    }

    pub fn matching(filter: Filter<F>) -> Self {
        Self {
            filter: Some(filter),
            ..Self::all()
        }
    }

    /// Both filters must hold; sort and paging are taken from `self`.
    pub fn and(self, other: Self) -> Self {
        let filter = match (self.filter, other.filter) {
            (Some(a), Some(b)) => Some(Filter::And(vec![a, b])),
            (a, b) => a.or(b),
        };
        Self { filter, ..self }
    }

    /// Either filter must hold; sort and paging are taken from `self`.
    pub fn or(self, other: Self) -> Self {
        let filter = match (self.filter, other.filter) {
            (Some(a), Some(b)) => Some(Filter::Or(vec![a, b])),
            // One side matches everything, so the union does too.
            _ => None,
        };
        Self { filter, ..self }
    }

    pub fn sorted_by(mut self, field: F, direction: SortDirection) -> Self {
        self.sort.push((field, direction));
        self
    }

    pub fn skip(mut self, skip: u64) -> Self {
        self.skip = skip;
        self
    }

    pub fn take(mut self, take: u64) -> Self {
        self.take = Some(take);
        self
    }
}

impl<F> Not for Specification<F> {
    type Output = Self;

    /// Matches what `self` does not; `!all()` matches nothing.
    fn not(self) -> Self {
        let filter = match self.filter {
            Some(filter) => Filter::Not(Box::new(filter)),
            None => Filter::Or(Vec::new()),
        };
        Self {
            filter: Some(filter),
            ..self
        }
    }
}

mod {{aggregate}};

pub use {{aggregate}}::{{Aggregate}}Field;
pub use {{aggregate}}::{{Aggregate}}Specification;
