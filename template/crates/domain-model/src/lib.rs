//! Domain model: the use cases of the service.
//!
//! Processors change state (create, update, delete) through a unit of work;
//! retrievers read. Both speak only to the persistence model's traits, so they
//! run unchanged on {{database}} or on the in-memory store in unit tests.
{%- if message_bus == "rabbitmq" %}
//! Subscribers handle the events the message broker delivers, with one
//! effect per event however often it arrives (the inbox).
{%- endif %}

mod error;
mod paging;

// Modules, one per aggregate.
mod {{aggregate}}_input;

pub mod processors;
pub mod retrievers;
{%- if message_bus == "rabbitmq" %}
pub mod subscribers;
{%- endif %}

pub use error::{DomainError, FieldError};

// Inputs, one per aggregate.
pub use {{aggregate}}_input::{{Aggregate}}Input;

// List queries, one per aggregate.
pub use retrievers::List{{Aggregates}}Query;

/// Result of every use case.
pub type Result<T, E = DomainError> = std::result::Result<T, E>;
