//! The transactional outbox: domain events saved in the same transaction as
//! the change that produced them, then published by a relay.
//!
//! A unit of work turns the events it recorded into [`OutboxMessage`]s and
//! writes them with the change, so a committed change always has its events
//! stored and a rolled-back one has none. The relay (in the messaging crate)
//! claims pending messages through [`Outbox`], publishes them, and marks each
//! one published after the broker confirmed it. Delivery is therefore at
//! least once: a relay that dies between the broker's confirm and the mark
//! publishes that message again after its lease runs out.

mod data;
mod signal;

// Event data, one per aggregate.
mod {{aggregate}}_data;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use opentelemetry::trace::TraceContextExt;
use uuid::Uuid;

use crate::Result;

pub use signal::OutboxSignal;

use {{crate_name}}_entity_model::{DomainEvent, Version};

/// One event waiting in the outbox, or claimed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxMessage {
    /// The event's own id (UUIDv7), given once when the event is saved: the
    /// same on every publishing attempt, so subscribers can drop duplicates.
    pub id: Uuid,
    /// The aggregate type, snake_case: `{{aggregate}}`.
    pub aggregate_type: String,
    pub aggregate_id: String,
    /// The aggregate's version after the event: orders one aggregate's events.
    pub aggregate_version: Version,
    /// What happened: `created`, `updated`, `deleted`.
    pub event_type: String,
    /// The event's data as JSON: what a subscriber needs without calling back.
    pub data: String,
    pub occurred_at: DateTime<Utc>,
    /// The W3C `traceparent` of the span that saved the event, when traces
    /// are exported: the relay passes it on in the event, so subscribers
    /// continue the trace of the request that made the change.
    pub trace_parent: Option<String>,
    /// Failed publishing attempts so far.
    pub attempts: u32,
}

impl OutboxMessage {
    /// The message for `event`, with a new id, in the trace `trace_parent`.
    pub fn new(event: &DomainEvent, trace_parent: Option<String>) -> Self {
        Self {
            id: Uuid::now_v7(),
            aggregate_type: event.aggregate_type().to_owned(),
            aggregate_id: event.aggregate_id(),
            aggregate_version: event.version(),
            event_type: event.kind().to_owned(),
            data: data::encode(event).to_string(),
            occurred_at: event.occurred_at(),
            trace_parent,
            attempts: 0,
        }
    }

    /// The `traceparent` of the current span (W3C Trace Context, version
    /// `00`), if it belongs to an exported trace. Written by hand from the
    /// span context: this crate needs the OpenTelemetry API only, not the
    /// SDK the service configures.
    pub fn current_trace_parent() -> Option<String> {
        let context = opentelemetry::Context::current();
        let span = context.span();
        let span = span.span_context();
        span.is_valid().then(|| {
            let flags = span.trace_flags().to_u8();
            format!("00-{}-{}-{flags:02x}", span.trace_id(), span.span_id())
        })
    }

    /// `<aggregate>.<event>`, e.g. `{{aggregate}}.created`.
    pub fn routing_key(&self) -> String {
        format!("{}.{}", self.aggregate_type, self.event_type)
    }
}

/// How much is waiting: for `/metrics`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Backlog {
    /// Messages not yet published.
    pub pending: u64,
    /// When the oldest of them happened.
    pub oldest: Option<DateTime<Utc>>,
}

/// The outbox as a relay sees it. Every store implements it on its own
/// table or collection; the contract suite holds them to the same rules.
///
/// Times are passed in rather than read from a clock, so that the rules
/// (leases, retries, retention) can be tested without waiting.
#[async_trait]
pub trait Outbox: Send + Sync + std::fmt::Debug {
    /// Leases up to `limit` pending messages to `relay` until `now + lease`,
    /// oldest first. Only the oldest unpublished message of each aggregate can
    /// be claimed, and only once its retry time has come and no other relay's
    /// lease on it is running: two relays never hold the same message, and one
    /// aggregate's events are published one after the other, in version order.
    async fn claim(
        &self,
        relay: Uuid,
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxMessage>>;

    /// Marks a message published (after the broker confirmed it).
    async fn mark_published(&self, id: Uuid, now: DateTime<Utc>) -> Result<()>;

    /// Gives a message back after a failed attempt: counted, with its lease
    /// ended and the next attempt not before `retry_at`.
    async fn mark_failed(&self, id: Uuid, retry_at: DateTime<Utc>) -> Result<()>;

    /// Deletes the messages published before `before`; returns how many.
    async fn purge_published(&self, before: DateTime<Utc>) -> Result<u64>;

    /// What is still waiting.
    async fn backlog(&self) -> Result<Backlog>;

    /// Woken when a unit of work of this store committed messages.
    fn signal(&self) -> &OutboxSignal;
}
