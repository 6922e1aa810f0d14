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
//!
//! The other direction: a [`Consumer`] binds a durable queue to a topic
//! exchange and hands each event to a [`Handler`], retrying transient
//! failures through a retry queue with a delay and moving what can never be
//! handled to a dead-letter queue.

mod backoff;
mod cloud_event;
mod connection;
mod consumer;
mod error;
mod publisher;
mod relay;
mod settings;
mod supervisor;

#[cfg(feature = "test-support")]
pub mod test_support;

pub use cloud_event::CloudEvent;
pub use consumer::{CONSUMED, HANDLER_DURATION};
pub use consumer::{Consumer, ConsumerSettings, Handled, Handler, HandlerError};
pub use error::{ConfigError, PublishError};
pub use publisher::{BrokerStatus, CONTENT_TYPE, OutgoingMessage, Publisher};
pub use relay::{BACKLOG, COMMIT_TO_ACK, FAILED, OLDEST_PENDING_AGE, PUBLISHED};
pub use relay::{Relay, RelaySettings};
pub use settings::{BrokerSettings, DEFAULT_HEARTBEAT_SECS};
