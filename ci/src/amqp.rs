//! A plain AMQP client for the harness: a queue bound to a service's exchange, as a
//! subscriber of the generated service would bind one. The `crash` command counts the
//! created events on it; the `fuzz` step gives each fuzzed service an exchange of its own
//! and checks that what the fuzzer caused went out as CloudEvents.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result};
use lapin::message::DeliveryResult;
use lapin::options::{BasicConsumeOptions, ExchangeDeclareOptions, ExchangeDeleteOptions};
use lapin::options::{QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};

use crate::services;

/// One delivery as far as the count needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Received {
    pub routing_key: String,
    /// The CloudEvent's `subject`: the aggregate's id (`None`: not a CloudEvent).
    pub subject: Option<String>,
}

impl Received {
    pub fn parse(routing_key: &str, body: &[u8]) -> Self {
        let subject = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|event| event.get("subject")?.as_str().map(str::to_owned));
        Self {
            routing_key: routing_key.to_owned(),
            subject,
        }
    }

    pub fn is_created(&self) -> bool {
        self.routing_key.ends_with(".created")
    }
}

/// Unique enough for an exchange name: the process id and the time.
pub fn unique_suffix() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis());
    format!("{}-{millis}", std::process::id())
}

/// An exclusive queue bound with `#` to the exchange, consumed into a list. Dropping it
/// deletes the queue and the exchange.
pub struct Subscriber {
    received: Arc<Mutex<Vec<Received>>>,
    exchange: String,
    queue: String,
    channel: Channel,
    connection: Connection,
    /// Last: the connection and channel close before their runtime goes.
    runtime: tokio::runtime::Runtime,
}

impl Subscriber {
    pub fn bind(url: &str, exchange: &str) -> Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .context("cannot start the subscriber's runtime")?;
        let (connection, channel) = runtime
            .block_on(async {
                let connection = Connection::connect(url, ConnectionProperties::default()).await?;
                let channel = connection.create_channel().await?;
                Ok::<_, lapin::Error>((connection, channel))
            })
            .with_context(|| {
                format!(
                    "cannot connect to the broker at {}",
                    services::mask_password(url)
                )
            })?;
        let subscriber = Self {
            received: Arc::default(),
            exchange: exchange.to_owned(),
            queue: format!("{exchange}.subscriber"),
            channel,
            connection,
            runtime,
        };
        // On failure the drop deletes whatever was declared.
        subscriber
            .runtime
            .block_on(subscriber.declare())
            .with_context(|| format!("cannot bind a queue to the exchange {exchange}"))?;
        Ok(subscriber)
    }

    /// The exchange as the service declares it, the queue, the binding, the consumer.
    async fn declare(&self) -> Result<(), lapin::Error> {
        let channel = &self.channel;
        let durable = ExchangeDeclareOptions {
            durable: true,
            ..ExchangeDeclareOptions::default()
        };
        let (exchange, queue) = (self.exchange.as_str(), self.queue.as_str());
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Topic,
                durable,
                FieldTable::default(),
            )
            .await?;
        let exclusive = QueueDeclareOptions {
            exclusive: true,
            auto_delete: true,
            ..QueueDeclareOptions::default()
        };
        channel
            .queue_declare(queue.into(), exclusive, FieldTable::default())
            .await?;
        channel
            .queue_bind(
                queue.into(),
                exchange.into(),
                "#".into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await?;
        let no_ack = BasicConsumeOptions {
            no_ack: true,
            ..BasicConsumeOptions::default()
        };
        let consumer = channel
            .basic_consume(queue.into(), "xtask".into(), no_ack, FieldTable::default())
            .await?;
        let received = Arc::clone(&self.received);
        consumer.set_delegate(move |delivery: DeliveryResult| {
            let received = Arc::clone(&received);
            async move {
                if let Ok(Some(delivery)) = delivery {
                    let event = Received::parse(delivery.routing_key.as_str(), &delivery.data);
                    if let Ok(mut list) = received.lock() {
                        list.push(event);
                    }
                }
            }
        });
        Ok(())
    }

    /// The queue to give the service's own subscriber (`rabbitmq.subscriber.queue`):
    /// dropping this deletes it with its retry and dead-letter queues and exchange.
    pub fn service_queue(&self) -> String {
        format!("{}.activity", self.exchange)
    }

    /// Everything delivered so far.
    pub fn events(&self) -> Vec<Received> {
        match self.received.lock() {
            Ok(list) => list.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Drop for Subscriber {
    fn drop(&mut self) {
        let cleanup = async {
            let queue_deleted = self
                .channel
                .queue_delete(self.queue.as_str().into(), QueueDeleteOptions::default())
                .await;
            // The service's subscriber topology (deleting what does not exist is fine).
            let service_queue = self.service_queue();
            for queue in ["", ".retry", ".dead"].map(|suffix| format!("{service_queue}{suffix}")) {
                let options = QueueDeleteOptions::default();
                self.channel.queue_delete(queue.into(), options).await?;
            }
            let dlx = format!("{service_queue}.dlx");
            let options = ExchangeDeleteOptions::default();
            self.channel.exchange_delete(dlx.into(), options).await?;
            self.channel
                .exchange_delete(
                    self.exchange.as_str().into(),
                    ExchangeDeleteOptions::default(),
                )
                .await?;
            self.connection.close(200, "OK".into()).await?;
            queue_deleted.map(|_| ())
        };
        let outcome = self
            .runtime
            .block_on(async { tokio::time::timeout(Duration::from_secs(5), cleanup).await });
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!(
                "warning: cleanup of exchange {} and queue {} failed: {error}",
                self.exchange, self.queue
            ),
            Err(_) => eprintln!(
                "warning: cleanup of exchange {} timed out; delete it by hand",
                self.exchange
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_reads_the_subject_of_a_cloud_event() {
        let body = br#"{"specversion":"1.0","id":"e1","subject":"o1","type":"shop.order.created"}"#;
        let event = Received::parse("order.created", body);
        assert_eq!(event.subject.as_deref(), Some("o1"));
        assert!(event.is_created());
        let other = Received::parse("order.deleted", b"not json");
        assert_eq!(other.subject, None);
        assert!(!other.is_created());
    }
}
