//! Evaluates a specification over in-memory states, with the same semantics
//! as the database translations (the contract suite checks it).

use std::cmp::Ordering;

use crate::{Filter, SortDirection, Specification};

/// A stored state that specifications can select: each aggregate's
/// in-memory repository says what its conditions and sort keys mean.
pub(super) trait Queryable: Clone {
    type Condition;
    type SortKey: Copy;

    fn holds(&self, condition: &Self::Condition) -> bool;

    fn compare_by(&self, other: &Self, key: Self::SortKey) -> Ordering;

    /// The last sort key, so that ties have a fixed order: the id.
    fn compare_ids(&self, other: &Self) -> Ordering;
}

type Spec<S> = Specification<<S as Queryable>::Condition, <S as Queryable>::SortKey>;

/// The matching states, sorted and sliced.
pub(super) fn select<'a, S: Queryable + 'a>(
    states: impl Iterator<Item = &'a S>,
    spec: &Spec<S>,
) -> Vec<S> {
    let mut found: Vec<&S> = states.filter(|s| matches(*s, spec)).collect();
    found.sort_by(|a, b| compare(*a, *b, spec));
    let skip = usize::try_from(spec.skip).unwrap_or(usize::MAX);
    let take = spec.take.map_or(usize::MAX, |take| {
        usize::try_from(take).unwrap_or(usize::MAX)
    });
    found.into_iter().skip(skip).take(take).cloned().collect()
}

pub(super) fn count<'a, S: Queryable + 'a>(
    states: impl Iterator<Item = &'a S>,
    spec: &Spec<S>,
) -> u64 {
    let matching = states.filter(|s| matches(*s, spec)).count();
    u64::try_from(matching).unwrap_or(u64::MAX)
}

fn matches<S: Queryable>(state: &S, spec: &Spec<S>) -> bool {
    let Some(filter) = &spec.filter else {
        return true;
    };
    filter_holds(state, filter)
}

fn filter_holds<S: Queryable>(state: &S, filter: &Filter<S::Condition>) -> bool {
    filter.fold(
        &|condition| state.holds(condition),
        &|all: Vec<bool>| all.into_iter().all(|held| held),
        &|any: Vec<bool>| any.into_iter().any(|held| held),
        &|held: bool| !held,
    )
}

fn compare<S: Queryable>(a: &S, b: &S, spec: &Spec<S>) -> Ordering {
    let by_keys = spec.sort.iter().map(|(key, direction)| {
        let ordering = a.compare_by(b, *key);
        match direction {
            SortDirection::Ascending => ordering,
            SortDirection::Descending => ordering.reverse(),
        }
    });
    let tie_break = a.compare_ids(b);
    by_keys
        .chain(std::iter::once(tie_break))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}
