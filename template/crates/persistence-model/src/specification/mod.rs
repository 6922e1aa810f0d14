//! Specifications: typed, backend-neutral query values.
//!
//! A [`Specification`] says which aggregates to find (a [`Filter`] over the
//! aggregate's own conditions), in what order, and which slice. Conditions
//! carry typed values (a status, an amount), so a query that compares a field
//! with the wrong kind of value does not compile. Each backend translates a
//! specification on its own, and values always travel as bound parameters or
//! typed values, never as query text.

use std::ops::Not;

/// A condition tree over an aggregate's conditions `C`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Filter<C> {
    Is(C),
    /// All must hold; an empty list matches everything.
    All(Vec<Filter<C>>),
    /// One must hold; an empty list matches nothing.
    Any(Vec<Filter<C>>),
    Not(Box<Filter<C>>),
}

impl<C> Filter<C> {
    /// Folds the tree bottom-up: how every backend translates it, writing only
    /// the leaves and the three combinators.
    pub fn fold<T>(
        &self,
        leaf: &impl Fn(&C) -> T,
        all: &impl Fn(Vec<T>) -> T,
        any: &impl Fn(Vec<T>) -> T,
        not: &impl Fn(T) -> T,
    ) -> T {
        let each = |filters: &[Self]| -> Vec<T> {
            let folded = filters.iter().map(|f| f.fold(leaf, all, any, not));
            folded.collect()
        };
        match self {
            Self::Is(condition) => leaf(condition),
            Self::All(filters) => all(each(filters)),
            Self::Any(filters) => any(each(filters)),
            Self::Not(filter) => not(filter.fold(leaf, all, any, not)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortDirection {
    Ascending,
    Descending,
}

/// What to find (conditions `C`), in what order (sort keys `K`), and which
/// slice.
///
/// Results are always ordered by the `sort` keys and then by id, so pages are
/// stable even when sort keys tie.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Specification<C, K> {
    pub filter: Option<Filter<C>>,
    pub sort: Vec<(K, SortDirection)>,
    pub skip: u64,
    pub take: Option<u64>,
}

impl<C, K> Default for Specification<C, K> {
    fn default() -> Self {
        Self::all()
    }
}

impl<C, K> Specification<C, K> {
    /// Everything, in id order.
    pub fn all() -> Self {
        Self {
            filter: None,
            sort: Vec::new(),
            skip: 0,
            take: None,
        }
    }

    /// What meets `condition`.
    pub fn matching(condition: C) -> Self {
        Self {
            filter: Some(Filter::Is(condition)),
            ..Self::all()
        }
    }

    /// Both must hold; sort and paging are taken from `self`.
    pub fn and(self, other: Self) -> Self {
        let filter = match (self.filter, other.filter) {
            (Some(a), Some(b)) => Some(Filter::All(vec![a, b])),
            (a, b) => a.or(b),
        };
        Self { filter, ..self }
    }

    /// Either must hold; sort and paging are taken from `self`.
    pub fn or(self, other: Self) -> Self {
        let filter = match (self.filter, other.filter) {
            (Some(a), Some(b)) => Some(Filter::Any(vec![a, b])),
            // One side matches everything, so the union does too.
            _ => None,
        };
        Self { filter, ..self }
    }

    pub fn sorted_by(mut self, key: K, direction: SortDirection) -> Self {
        self.sort.push((key, direction));
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

impl<C, K> Not for Specification<C, K> {
    type Output = Self;

    /// Matches what `self` does not; `!all()` matches nothing.
    fn not(self) -> Self {
        let filter = match self.filter {
            Some(filter) => Filter::Not(Box::new(filter)),
            None => Filter::Any(Vec::new()),
        };
        Self {
            filter: Some(filter),
            ..self
        }
    }
}

// Specifications, one per aggregate.
mod {{aggregate}};

// Specifications, one per aggregate.
pub use {{aggregate}}::{{Aggregate}}Condition;
pub use {{aggregate}}::{{Aggregate}}SortKey;
pub use {{aggregate}}::{{Aggregate}}Specification;
