//! Evaluates a specification over in-memory states, with the same semantics
//! as the database translations (the contract suite checks it).

use std::cmp::Ordering;

use crate::{Filter, SortDirection};

use crate::{{Aggregate}}Condition;
use crate::{{Aggregate}}SortKey;
use crate::{{Aggregate}}Specification;
use {{crate_name}}_entity_model::{{Aggregate}}State;

type Condition = {{Aggregate}}Condition;
type SortKey = {{Aggregate}}SortKey;
type State = {{Aggregate}}State;
type Spec = {{Aggregate}}Specification;

/// The matching states, sorted and sliced.
pub(super) fn select<'a>(states: impl Iterator<Item = &'a State>, spec: &Spec) -> Vec<State> {
    let mut found: Vec<&State> = states.filter(|s| matches(s, spec)).collect();
    found.sort_by(|a, b| compare(a, b, spec));
    let skip = usize::try_from(spec.skip).unwrap_or(usize::MAX);
    let take = spec.take.map_or(usize::MAX, |take| {
        usize::try_from(take).unwrap_or(usize::MAX)
    });
    found.into_iter().skip(skip).take(take).cloned().collect()
}

pub(super) fn count<'a>(states: impl Iterator<Item = &'a State>, spec: &Spec) -> u64 {
    let matching = states.filter(|s| matches(s, spec)).count();
    u64::try_from(matching).unwrap_or(u64::MAX)
}

fn matches(state: &State, spec: &Spec) -> bool {
    let Some(filter) = &spec.filter else {
        return true;
    };
    filter_holds(state, filter)
}

fn filter_holds(state: &State, filter: &Filter<Condition>) -> bool {
    filter.fold(
        &|condition| holds(state, condition),
        &|all: Vec<bool>| all.into_iter().all(|held| held),
        &|any: Vec<bool>| any.into_iter().any(|held| held),
        &|held: bool| !held,
    )
}

fn holds(state: &State, condition: &Condition) -> bool {
    match condition {
        Condition::Status(status) => state.status == *status,
        Condition::Name(name) => state.name == *name,
        Condition::NameContains(text) => {
            let name = state.name.as_str().to_lowercase();
            name.contains(&text.to_lowercase())
        }
        Condition::AmountBetween { min, max } => (*min..=*max).contains(&state.amount),
    }
}

fn compare(a: &State, b: &State, spec: &Spec) -> Ordering {
    let by_keys = spec.sort.iter().map(|(key, direction)| {
        let ordering = compare_by(a, b, *key);
        match direction {
            SortDirection::Ascending => ordering,
            SortDirection::Descending => ordering.reverse(),
        }
    });
    let tie_break = a.id.cmp(&b.id);
    by_keys
        .chain(std::iter::once(tie_break))
        .find(|o| o.is_ne())
        .unwrap_or(Ordering::Equal)
}

fn compare_by(a: &State, b: &State, key: SortKey) -> Ordering {
    match key {
        SortKey::Name => a.name.as_str().cmp(b.name.as_str()),
        SortKey::Status => a.status.as_str().cmp(b.status.as_str()),
        SortKey::AmountCents => a.amount.cmp(&b.amount),
        SortKey::CreatedAt => a.created_at.cmp(&b.created_at),
        SortKey::UpdatedAt => a.updated_at.cmp(&b.updated_at),
    }
}
