//! Persistence model: how aggregates are stored and found.
//!
//! The traits ([`{{Aggregate}}Repository`], [`UnitOfWork`], [`Store`]) are all the domain
//! model sees. Two implementations stand behind them and are held to one contract
//! test suite (`tests/contract.rs`):
{%- if backend == "sql" %}
//! - [`sql`]: SeaORM on {{database}};
{%- else %}
//! - [`mongo`]: the official MongoDB driver;
{%- endif %}
//! - [`in_memory`]: for unit tests of domain logic.
//!
//! Queries are [`Specification`]s: typed, backend-neutral values that each
//! implementation translates itself, so user input never becomes query text.

mod error;
mod repository;
mod specification;
mod store;

pub mod in_memory;
pub mod {{backend}};
#[cfg(feature = "test-support")]
pub mod test_support;

pub use error::PersistenceError;
pub use repository::Page;
pub use specification::{Filter, SortDirection, Specification, Value};
pub use store::{Store, UnitOfWork};

pub use repository::{{Aggregate}}Repository;
pub use specification::{{Aggregate}}Field;
pub use specification::{{Aggregate}}Specification;

/// Result of every persistence operation.
pub type Result<T, E = PersistenceError> = std::result::Result<T, E>;
