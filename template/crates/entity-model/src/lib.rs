//! Entity model: the domain's own types.
//!
//! This crate knows nothing about storage, HTTP or messaging: no ORM types, no
//! `Serialize`. Each aggregate enforces its invariants here, so every
//! caller (processors, tests, future consumers) gets the same rules.

mod aggregate_root;
mod events;
mod record;
mod values;
{%- if message_bus == "rabbitmq" %}

mod activity;
{%- endif %}

// Modules, one per aggregate: the aggregate, its record, its events.
mod {{aggregate}};
mod {{aggregate}}_event;
mod {{aggregate}}_record;

pub use aggregate_root::{AggregateRoot, RuleViolation, Version, next_version};
pub use events::{AggregateEvent, DomainEvent};
pub use record::InvalidRecord;
pub use values::{Amount, Description, Name, UnknownStatus, ValueError};


{%- if message_bus == "rabbitmq" %}

pub use activity::{{Aggregate}}Activity;
{%- endif %}

// Types, one per aggregate.
pub use {{aggregate}}::{{Aggregate}};
pub use {{aggregate}}::{{Aggregate}}Changes;
pub use {{aggregate}}::{{Aggregate}}Id;
pub use {{aggregate}}::{{Aggregate}}State;
pub use {{aggregate}}::{{Aggregate}}Status;
pub use {{aggregate}}_event::{{Aggregate}}Event;
pub use {{aggregate}}_event::{{Aggregate}}EventKind;
pub use {{aggregate}}_record::{{Aggregate}}Record;
