//! The relay: publishes what units of work wrote to the outbox.
//!
//! Every instance of the service runs one. A round claims a batch of due
//! messages (the store's [`Outbox::claim`] makes sure no two relays hold the
//! same message and that an aggregate's next message waits until the one
//! before it is published), publishes them with publisher confirms, and marks
//! each one published after its ack or failed, with a backoff, after a nack,
//! a timeout or a lost connection. Rounds follow each other while there is
//! work; then the relay sleeps until a unit of work of this process commits
//! or the poll interval passes (other instances' commits are found by
//! polling).
//!
//! Delivery is at least once: an ack whose mark is lost (crash, database
//! down) is published again after the lease ends, with the same event id.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeDelta, Utc};
use futures_util::future::join_all;
use uuid::Uuid;

use crate::backoff;
use crate::{CONTENT_TYPE, CloudEvent, OutgoingMessage, PublishError, Publisher};

use {{crate_name}}_persistence_model::{OutboxMessage, Result, Store};

/// Published messages, counter.
pub const PUBLISHED: &str = "outbox_published_total";
/// Failed publishing attempts, counter.
pub const FAILED: &str = "outbox_publish_failures_total";
/// Seconds from an event to the broker's ack, histogram.
pub const COMMIT_TO_ACK: &str = "outbox_commit_to_ack_seconds";
/// Messages not yet published, gauge.
pub const BACKLOG: &str = "outbox_backlog";
/// Age in seconds of the oldest unpublished message (0 when none), gauge.
pub const OLDEST_PENDING_AGE: &str = "outbox_oldest_pending_age_seconds";

/// How often the backlog gauges are refreshed and published messages purged.
const BACKLOG_EVERY: Duration = Duration::from_secs(1);
const PURGE_EVERY: Duration = Duration::from_secs(60);

/// How the relay works; `[rabbitmq]` in the configuration.
#[derive(Debug, Clone)]
pub struct RelaySettings {
    /// The service's name: the CloudEvents `source` and the start of `type`.
    pub service: String,
    /// Messages claimed per round.
    pub batch_size: u32,
    /// How long the relay sleeps when it was not woken by a commit.
    pub poll_interval: Duration,
    /// How long a claim is held: after it, a message whose relay died is
    /// claimed again by another one.
    pub lease: Duration,
    /// How long published messages are kept before they are deleted.
    pub retention: Duration,
    /// First retry delay after a failed attempt; doubles per attempt.
    pub retry_min: Duration,
    /// Cap of the retry delay.
    pub retry_max: Duration,
}

/// Publishes the outbox of one store through one publisher.
#[derive(Debug)]
pub struct Relay {
    id: Uuid,
    store: Arc<dyn Store>,
    publisher: Publisher,
    settings: RelaySettings,
}

impl Relay {
    pub fn new(store: Arc<dyn Store>, publisher: Publisher, settings: RelaySettings) -> Self {
        Self {
            id: Uuid::now_v7(),
            store,
            publisher,
            settings,
        }
    }

