//! Stored data checked on its way back in.

use uuid::Uuid;

/// A stored record that breaks the entity model's rules: edited by hand, or
/// written by a build with other rules. Reading it fails instead of producing
/// an aggregate that could not have been created.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored record {id} has an invalid {field}: {reason}")]
pub struct InvalidRecord {
    pub id: Uuid,
    pub field: &'static str,
    pub reason: String,
}

impl InvalidRecord {
    pub(crate) fn new(id: Uuid, field: &'static str, reason: impl ToString) -> Self {
        Self {
            id,
            field,
            reason: reason.to_string(),
        }
    }
}

/// Reports a refused stored value as a field of the record `id`.
pub(crate) fn invalid<E: ToString>(
    id: Uuid,
    field: &'static str,
) -> impl FnOnce(E) -> InvalidRecord {
    move |reason| InvalidRecord::new(id, field, reason)
}
