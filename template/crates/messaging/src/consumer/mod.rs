//! The consumer: events of other services (or of this one) from a durable
//! queue, handed to a [`Handler`], with retries and dead letters.
//!
//! Like the publisher, it never fails because the broker is down: [`Consumer::run`]
//! connects, declares its topology (`topology.rs`) and consumes, and after a
//! lost connection starts over with backoff. Every delivery is settled on its
//! own (`settle.rs`): acked when handled, or acked only after the broker
//! confirmed its copy in the retry queue or the dead-letter queue, so a
//! message is never lost, only delivered again in the worst case.

mod session;
mod settle;
mod topology;
mod trace;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use chrono::Utc;
use lapin::uri::AMQPUri;
use tokio::sync::watch;
use tracing::{info, warn};

use crate::backoff::Backoff;
use crate::settings::Redactor;
use crate::{BrokerSettings, BrokerStatus, CloudEvent, ConfigError};

use self::session::{Outcome, Session};
use self::settle::Settler;
use self::topology::Topology;

/// Consumed messages, counter; labels `queue` and `outcome` (`applied`,
/// `duplicate`, `retried`, `dead_lettered`).
pub const CONSUMED: &str = "consumer_messages_total";
/// Seconds a handler took, histogram; label `queue`.
pub const HANDLER_DURATION: &str = "consumer_handler_duration_seconds";

/// What to consume and how to retry.
#[derive(Debug, Clone)]
pub struct ConsumerSettings {
    /// The durable queue, e.g. `{{project-name}}.{{aggregate}}-activity`; also the
    /// prefix of `<queue>.retry`, `<queue>.dlx` and `<queue>.dead`.
    pub queue: String,
    /// The topic exchange to bind to (declared durable if missing).
    pub source_exchange: String,
    /// Routing-key patterns, e.g. `{{aggregate}}.*`.
    pub bindings: Vec<String>,
    /// Unacked deliveries at a time (`basic.qos`), handled concurrently.
    pub prefetch: u16,
    /// How often a transient failure is retried before the message is dead-lettered.
    pub max_retries: u32,
    /// How long a message waits in `<queue>.retry` before its next attempt.
    pub retry_delay: Duration,
    /// How long a message may stay [busy](HandlerError::Busy) before it is
    /// dead-lettered; longer than the database takes to abort a transaction
    /// whose client died (MongoDB's `transactionLifetimeLimitSeconds`: 60 s).
    pub busy_timeout: Duration,
}

/// What a subscriber does with one event.
///
/// Delivery is at least once (the publisher may repeat an event, an ack may
/// be lost), so a handler deduplicates on `event.id` and answers
/// [`Handled::Duplicate`] for an event it has seen.
#[async_trait]
pub trait Handler: Send + Sync + 'static {
    /// Handles one event. A panic counts as [`HandlerError::Transient`].
    async fn handle(&self, event: &CloudEvent) -> Result<Handled, HandlerError>;
}

/// A handled event; either way the message is acked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handled {
    /// The event changed something.
    Applied,
    /// The event had been handled before; nothing changed.
    Duplicate,
}

/// Why an event was not handled.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandlerError {
    /// May work later (database away, conflict): retried after
    /// `retry_delay`, up to `max_retries` times, then dead-lettered.
    #[error("transient failure: {0}")]
    Transient(String),
    /// Another transaction holds this event: a concurrent delivery of it,
    /// or one a crashed instance left open until the database aborts it.
    /// Nothing is wrong with the event, so it is retried after `retry_delay`
    /// without using up `max_retries`, for up to `busy_timeout`.
    #[error("busy: {0}")]
    Busy(String),
    /// Will never work (invalid event): dead-lettered at once.
    #[error("rejected: {0}")]
    Rejected(String),
}

/// Consumes one queue. Cheap to clone: clones share the status, so one can
/// be [`run`](Consumer::run) while another serves readiness checks.
#[derive(Clone)]
pub struct Consumer {
    inner: Arc<Inner>,
}

struct Inner {
    uri: AMQPUri,
    topology: Topology,
    prefetch: u16,
    max_retries: u32,
    retry_delay: Duration,
    busy_timeout: Duration,
    connect_timeout: Duration,
    confirm_timeout: Duration,
    reconnect_min: Duration,
    reconnect_max: Duration,
    redactor: Redactor,
    status: watch::Sender<BrokerStatus>,
}

