//! What happens to one delivery: handle it, then ack, retry or dead-letter.
//!
//! Retries and dead letters are copies we publish ourselves rather than
//! `basic.reject`: only a copy can carry the retry count and the reason, and
//! it lets the original be acked only once the broker has confirmed the copy.
//! If the copy fails, the original is requeued: repeated, never lost.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicNackOptions, BasicPublishOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Confirmation};
use tokio::task::JoinError;
use tracing::{Instrument, debug, info, warn};

use super::topology::Names;
use super::trace::consumer_span;
use super::{CONSUMED, HANDLER_DURATION, Handled, Handler, HandlerError};
use crate::CloudEvent;
use crate::settings::Redactor;

/// How many transient failures were retried (absent = 0).
pub(super) const RETRY_COUNT: &str = "x-retry-count";
/// When the message was first found busy, in Unix milliseconds.
pub(super) const BUSY_SINCE: &str = "x-busy-since";
/// Why a message was dead-lettered.
pub(super) const REASON: &str = "x-dead-letter-reason";
/// The routing key it was published with, kept across retries (which arrive
/// with the queue's name as routing key).
pub(super) const ORIGINAL_ROUTING_KEY: &str = "x-original-routing-key";
/// AMQP `delivery_mode` 2: copies survive a broker restart.
const PERSISTENT: u8 = 2;

/// Publishes the copies and settles the originals; one per session.
#[derive(Debug)]
pub(super) struct Settler {
    pub(super) channel: Channel,
    pub(super) names: Names,
    pub(super) max_retries: u32,
    pub(super) retry_delay: Duration,
    pub(super) busy_timeout: Duration,
    pub(super) confirm_timeout: Duration,
    pub(super) redactor: Redactor,
}

