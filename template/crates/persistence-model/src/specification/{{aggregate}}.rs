//! The fields of {{an_aggregate}} that queries may use, and named specifications.

use {{crate_name}}_entity_model::{{Aggregate}}Status;

use super::{Filter, Specification, Value};

/// A field of the {{aggregate_title}} aggregate that can be filtered and sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum {{Aggregate}}Field {
    Id,
    Name,
    Status,
    AmountCents,
    CreatedAt,
    UpdatedAt,
}

/// A specification over {{aggregate_title}} fields.
pub type {{Aggregate}}Specification = Specification<{{Aggregate}}Field>;

type Field = {{Aggregate}}Field;

/// Named specifications: compose them with `and`, `or` and `!`.
impl Specification<{{Aggregate}}Field> {
    pub fn by_status(status: {{Aggregate}}Status) -> Self {
        let value = Value::from(status.as_str());
        Self::matching(Filter::Eq(Field::Status, value))
    }

    /// Exactly this name (names are unique).
    pub fn named(name: &str) -> Self {
        Self::matching(Filter::Eq(Field::Name, Value::from(name)))
    }

    /// The name contains `text`, ignoring case.
    pub fn name_contains(text: &str) -> Self {
        Self::matching(Filter::Contains(Field::Name, text.to_owned()))
    }

    /// `min_cents <= amount <= max_cents`.
    pub fn amount_between(min_cents: i64, max_cents: i64) -> Self {
        Self::matching(Filter::And(vec![
            Filter::Ge(Field::AmountCents, Value::from(min_cents)),
            Filter::Le(Field::AmountCents, Value::from(max_cents)),
        ]))
    }
}
