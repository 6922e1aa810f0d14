//! Processors: the commands that change aggregates.
//!
//! Each one validates its input, loads what it needs inside one unit of work,
//! lets the aggregate enforce its rules, saves, hands the aggregate's events to
//! the unit of work, and commits. The unit of work makes the events known only
//! if its commit succeeds, so an event never describes a change that was
//! rolled back.

// Modules, one per aggregate.
mod create_{{aggregate}};
mod delete_{{aggregate}};
mod update_{{aggregate}};

// Tests, one per aggregate.
#[cfg(test)]
mod {{aggregate}}_tests;

use {{crate_name}}_entity_model::{AggregateRoot, Version};
use {{crate_name}}_persistence_model::PersistenceError;

use crate::DomainError;

// Processors, one per aggregate.
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

/// Maps a failed save: the aggregate may have been deleted since it was read,
/// which is the client's 404, not a server error.
fn save_failed<A: AggregateRoot>(id: A::Id) -> impl FnOnce(PersistenceError) -> DomainError {
    move |err| match err {
        PersistenceError::NotFound => DomainError::not_found::<A>(id),
        other => other.into(),
    }
}
