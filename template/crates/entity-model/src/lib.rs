//! Entity model: the domain's own types.
//!
//! This crate knows nothing about storage, HTTP or messaging: no ORM types, no
//! `Serialize`. Invariants of the {{aggregate_title}} aggregate are enforced here, so every
//! caller (processors, tests, future consumers) gets the same rules.

mod aggregate_root;
mod events;
mod values;

mod {{aggregate}};

pub use aggregate_root::{AggregateRoot, Version};
pub use values::{Amount, Description, Name, ValueError};

pub use events::{{Aggregate}}Event;

pub use {{aggregate}}::{{Aggregate}};
pub use {{aggregate}}::{{Aggregate}}Changes;
pub use {{aggregate}}::{{Aggregate}}Id;
pub use {{aggregate}}::{{Aggregate}}State;
pub use {{aggregate}}::{{Aggregate}}Status;
pub use {{aggregate}}::{RuleViolation, UnknownStatus};