impl Consumer {
    /// Checks the settings; connects only in [`run`](Consumer::run). Only
    /// settings that can never work are errors (as for `Publisher::start`),
    /// never a broker that is down. `broker.exchange` is not used (the
    /// consumer binds to `settings.source_exchange`) but is validated.
    pub fn new(broker: BrokerSettings, settings: ConsumerSettings) -> Result<Self, ConfigError> {
        let uri = broker.validate()?;
        let topology = Topology::new(&settings)?;
        if settings.prefetch == 0 {
            return Err(ConfigError::InvalidSetting {
                field: "prefetch",
                reason: "must be at least 1 (0 would mean unlimited)",
            });
        }
        let status = watch::Sender::new(BrokerStatus::Disconnected {
            since: Utc::now(),
            last_error: "not connected yet".to_owned(),
        });
        Ok(Self {
            inner: Arc::new(Inner {
                uri,
                topology,
                prefetch: settings.prefetch,
                max_retries: settings.max_retries,
                retry_delay: settings.retry_delay,
                busy_timeout: settings.busy_timeout,
                connect_timeout: broker.connect_timeout,
                confirm_timeout: broker.confirm_timeout,
                reconnect_min: broker.reconnect_min,
                reconnect_max: broker.reconnect_max,
                redactor: broker.redactor(),
                status,
            }),
        })
    }

    /// For `/health/ready`: connected once the topology is declared and the
    /// consumer is registered.
    pub fn status(&self) -> BrokerStatus {
        self.inner.status.borrow().clone()
    }

    /// Waits until connected or `timeout` passes; `true` when connected.
    pub async fn wait_connected(&self, timeout: Duration) -> bool {
        let mut status = self.inner.status.subscribe();
        let connected = status.wait_for(BrokerStatus::is_connected);
        matches!(tokio::time::timeout(timeout, connected).await, Ok(Ok(_)))
    }

    /// Consumes until `shutdown` completes, reconnecting with backoff
    /// (`reconnect_min` .. `reconnect_max`) whenever the link breaks.
    ///
    /// On shutdown it cancels the subscription, lets the deliveries in
    /// progress finish and settle, closes the connection and returns.
    /// Deliveries the broker had sent but that were not started yet go back
    /// to the queue with the connection.
    pub async fn run(self, handler: impl Handler, shutdown: impl Future<Output = ()>) {
        let handler: Arc<dyn Handler> = Arc::new(handler);
        let inner = &self.inner;
        let queue = inner.topology.queue().as_str();
        let mut shutdown = std::pin::pin!(shutdown);
        let mut backoff = Backoff::new(inner.reconnect_min, inner.reconnect_max);
        let mut since = Utc::now();
        info!(queue, "consumer started");
        loop {
            let open = Session::open(inner.uri.clone(), &inner.topology, inner.prefetch);
            let attempt = tokio::select! {
                () = &mut shutdown => break,
                attempt = tokio::time::timeout(inner.connect_timeout, open) => attempt,
            };
            let last_error = match attempt {
                Ok(Ok(session)) => {
                    backoff.reset();
                    info!(queue, "consumer connected to the message broker");
                    inner.status.send_replace(BrokerStatus::Connected);
                    let settler = Arc::new(self.settler(&session));
                    let outcome = session.consume(&handler, settler, &mut shutdown).await;
                    let Outcome::Broken(reason) = outcome else {
                        break;
                    };
                    since = Utc::now();
                    let error = inner.redactor.apply(reason);
                    warn!(queue, %error, "consumer lost the message broker connection; reconnecting");
                    error
                }
                Ok(Err(error)) => {
                    let error = inner.redactor.apply(&error);
                    warn!(queue, %error, "consumer could not connect to the message broker");
                    error
                }
                Err(_elapsed) => {
                    let timeout = inner.connect_timeout;
                    let error = format!("connecting to the broker timed out after {timeout:?}");
                    warn!(queue, %error, "consumer could not connect to the message broker");
                    error
                }
            };
            inner
                .status
                .send_replace(BrokerStatus::Disconnected { since, last_error });
            tokio::select! {
                () = &mut shutdown => break,
                () = tokio::time::sleep(backoff.next_delay()) => {}
            }
        }
        inner.status.send_replace(BrokerStatus::Disconnected {
            since: Utc::now(),
            last_error: "the consumer has stopped".to_owned(),
        });
        info!(queue, "consumer stopped");
    }

    fn settler(&self, session: &Session) -> Settler {
        let inner = &self.inner;
        Settler {
            channel: session.publishing(),
            names: inner.topology.names(),
            max_retries: inner.max_retries,
            retry_delay: inner.retry_delay,
            busy_timeout: inner.busy_timeout,
            confirm_timeout: inner.confirm_timeout,
            redactor: inner.redactor.clone(),
        }
    }
}

impl std::fmt::Debug for Consumer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Consumer")
            .field("queue", self.inner.topology.queue())
            .field("status", &self.status())
            .finish_non_exhaustive()
    }
}