    /// Runs rounds until `shutdown` completes. Errors (database or broker
    /// down) are logged and retried; they never end the relay.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tracing::info!(relay = %self.id, "outbox relay started");
        let mut shutdown = std::pin::pin!(shutdown);
        let mut backlog_at = Instant::now();
        let mut purged_at = Instant::now();
        loop {
            let claimed = match self.publish_due().await {
                Ok(claimed) => claimed,
                Err(error) => {
                    tracing::warn!(%error, "outbox relay: cannot read the outbox");
                    0
                }
            };
            if backlog_at.elapsed() >= BACKLOG_EVERY {
                self.report_backlog().await;
                backlog_at = Instant::now();
            }
            if purged_at.elapsed() >= PURGE_EVERY {
                self.purge().await;
                purged_at = Instant::now();
            }
            // A full batch: there is probably more, go on at once.
            let more = claimed >= self.settings.batch_size as usize;
            tokio::select! {
                () = &mut shutdown => break,
                () = self.wait(more) => {}
            }
        }
        tracing::info!(relay = %self.id, "outbox relay stopped");
    }

    /// Until the next round: nothing after a full batch, otherwise a commit
    /// of this process, the broker coming back, or the poll interval.
    async fn wait(&self, more: bool) {
        if more && self.publisher.status().is_connected() {
            return;
        }
        let poll = self.settings.poll_interval;
        if !self.publisher.status().is_connected() {
            self.publisher.wait_connected(poll).await;
            return;
        }
        let signal = self.store.outbox().signal();
        let _ = tokio::time::timeout(poll, signal.notified()).await;
    }

    /// One round: claims due messages and publishes them; returns how many
    /// were claimed. While the broker is unreachable nothing is claimed, so
    /// messages wait without using up attempts.
    pub async fn publish_due(&self) -> Result<usize> {
        if !self.publisher.status().is_connected() {
            return Ok(0);
        }
        let outbox = self.store.outbox();
        let (limit, lease) = (self.settings.batch_size, self.settings.lease);
        let claimed = outbox.claim(self.id, limit, lease, Utc::now()).await?;
        // One message per aggregate at most: their order does not matter, so
        // they are published at once and their confirms arrive together.
        let outcomes = join_all(claimed.iter().map(|m| self.publish(m))).await;
        for (message, outcome) in claimed.iter().zip(outcomes) {
            match outcome {
                Ok(()) => {
                    let acked_at = Utc::now();
                    outbox.mark_published(message.id, acked_at).await?;
                    let latency = (acked_at - message.occurred_at)
                        .to_std()
                        .unwrap_or_default();
                    metrics::counter!(PUBLISHED).increment(1);
                    metrics::histogram!(COMMIT_TO_ACK).record(latency.as_secs_f64());
                }
                Err(error) => {
                    let retry_at = Utc::now() + self.retry_delay(message.attempts);
                    outbox.mark_failed(message.id, retry_at).await?;
                    metrics::counter!(FAILED).increment(1);
                    tracing::warn!(
                        event = %message.id,
                        routing_key = message.routing_key(),
                        attempt = message.attempts + 1,
                        %retry_at,
                        %error,
                        "outbox relay: publishing failed, will retry"
                    );
                }
            }
        }
        Ok(claimed.len())
    }

    async fn publish(&self, message: &OutboxMessage) -> Result<(), PublishError> {
        let service = &self.settings.service;
        let event = CloudEvent::from_outbox(service, message).map_err(invalid)?;
        let body = serde_json::to_vec(&event).map_err(invalid)?;
        let outgoing = OutgoingMessage {
            id: &event.id,
            routing_key: &message.routing_key(),
            event_type: &event.r#type,
            timestamp: event.time,
            body: &body,
        };
        tracing::debug!(event = %message.id, content_type = CONTENT_TYPE, "publishing");
        self.publisher.publish(&outgoing).await
    }

    /// The backoff after `attempts` earlier failures, with jitter.
    fn retry_delay(&self, attempts: u32) -> TimeDelta {
        let (min, max) = (self.settings.retry_min, self.settings.retry_max);
        let delay = backoff::delay(min, max, attempts);
        TimeDelta::from_std(delay).unwrap_or(TimeDelta::MAX)
    }

    async fn report_backlog(&self) {
        match self.store.outbox().backlog().await {
            Ok(backlog) => {
                let age = backlog.oldest.map_or(0.0, |oldest| {
                    let age = Utc::now() - oldest;
                    age.to_std().unwrap_or_default().as_secs_f64()
                });
                metrics::gauge!(BACKLOG).set(backlog.pending as f64);
                metrics::gauge!(OLDEST_PENDING_AGE).set(age);
            }
            Err(error) => tracing::debug!(%error, "outbox relay: backlog unknown"),
        }
    }

    async fn purge(&self) {
        let Ok(retention) = TimeDelta::from_std(self.settings.retention) else {
            return;
        };
        let before = Utc::now() - retention;
        match self.store.outbox().purge_published(before).await {
            Ok(0) => {}
            Ok(purged) => tracing::debug!(purged, "outbox relay: published messages deleted"),
            Err(error) => tracing::warn!(%error, "outbox relay: cannot purge the outbox"),
        }
    }
}

/// An outbox message whose data is not JSON: it can never be published.
fn invalid(error: serde_json::Error) -> PublishError {
    PublishError::InvalidMessage {
        field: "data",
        reason: error.to_string(),
    }
}
