//! Helpers for tests of this crate and the service, behind the
//! `test-support` feature (never part of the service binary): the broker's
//! URL, unique names, short timeouts, a subscriber on the real broker, and
//! what consumer tests need (raw publishes, dead letters, headers).

// These helpers fail by panicking with a clear message: in a test, that is
// the failure report.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod consumer;
mod subscriber;

use std::time::Duration;

use crate::{BrokerSettings, CloudEvent, OutgoingMessage};

pub use consumer::{consumer_settings, dead_letters, header, publish_raw, queue_depth};
pub use lapin::message::Delivery;
pub use subscriber::{Cleanup, Subscriber, message_id};

/// The broker the tests use: `TEST_AMQP_URL`, or RabbitMQ on localhost.
pub fn broker_url() -> String {
    std::env::var("TEST_AMQP_URL")
        .unwrap_or_else(|_| "amqp://guest:guest@127.0.0.1:5672/%2f".to_owned())
}

/// A name no other test uses: `test.<kind>.<uuid>`.
pub fn unique(kind: &str) -> String {
    format!("test.{kind}.{}", uuid::Uuid::now_v7().simple())
}

/// Settings for `url` with short timeouts, so failure tests run in seconds.
pub fn settings(url: &str, exchange: &str) -> BrokerSettings {
    BrokerSettings {
        confirm_timeout: Duration::from_secs(2),
        connect_timeout: Duration::from_secs(2),
        reconnect_min: Duration::from_millis(50),
        reconnect_max: Duration::from_millis(500),
        ..BrokerSettings::new(url, exchange)
    }
}

/// The longest a publish with `settings` may take: a connect attempt in progress,
/// then the confirm wait. The slack covers the scheduler on a loaded CI machine,
/// not the publisher: a publish that hangs goes far beyond it.
pub fn publish_bound(settings: &BrokerSettings) -> Duration {
    const SCHEDULING_SLACK: Duration = Duration::from_secs(1);
    settings.connect_timeout + settings.confirm_timeout + SCHEDULING_SLACK
}

/// `p50 … p90 … p99 … max …` of `latencies` (not empty), as the benchmarks print them.
pub fn percentiles(mut latencies: Vec<Duration>) -> String {
    assert!(!latencies.is_empty(), "no latencies to report");
    latencies.sort();
    let at = |quantile: f64| {
        let rank = (latencies.len() as f64 * quantile).ceil() as usize;
        latencies[rank.clamp(1, latencies.len()) - 1]
    };
    format!(
        "p50 {:>9.3?}  p90 {:>9.3?}  p99 {:>9.3?}  max {:>9.3?}",
        at(0.50),
        at(0.90),
        at(0.99),
        at(1.0)
    )
}

/// An event and its encoded body, kept together so the borrowed
/// [`OutgoingMessage`] can be built from them.
#[derive(Debug)]
pub struct TestEvent {
    pub event: CloudEvent,
    pub body: Vec<u8>,
}

impl TestEvent {
    pub fn new(n: usize) -> Self {
        let id = uuid::Uuid::now_v7().to_string();
        let data = serde_json::json!({ "n": n });
        let event = CloudEvent::new(&id, "test-service", "item.created", &n.to_string(), data);
        let body = serde_json::to_vec(&event).unwrap();
        Self { event, body }
    }

    pub fn message(&self) -> OutgoingMessage<'_> {
        OutgoingMessage {
            id: &self.event.id,
            routing_key: "item.created",
            event_type: &self.event.r#type,
            timestamp: self.event.time,
            body: &self.body,
        }
    }
}
