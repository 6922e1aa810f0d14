//! The publishing handle.

use std::{fmt, sync::Arc, time::Duration};

use chrono::{DateTime, Utc};
use lapin::{
    BasicProperties, Channel, Confirmation, options::BasicPublishOptions, types::ShortString,
};
use tokio::sync::{mpsc, watch};
use tracing::debug;

use crate::{
    backoff::Backoff,
    error::{ConfigError, PublishError},
    settings::{BrokerSettings, Redactor},
    supervisor::{BrokenLink, LinkState, Supervisor},
};

/// AMQP `content_type` of every message: a CloudEvent in structured JSON mode.
pub const CONTENT_TYPE: &str = "application/cloudevents+json";

/// AMQP `delivery_mode` 2: the broker writes the message to disk in durable queues.
const PERSISTENT: u8 = 2;

/// One message to publish; borrowed, so an outbox row can be sent without copies.
#[derive(Debug, Clone, Copy)]
pub struct OutgoingMessage<'a> {
    /// Becomes the AMQP `message_id`; the CloudEvent id, stable across retries.
    pub id: &'a str,
    /// Topic routing key, e.g. `{{aggregate}}.created`.
    pub routing_key: &'a str,
    /// AMQP `type` property: the CloudEvent type.
    pub event_type: &'a str,
    /// AMQP `timestamp` (whole seconds).
    pub timestamp: DateTime<Utc>,
    /// The CloudEvent JSON.
    pub body: &'a [u8],
}

/// Connection state for readiness checks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrokerStatus {
    /// Connected, channel in confirm mode, exchange declared.
    Connected,
    /// Not connected; the publisher keeps trying.
    Disconnected {
        /// Since when (start, or when the last link broke).
        since: DateTime<Utc>,
        /// The most recent connect or link error (never contains the URL or password).
        last_error: String,
    },
}

impl BrokerStatus {
    /// Whether publishing can currently succeed.
    pub fn is_connected(&self) -> bool {
        matches!(self, Self::Connected)
    }
}

/// Publishes messages with publisher confirms. Cheap to clone: all clones
/// share one connection and one channel, kept up by a background task that
/// stops when the last clone is dropped.
#[derive(Clone)]
pub struct Publisher {
    inner: Arc<Inner>,
}

struct Inner {
    exchange: ShortString,
    confirm_timeout: Duration,
    connect_timeout: Duration,
    redactor: Redactor,
    state: watch::Receiver<LinkState>,
    broken: mpsc::Sender<BrokenLink>,
}

