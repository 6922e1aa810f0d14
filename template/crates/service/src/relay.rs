//! The message bus as the service runs it: one publisher per process, its
//! readiness check, and the outbox relay started once the schema is ready.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;

use crate::config::Settings;
use crate::readiness::ReadinessCheck;

use {{crate_name}}_messaging::{BrokerSettings, BrokerStatus, Publisher, Relay, RelaySettings};
use {{crate_name}}_persistence_model::Store;

/// The service's name in every event: CloudEvents `source` and `type`.
pub const SERVICE_NAME: &str = "{{project-name}}";

/// Starts the publisher, which connects in the background: an unreachable
/// broker is not an error here, only settings that can never work are.
pub fn publisher(settings: &Settings) -> anyhow::Result<Publisher> {
    Publisher::start(broker(settings)).with_context(|| {
        let (url, exchange) = (
            settings.origin("rabbitmq.url"),
            settings.origin("rabbitmq.exchange"),
        );
        format!("rabbitmq.url ({url}) or rabbitmq.exchange ({exchange}) cannot be used")
    })
}

/// The broker as configured, for the publisher and the subscriber.
pub fn broker(settings: &Settings) -> BrokerSettings {
    let rabbitmq = &settings.rabbitmq;
    BrokerSettings {
        confirm_timeout: Duration::from_millis(rabbitmq.confirm_timeout_ms),
        ..BrokerSettings::new(rabbitmq.url.expose(), rabbitmq.exchange.as_str())
    }
}

/// Publishes the outbox until `stop` resolves. A relay stopped mid-round is
/// a crash as far as the outbox is concerned: its claims run out and another
/// relay (or this one, restarted) publishes those messages again.
pub async fn run(
    store: Arc<dyn Store>,
    publisher: Publisher,
    settings: &Settings,
    stop: impl Future<Output = ()>,
) {
    let rabbitmq = &settings.rabbitmq;
    let relay = RelaySettings {
        service: SERVICE_NAME.to_owned(),
        batch_size: rabbitmq.batch_size,
        poll_interval: Duration::from_millis(rabbitmq.poll_interval_ms),
        lease: Duration::from_secs(rabbitmq.lease_secs),
        retention: Duration::from_secs(rabbitmq.retention_hours * 3600),
        retry_min: Duration::from_millis(200),
        retry_max: Duration::from_secs(60),
    };
    Relay::new(store, publisher, relay).run(stop).await;
}

/// Readiness: the broker's connection. Not required: while the broker is
/// away events wait in the outbox and the API keeps working, so the service
/// stays ready and reports the broker as degraded.
#[derive(Debug)]
pub struct BrokerCheck(pub Publisher);

#[async_trait]
impl ReadinessCheck for BrokerCheck {
    fn name(&self) -> &'static str {
        "message_broker"
    }

    fn required(&self) -> bool {
        false
    }

    async fn check(&self) -> Result<(), String> {
        connected(self.0.status())
    }
}

/// A broker connection's status as a readiness check reports it.
pub fn connected(status: BrokerStatus) -> Result<(), String> {
    match status {
        BrokerStatus::Connected => Ok(()),
        BrokerStatus::Disconnected { since, last_error } => {
            Err(format!("disconnected since {since}: {last_error}"))
        }
    }
}
