//! What can be asked of {{aggregates}}: their conditions, sort keys and
//! named specifications.

use {{crate_name}}_entity_model::{Amount, Name};

use super::Specification;

use {{crate_name}}_entity_model::{{Aggregate}}Status;

/// A condition on {{an_aggregate}}.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum {{Aggregate}}Condition {
    Status({{Aggregate}}Status),
    /// Exactly this name (names are unique).
    Name(Name),
    /// The name contains this text, ignoring case (ASCII case folding on
    /// SQLite); `%`, `_` and pattern characters match themselves.
    NameContains(String),
    /// `min <= amount <= max`; nothing matches when `min > max`.
    AmountBetween {
        min: Amount,
        max: Amount,
    },
}

/// What {{aggregates}} can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum {{Aggregate}}SortKey {
    Name,
    Status,
    AmountCents,
    CreatedAt,
    UpdatedAt,
}

type Condition = {{Aggregate}}Condition;
type SortKey = {{Aggregate}}SortKey;

/// A specification over {{aggregates}}.
pub type {{Aggregate}}Specification = Specification<Condition, SortKey>;

/// Named specifications: compose them with `and`, `or` and `!`.
impl Specification<Condition, SortKey> {
    pub fn by_status(status: {{Aggregate}}Status) -> Self {
        Self::matching(Condition::Status(status))
    }

    pub fn named(name: &Name) -> Self {
        Self::matching(Condition::Name(name.clone()))
    }

    pub fn name_contains(text: &str) -> Self {
        Self::matching(Condition::NameContains(text.to_owned()))
    }

    pub fn amount_between(min: Amount, max: Amount) -> Self {
        Self::matching(Condition::AmountBetween { min, max })
    }
}
