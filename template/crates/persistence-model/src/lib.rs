//! Persistence model: how aggregates are stored and found, as contracts.
//!
//! The traits ([`{{Aggregate}}Repository`], [`UnitOfWork`], [`Store`]) are all the domain
//! model sees, and no database driver is named here: the implementation the
//! service runs on is `{{project-name}}-persistence-{{backend}}`. Behind the `in-memory` feature,
//! `in_memory` implements them for unit tests of domain logic. Every
//! implementation is held to the same contract suite (`contract`, behind the
//! `contract` feature).
//!
//! Queries are [`Specification`]s: typed values that each implementation
//! translates itself, so user input never becomes query text.

mod error;
mod events;
{%- if message_bus == "rabbitmq" %}
mod inbox;
mod outbox;
{%- endif %}
mod repository;
mod specification;
mod store;

// Repositories, one per aggregate.
mod {{aggregate}}_repository;

#[cfg(feature = "contract")]
pub mod contract;
#[cfg(feature = "in-memory")]
pub mod in_memory;
{%- if database != "sqlite" or message_bus == "rabbitmq" %}
#[cfg(feature = "test-support")]
pub mod test_support;
{%- endif %}

pub use error::PersistenceError;
pub use events::PendingEvents;
{%- if message_bus == "rabbitmq" %}
pub use inbox::{MAX_CONSUMER_CHARS, check_consumer};
pub use outbox::{Backlog, Outbox, OutboxMessage, OutboxSignal};
{%- endif %}
pub use repository::Page;
pub use specification::{Filter, SortDirection, Specification};
pub use store::{Store, UnitOfWork};
{%- if message_bus == "rabbitmq" %}

pub use inbox::{{Aggregate}}ActivityRepository;
{%- endif %}

// Repositories, one per aggregate.
pub use {{aggregate}}_repository::{{Aggregate}}Repository;

// Specifications, one per aggregate.
pub use specification::{{Aggregate}}Condition;
pub use specification::{{Aggregate}}SortKey;
pub use specification::{{Aggregate}}Specification;

/// Result of every persistence operation.
pub type Result<T, E = PersistenceError> = std::result::Result<T, E>;