enum Verdict {
    Ack(&'static str),
    /// Through the retry queue, with this header set.
    Retry {
        header: (&'static str, i64),
        reason: String,
    },
    DeadLetter(String),
}

/// Handles one delivery and settles it; never fails (failures are logged
/// and leave the message to the broker, which redelivers it).
pub(super) async fn process(handler: Arc<dyn Handler>, settler: Arc<Settler>, delivery: Delivery) {
    let verdict = match serde_json::from_slice::<CloudEvent>(&delivery.data) {
        Err(error) => Verdict::DeadLetter(format!("not a CloudEvent: {error}")),
        Ok(event) => {
            let span = consumer_span(settler.names.queue.as_str(), &event);
            let outcome = settler.handle(handler, event).instrument(span).await;
            settler.judge(outcome, &delivery)
        }
    };
    settler.settle(delivery, verdict).await;
}

impl Settler {
    /// Runs the handler in its own task, so a panic becomes a transient error.
    async fn handle(
        &self,
        handler: Arc<dyn Handler>,
        event: CloudEvent,
    ) -> Result<Handled, HandlerError> {
        let started = Instant::now();
        let handling = async move { handler.handle(&event).await };
        let handled = tokio::spawn(handling.in_current_span()).await;
        let queue = self.names.queue.to_string();
        metrics::histogram!(HANDLER_DURATION, "queue" => queue)
            .record(started.elapsed().as_secs_f64());
        handled.unwrap_or_else(|error| Err(HandlerError::Transient(panicked(error))))
    }

    fn judge(&self, outcome: Result<Handled, HandlerError>, delivery: &Delivery) -> Verdict {
        let properties = &delivery.properties;
        match outcome {
            Ok(Handled::Applied) => Verdict::Ack("applied"),
            Ok(Handled::Duplicate) => Verdict::Ack("duplicate"),
            Err(HandlerError::Rejected(reason)) => Verdict::DeadLetter(reason),
            Err(HandlerError::Transient(reason)) => {
                let retries = int_header(properties, RETRY_COUNT).unwrap_or(0).max(0);
                if retries < i64::from(self.max_retries) {
                    let header = (RETRY_COUNT, retries.saturating_add(1));
                    Verdict::Retry { header, reason }
                } else {
                    Verdict::DeadLetter(format!("gave up after {retries} retries: {reason}"))
                }
            }
            Err(HandlerError::Busy(reason)) => {
                let now = Utc::now().timestamp_millis();
                let since = int_header(properties, BUSY_SINCE).unwrap_or(now);
                let busy = u64::try_from(now.saturating_sub(since)).unwrap_or(0);
                let busy = Duration::from_millis(busy);
                if busy < self.busy_timeout {
                    let header = (BUSY_SINCE, since);
                    Verdict::Retry { header, reason }
                } else {
                    let secs = busy.as_secs();
                    Verdict::DeadLetter(format!("still busy after {secs} s: {reason}"))
                }
            }
        }
    }

    async fn settle(&self, delivery: Delivery, verdict: Verdict) {
        let message_id = message_id(&delivery);
        let queue = self.names.queue.as_str();
        match verdict {
            Verdict::Ack(outcome) => self.ack(&delivery, outcome).await,
            Verdict::Retry {
                header: (name, value),
                reason,
            } => {
                info!(queue, message_id, %reason, "not handled yet; will retry");
                let mut headers = self.headers(&delivery);
                headers.insert(name.into(), AMQPValue::LongLongInt(value));
                let millis = self.retry_delay.as_millis().to_string();
                let properties =
                    copy_properties(&delivery.properties, headers).with_expiration(millis.into());
                let to = (ShortString::default(), self.names.retry.clone());
                self.forward(&delivery, to, properties, "retried").await;
            }
            Verdict::DeadLetter(reason) => {
                warn!(queue, message_id, %reason, "dead-lettering a message");
                let mut headers = self.headers(&delivery);
                headers.insert(REASON.into(), text(&reason));
                let properties = copy_properties(&delivery.properties, headers);
                let to = (self.names.dlx.clone(), delivery.routing_key.clone());
                self.forward(&delivery, to, properties, "dead_lettered")
                    .await;
            }
        }
    }

    /// Publishes the copy, then acks the original; requeues it if the
    /// broker did not confirm the copy.
    async fn forward(
        &self,
        delivery: &Delivery,
        (exchange, routing_key): (ShortString, ShortString),
        properties: BasicProperties,
        outcome: &'static str,
    ) {
        match self
            .publish(exchange, routing_key, delivery, properties)
            .await
        {
            Ok(()) => self.ack(delivery, outcome).await,
            Err(reason) => {
                let queue = self.names.queue.as_str();
                let message_id = message_id(delivery);
                warn!(queue, message_id, %reason, "could not store the copy; requeueing the message");
                let requeue = BasicNackOptions {
                    requeue: true,
                    ..BasicNackOptions::default()
                };
                if let Err(error) = delivery.acker.nack(requeue).await {
                    debug!(queue, message_id, %error, "requeueing failed; the broker will redeliver");
                }
            }
        }
    }

    /// `mandatory`, so a missing queue (deleted under us) is a failure
    /// rather than a silent drop.
    async fn publish(
        &self,
        exchange: ShortString,
        routing_key: ShortString,
        delivery: &Delivery,
        properties: BasicProperties,
    ) -> Result<(), String> {
        let options = BasicPublishOptions {
            mandatory: true,
            ..BasicPublishOptions::default()
        };
        let body = delivery.data.as_slice();
        let confirmed = tokio::time::timeout(self.confirm_timeout, async {
            let channel = &self.channel;
            let publish = channel.basic_publish(exchange, routing_key, options, body, properties);
            publish.await?.await
        })
        .await;
        match confirmed {
            Ok(Ok(Confirmation::Ack(None))) => Ok(()),
            Ok(Ok(Confirmation::Ack(Some(_)))) => Err("no queue took the copy".to_owned()),
            Ok(Ok(Confirmation::Nack(_))) => Err("the broker nacked the copy".to_owned()),
            Ok(Ok(Confirmation::NotRequested)) => {
                Err("the channel is not in confirm mode".to_owned())
            }
            Ok(Err(error)) => Err(self.redactor.apply(error)),
            Err(_elapsed) => Err(format!("no confirm within {:?}", self.confirm_timeout)),
        }
    }

    /// Acks this delivery only (never `multiple`) and counts the outcome.
    async fn ack(&self, delivery: &Delivery, outcome: &'static str) {
        let queue = self.names.queue.as_str();
        match delivery.acker.ack(BasicAckOptions::default()).await {
            Ok(true) => {
                let queue = queue.to_owned();
                metrics::counter!(CONSUMED, "queue" => queue, "outcome" => outcome).increment(1);
            }
            // The channel closed: the broker redelivers the message.
            Ok(false) => debug!(queue, outcome, "channel gone before the ack"),
            Err(error) => debug!(queue, outcome, %error, "ack failed; the broker will redeliver"),
        }
    }

    /// The original headers for a copy, with the first routing key kept.
    /// The broker's own `x-death` bookkeeping (added when a retry expires)
    /// is left out: the retry count is ours, and the broker rebuilds it.
    fn headers(&self, delivery: &Delivery) -> FieldTable {
        let mut headers = FieldTable::default();
        if let Some(original) = delivery.properties.headers() {
            for (name, value) in original {
                if !broker_owned(name.as_str()) {
                    headers.insert(name.clone(), value.clone());
                }
            }
        }
        if !headers.contains_key(ORIGINAL_ROUTING_KEY) {
            let key = delivery.routing_key.as_str();
            headers.insert(ORIGINAL_ROUTING_KEY.into(), text(key));
        }
        headers
    }
}

/// Dead-lettering bookkeeping the broker writes itself.
fn broker_owned(header: &str) -> bool {
    let prefixes = ["x-death", "x-first-death-", "x-last-death-"];
    prefixes.iter().any(|prefix| header.starts_with(prefix))
}

/// The properties the message was published with that mean something to
/// a reader (not `expiration`, `reply_to` or `user_id`, which the broker
/// checks against the connection), always persistent.
fn copy_properties(original: &BasicProperties, headers: FieldTable) -> BasicProperties {
    let mut copy = BasicProperties::default()
        .with_headers(headers)
        .with_delivery_mode(PERSISTENT);
    if let Some(value) = original.content_type() {
        copy = copy.with_content_type(value.clone());
    }
    if let Some(value) = original.content_encoding() {
        copy = copy.with_content_encoding(value.clone());
    }
    if let Some(value) = original.message_id() {
        copy = copy.with_message_id(value.clone());
    }
    if let Some(value) = original.correlation_id() {
        copy = copy.with_correlation_id(value.clone());
    }
    if let Some(value) = original.kind() {
        copy = copy.with_type(value.clone());
    }
    if let Some(value) = *original.timestamp() {
        copy = copy.with_timestamp(value);
    }
    if let Some(value) = original.app_id() {
        copy = copy.with_app_id(value.clone());
    }
    if let Some(value) = *original.priority() {
        copy = copy.with_priority(value);
    }
    copy
}

/// An integer header of any integer type; absent or not an integer: `None`.
fn int_header(properties: &BasicProperties, name: &str) -> Option<i64> {
    let headers = properties.headers().as_ref()?;
    match headers.inner().get(name)? {
        AMQPValue::ShortShortInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortShortUInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortInt(n) => Some(i64::from(*n)),
        AMQPValue::ShortUInt(n) => Some(i64::from(*n)),
        AMQPValue::LongInt(n) => Some(i64::from(*n)),
        AMQPValue::LongUInt(n) => Some(i64::from(*n)),
        AMQPValue::LongLongInt(n) => Some(*n),
        _ => None,
    }
}

fn message_id(delivery: &Delivery) -> &str {
    let id = delivery.properties.message_id().as_ref();
    id.map_or("", ShortString::as_str)
}

fn text(value: &str) -> AMQPValue {
    AMQPValue::LongString(LongString::from(value))
}

/// The panic message of a handler task, for logs and the dead letter.
fn panicked(error: JoinError) -> String {
    match error.try_into_panic() {
        Ok(payload) => {
            let payload: &(dyn Any + Send) = payload.as_ref();
            let message = payload
                .downcast_ref::<&str>()
                .map(|message| (*message).to_owned())
                .or_else(|| payload.downcast_ref::<String>().cloned());
            format!("the handler panicked: {}", message.unwrap_or_default())
        }
        Err(_) => "the handler task was cancelled".to_owned(),
    }
}
