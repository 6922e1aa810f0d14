//! Processors: the commands that change {{aggregates}}.
//!
//! Each one validates its input, loads what it needs inside one unit of work,
//! lets the aggregate enforce its rules, saves, hands the aggregate's events to
//! the unit of work, and commits. The unit of work makes the events known only
//! if its commit succeeds, so an event never describes a change that was
//! rolled back.

mod create_{{aggregate}};
mod delete_{{aggregate}};
mod update_{{aggregate}};

#[cfg(test)]
mod tests;

use {{crate_name}}_entity_model::{AggregateRoot, Version};
use {{crate_name}}_persistence_model::PersistenceError;

use crate::DomainError;

pub use create_{{aggregate}}::Create{{Aggregate}}Processor;
pub use delete_{{aggregate}}::Delete{{Aggregate}}Processor;
pub use update_{{aggregate}}::Update{{Aggregate}}Processor;

/// `If-Match` semantics: no expectation, or exactly the stored version.
fn check_expected_version<A: AggregateRoot>(
    aggregate: &A,
    expected: Option<Version>,
) -> Result<(), DomainError> {
    match expected {
        Some(expected) if expected != aggregate.version() => Err(DomainError::PreconditionFailed {
            expected,
            actual: aggregate.version(),
        }),
        _ => Ok(()),
    }
}

fn not_found(id: impl std::fmt::Display) -> DomainError {
    DomainError::NotFound { id: id.to_string() }
}

/// Maps a failed save: the aggregate may have been deleted since it was read,
/// which is the client's 404, not a server error.
fn save_failed(id: impl std::fmt::Display) -> impl FnOnce(PersistenceError) -> DomainError {
    move |err| match err {
        PersistenceError::NotFound => not_found(id),
        other => other.into(),
    }
}
