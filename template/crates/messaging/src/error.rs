//! Typed errors. None of them carries the broker URL or its password: the
//! texts that come from lapin pass through [`crate::settings::Redactor`].

use std::time::Duration;

/// Settings that cannot work whatever the broker does; returned by
/// [`crate::Publisher::start`]. A broker that is down is *not* one of them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The URL does not parse as `amqp://` or `amqps://`.
    #[error("the broker URL is invalid: {reason}")]
    InvalidUrl {
        /// Why, with any password masked.
        reason: String,
    },
    /// The exchange name is empty, too long, reserved or has characters AMQP refuses.
    #[error("exchange name {name:?} is invalid: {reason}")]
    InvalidExchange {
        /// The name given.
        name: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// A timeout or backoff bound is out of range.
    #[error("broker setting `{field}` is invalid: {reason}")]
    InvalidSetting {
        /// The field of [`crate::BrokerSettings`].
        field: &'static str,
        /// Why it is refused.
        reason: &'static str,
    },
    /// `start` spawns the connection task, so it needs a Tokio runtime.
    #[error("Publisher::start must be called from within a Tokio runtime")]
    NoRuntime,
}

/// Why a message was not confirmed by the broker.
///
/// Every variant but [`PublishError::InvalidMessage`] is transient: the
/// message may be retried later with the same id (it may even have reached
/// the broker, e.g. on a lost connection after the broker stored it, so
/// consumers deduplicate on the message id).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PublishError {
    /// No connection right now (broker down, or reconnect backoff running).
    #[error("not connected to the message broker: {last_error}")]
    NotConnected {
        /// The last connection error, for logs.
        last_error: String,
    },
    /// The connection or channel failed during the publish; a reconnect has started.
    #[error("the connection to the message broker was lost while publishing: {reason}")]
    ConnectionLost {
        /// What lapin reported.
        reason: String,
    },
    /// No ack or nack within `confirm_timeout` (broker overloaded or blocked,
    /// or a dead link that heartbeats have not detected yet).
    #[error("the message broker did not confirm the message within {timeout:?}")]
    ConfirmTimeout {
        /// The configured `confirm_timeout`.
        timeout: Duration,
    },
    /// The broker answered with a nack: it could not take responsibility for the message.
    #[error("the message broker rejected the message (nack)")]
    Nacked,
    /// A field does not fit AMQP (e.g. longer than 255 bytes); retrying will not help.
    #[error("message field `{field}` is invalid: {reason}")]
    InvalidMessage {
        /// Field of [`crate::OutgoingMessage`].
        field: &'static str,
        /// Why.
        reason: String,
    },
}

impl PublishError {
    /// Whether publishing the same message again later may succeed.
    pub fn is_transient(&self) -> bool {
        !matches!(self, Self::InvalidMessage { .. })
    }
}
