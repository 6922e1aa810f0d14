//! Messaging: the domain events of committed changes, published to RabbitMQ.
//!
//! Units of work write events to the outbox with their change (see the
//! persistence model); the [`Relay`] of every instance publishes them as
//! [CloudEvents 1.0](https://github.com/cloudevents/spec) in structured JSON
//! mode ([`CloudEvent`]) on a durable topic exchange, through a [`Publisher`]
//! that keeps one connection with one confirm-mode channel and reconnects in
//! the background. A broker outage therefore delays events without failing a
//! request or the service's start; `/health/ready` shows it from
//! [`Publisher::status`].

mod backoff;
mod cloud_event;
mod connection;
mod error;
mod publisher;
mod relay;
mod settings;
mod supervisor;

#[cfg(feature = "test-support")]
pub mod test_support;

pub use cloud_event::CloudEvent;
pub use error::{ConfigError, PublishError};
pub use publisher::{BrokerStatus, CONTENT_TYPE, OutgoingMessage, Publisher};
pub use relay::{BACKLOG, COMMIT_TO_ACK, FAILED, OLDEST_PENDING_AGE, PUBLISHED};
pub use relay::{Relay, RelaySettings};
pub use settings::{BrokerSettings, DEFAULT_HEARTBEAT_SECS};
