//! Subscribers: the use cases that react to events, here or from other
//! services.
//!
//! Delivery is at least once, so each one records the message id in the
//! inbox in the same unit of work as its effect: a message seen before is
//! acknowledged without a second effect.

mod record_{{aggregate}}_activity;

pub use record_{{aggregate}}_activity::Outcome;
pub use record_{{aggregate}}_activity::Record{{Aggregate}}ActivityProcessor;