impl Publisher {
    /// Never fails because the broker is down: connects in the background,
    /// reconnecting with exponential backoff and jitter (`reconnect_min` ..
    /// `reconnect_max`), and declares the durable topic exchange after each
    /// connect, on one channel in confirm mode. Only settings that can never
    /// work (malformed URL, bad exchange name, zero timeouts) or a missing
    /// Tokio runtime are errors.
    ///
    /// Deliberately not lapin's `enable_auto_recover`: with it the first
    /// connect blocks while the broker is down, and it gives up silently after
    /// its retries.
    pub fn start(settings: BrokerSettings) -> Result<Publisher, ConfigError> {
        let uri = settings.validate()?;
        let exchange = ShortString::try_new(settings.exchange.as_str()).map_err(|_| {
            ConfigError::InvalidExchange {
                name: settings.exchange.clone(),
                reason: "must be at most 255 bytes",
            }
        })?;
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| ConfigError::NoRuntime)?;
        let redactor = settings.redactor();
        let (state_tx, state_rx) = watch::channel(LinkState::Connecting {
            since: Utc::now(),
            last_error: "not connected yet".to_owned(),
        });
        let (broken_tx, broken_rx) = mpsc::channel(16);
        let supervisor = Supervisor {
            uri,
            exchange: exchange.clone(),
            connect_timeout: settings.connect_timeout,
            backoff: Backoff::new(settings.reconnect_min, settings.reconnect_max),
            redactor: redactor.clone(),
            state: state_tx,
            broken: broken_rx,
        };
        runtime.spawn(supervisor.run());
        Ok(Publisher {
            inner: Arc::new(Inner {
                exchange,
                confirm_timeout: settings.confirm_timeout,
                connect_timeout: settings.connect_timeout,
                redactor,
                state: state_rx,
                broken: broken_tx,
            }),
        })
    }

    /// Publishes with content type [`CONTENT_TYPE`], persistent delivery,
    /// `message_id`, `type` and `timestamp`, and waits for the broker's
    /// confirm. `Ok` only on an ack.
    ///
    /// Takes at most `connect_timeout` (only while a connect attempt is in
    /// progress; otherwise a disconnected publisher fails at once) plus
    /// `confirm_timeout`. Concurrent calls share the channel and their
    /// confirms are pipelined: each waits for its own ack only.
    ///
    /// Not `mandatory`: on a topic exchange, no queue bound for a routing key
    /// just means nobody subscribes to that event yet, which is not an error
    /// for the publisher. (With `mandatory` the broker would return such
    /// messages and still ack them.)
    pub async fn publish(&self, message: &OutgoingMessage<'_>) -> Result<(), PublishError> {
        let routing_key = short_string("routing_key", message.routing_key)?;
        let message_id = short_string("id", message.id)?;
        let event_type = short_string("event_type", message.event_type)?;
        let timestamp = u64::try_from(message.timestamp.timestamp()).map_err(|_| {
            PublishError::InvalidMessage {
                field: "timestamp",
                reason: "before the Unix epoch".to_owned(),
            }
        })?;
        let properties = BasicProperties::default()
            .with_message_id(message_id)
            .with_content_type(ShortString::from(CONTENT_TYPE))
            .with_type(event_type)
            .with_timestamp(timestamp)
            .with_delivery_mode(PERSISTENT);

        let (channel, generation) = self.channel().await?;
        let confirmed = tokio::time::timeout(self.inner.confirm_timeout, async {
            channel
                .basic_publish(
                    self.inner.exchange.clone(),
                    routing_key,
                    BasicPublishOptions::default(),
                    message.body,
                    properties,
                )
                .await?
                .await
        })
        .await;
        match confirmed {
            Ok(Ok(Confirmation::Ack(returned))) => {
                if returned.is_some() {
                    debug!(message_id = message.id, "broker returned an acked message");
                }
                Ok(())
            }
            Ok(Ok(Confirmation::Nack(_))) => Err(PublishError::Nacked),
            Ok(Ok(Confirmation::NotRequested)) => {
                Err(self.link_broken(generation, "the channel is not in confirm mode".to_owned()))
            }
            Ok(Err(error)) => Err(self.link_broken(generation, self.inner.redactor.apply(&error))),
            // Not a reason to reconnect: a blocked or slow broker is not cured
            // by a new connection, and heartbeats catch a dead one.
            Err(_elapsed) => Err(PublishError::ConfirmTimeout {
                timeout: self.inner.confirm_timeout,
            }),
        }
    }

    /// For `/health/ready`.
    pub fn status(&self) -> BrokerStatus {
        match &*self.inner.state.borrow() {
            LinkState::Connected { .. } => BrokerStatus::Connected,
            LinkState::Connecting { since, last_error }
            | LinkState::Disconnected { since, last_error } => BrokerStatus::Disconnected {
                since: *since,
                last_error: last_error.clone(),
            },
        }
    }

    /// Waits until connected or `timeout` passes; `true` when connected.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        let mut state = self.inner.state.clone();
        matches!(
            tokio::time::timeout(
                timeout,
                state.wait_for(|state| matches!(state, LinkState::Connected { .. }))
            )
            .await,
            Ok(Ok(_))
        )
    }

    /// The current channel; waits (bounded) for a connect attempt in progress.
    async fn channel(&self) -> Result<(Channel, u64), PublishError> {
        let mut state = self.inner.state.clone();
        let _ = tokio::time::timeout(
            self.inner.connect_timeout,
            state.wait_for(|state| !matches!(state, LinkState::Connecting { .. })),
        )
        .await;
        let current = state.borrow();
        match &*current {
            LinkState::Connected {
                channel,
                generation,
            } => Ok((channel.clone(), *generation)),
            LinkState::Connecting { last_error, .. }
            | LinkState::Disconnected { last_error, .. } => Err(PublishError::NotConnected {
                last_error: last_error.clone(),
            }),
        }
    }

    /// Tells the supervisor to replace the link; returns the error for the caller.
    fn link_broken(&self, generation: u64, reason: String) -> PublishError {
        // Full means a report is already queued; one is enough.
        let _ = self.inner.broken.try_send(BrokenLink {
            generation,
            reason: reason.clone(),
        });
        PublishError::ConnectionLost { reason }
    }
}

impl fmt::Debug for Publisher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Publisher")
            .field("exchange", &self.inner.exchange)
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}

fn short_string(field: &'static str, value: &str) -> Result<ShortString, PublishError> {
    ShortString::try_new(value).map_err(|_| PublishError::InvalidMessage {
        field,
        reason: format!("{} bytes, AMQP allows at most 255", value.len()),
    })
}
