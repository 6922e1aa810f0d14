//! Evaluates a specification over in-memory states, with the same semantics
//! as the SQL translation (checked by the contract tests).

use std::cmp::Ordering;

use crate::{Filter, SortDirection, Value};

use crate::{{Aggregate}}Field;
use crate::{{Aggregate}}Specification;
use {{crate_name}}_entity_model::{{Aggregate}}State;

type Field = {{Aggregate}}Field;
type State = {{Aggregate}}State;
type Spec = {{Aggregate}}Specification;

/// The matching states, sorted and sliced.
pub(super) fn select<'a>(
    states: impl Iterator<Item = &'a State>,
    spec: &{{Aggregate}}Specification,
) -> Vec<State> {
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

fn matches(state: &State, spec: &{{Aggregate}}Specification) -> bool {
    spec.filter.as_ref().is_none_or(|f| eval(state, f))
}

fn eval(state: &State, filter: &Filter<Field>) -> bool {
    let cmp = |field: &Field, value: &Value| compare_values(&field_value(state, *field), value);
    match filter {
        Filter::Eq(f, v) => cmp(f, v) == Some(Ordering::Equal),
        Filter::Ne(f, v) => cmp(f, v).is_some_and(Ordering::is_ne),
        Filter::Lt(f, v) => cmp(f, v) == Some(Ordering::Less),
        Filter::Le(f, v) => cmp(f, v).is_some_and(Ordering::is_le),
        Filter::Gt(f, v) => cmp(f, v) == Some(Ordering::Greater),
        Filter::Ge(f, v) => cmp(f, v).is_some_and(Ordering::is_ge),
        Filter::Contains(f, text) => match field_value(state, *f) {
            Value::Text(s) => s.to_lowercase().contains(&text.to_lowercase()),
            _ => false,
        },
        Filter::In(f, values) => values.iter().any(|v| cmp(f, v) == Some(Ordering::Equal)),
        Filter::And(filters) => filters.iter().all(|f| eval(state, f)),
        Filter::Or(filters) => filters.iter().any(|f| eval(state, f)),
        Filter::Not(filter) => !eval(state, filter),
    }
}

fn field_value(state: &State, field: Field) -> Value {
    match field {
        Field::Id => Value::Uuid(state.id.as_uuid()),
        Field::Name => Value::from(state.name.as_str()),
        Field::Status => Value::from(state.status.as_str()),
        Field::AmountCents => Value::Integer(state.amount.cents()),
        Field::CreatedAt => Value::Timestamp(state.created_at),
        Field::UpdatedAt => Value::Timestamp(state.updated_at),
    }
}

/// Values of different kinds do not compare (SQL would reject the query).
fn compare_values(a: &Value, b: &Value) -> Option<Ordering> {
    match (a, b) {
        (Value::Text(a), Value::Text(b)) => Some(a.cmp(b)),
        (Value::Integer(a), Value::Integer(b)) => Some(a.cmp(b)),
        (Value::Uuid(a), Value::Uuid(b)) => Some(a.cmp(b)),
        (Value::Timestamp(a), Value::Timestamp(b)) => Some(a.cmp(b)),
        _ => None,
    }
}

fn compare(a: &State, b: &State, spec: &{{Aggregate}}Specification) -> Ordering {
    let by_keys = spec.sort.iter().map(|(field, direction)| {
        let ordering = compare_values(&field_value(a, *field), &field_value(b, *field));
        let ordering = ordering.unwrap_or(Ordering::Equal);
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
