//! Domain model: the use cases of the service.
//!
//! Processors change state (create, update, delete) through a unit of work;
//! retrievers read. Both speak only to the persistence model's traits, so they
//! run unchanged on {{database}} or on the in-memory store in unit tests.

mod error;
mod input;

pub mod processors;
pub mod retrievers;

pub use error::{DomainError, FieldError};
pub use input::{{Aggregate}}Input;
pub use retrievers::List{{Aggregates}}Query;

/// Result of every use case.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;
