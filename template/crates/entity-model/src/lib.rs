//! Entity model: the domain's own types.
//!
//! This crate knows nothing about storage, HTTP or messaging: no ORM types, no
//! `Serialize`. Invariants of the {{aggregate_title}} aggregate are enforced here, so every
//! caller (processors, tests, future consumers) gets the same rules.

mod aggregate_root;
mod events;
mod record;
mod values;
{%- if message_bus == "rabbitmq" %}

mod activity;
{%- endif %}

mod {{aggregate}};
mod {{aggregate}}_record;

pub use aggregate_root::{AggregateRoot, Version, next_version};
pub use events::DomainEvent;
pub use record::InvalidRecord;
pub use values::{Amount, Description, Name, ValueError};

pub use events::{{Aggregate}}Event;
pub use events::{{Aggregate}}EventKind;

{%- if message_bus == "rabbitmq" %}

pub use activity::{{Aggregate}}Activity;
{%- endif %}

pub use {{aggregate}}::{{Aggregate}};
pub use {{aggregate}}::{{Aggregate}}Changes;
pub use {{aggregate}}::{{Aggregate}}Id;
pub use {{aggregate}}::{{Aggregate}}State;
pub use {{aggregate}}::{{Aggregate}}Status;
pub use {{aggregate}}::{RuleViolation, UnknownStatus};
pub use {{aggregate}}_record::{{Aggregate}}Record;
