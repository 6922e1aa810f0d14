//! A subscriber on the real broker: an exclusive queue bound to a test
//! exchange, consumed into a channel, deleted with the exchange on drop.

use std::time::Duration;

use futures_util::StreamExt;
use lapin::message::Delivery;
use lapin::options::{BasicConsumeOptions, ExchangeDeclareOptions, ExchangeDeleteOptions};
use lapin::options::{QueueBindOptions, QueueDeclareOptions, QueueDeleteOptions};
use lapin::types::FieldTable;
use lapin::{Channel, Connection, ConnectionProperties, ExchangeKind};
use tokio::sync::mpsc;

use super::{broker_url, unique};

/// An exclusive queue bound to the test exchange, consumed into a channel.
/// Dropping it deletes the queue and the exchange, also during a panic.
pub struct Subscriber {
    deliveries: mpsc::UnboundedReceiver<Delivery>,
    _channel: Channel,
    _connection: Connection,
    _cleanup: Cleanup,
}

impl std::fmt::Debug for Subscriber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscriber").finish_non_exhaustive()
    }
}

impl Subscriber {
    /// Declares the exchange the way the publisher does (so binding works
    /// before the publisher has connected) and binds a fresh queue.
    pub async fn bind(exchange: &str, pattern: &str) -> Self {
        let queue = unique("queue");
        let cleanup = Cleanup {
            exchanges: vec![exchange.to_owned()],
            queues: Vec::new(),
            exclusive_queue: Some(queue.clone()),
        };
        let connection = Connection::connect(&broker_url(), ConnectionProperties::default())
            .await
            .unwrap();
        let channel = connection.create_channel().await.unwrap();
        channel
            .exchange_declare(
                exchange.into(),
                ExchangeKind::Topic,
                ExchangeDeclareOptions {
                    durable: true,
                    ..ExchangeDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        channel
            .queue_declare(
                queue.as_str().into(),
                QueueDeclareOptions {
                    exclusive: true,
                    auto_delete: true,
                    ..QueueDeclareOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        channel
            .queue_bind(
                queue.as_str().into(),
                exchange.into(),
                pattern.into(),
                QueueBindOptions::default(),
                FieldTable::default(),
            )
            .await
            .unwrap();
        let consumer = channel
            .basic_consume(
                queue.as_str().into(),
                "test-consumer".into(),
                BasicConsumeOptions {
                    no_ack: true,
                    ..BasicConsumeOptions::default()
                },
                FieldTable::default(),
            )
            .await
            .unwrap();
        let (tx, deliveries) = mpsc::unbounded_channel();
        // One task reads the deliveries in order: lapin spawns a delegate once
        // per message, and two spawned delegates may send in either order.
        let mut consumer = consumer;
        tokio::spawn(async move {
            while let Some(Ok(delivery)) = consumer.next().await {
                if tx.send(delivery).is_err() {
                    break;
                }
            }
        });
        Self {
            deliveries,
            _channel: channel,
            _connection: connection,
            _cleanup: cleanup,
        }
    }

    /// The next delivery, or `None` after `timeout`.
    pub async fn next(&mut self, timeout: Duration) -> Option<Delivery> {
        tokio::time::timeout(timeout, self.deliveries.recv())
            .await
            .ok()
            .flatten()
    }

    /// Everything that arrives until nothing has come for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Delivery> {
        let mut all = Vec::new();
        while let Some(delivery) = self.next(quiet).await {
            all.push(delivery);
        }
        all
    }
}

/// The message id of a delivery.
pub fn message_id(delivery: &Delivery) -> String {
    delivery
        .properties
        .message_id()
        .as_ref()
        .map(|id| id.as_str().to_owned())
        .unwrap_or_default()
}

/// Deletes test exchanges and queues on drop, on its own thread and
/// runtime so it also works while a failed test unwinds.
#[derive(Debug)]
pub struct Cleanup {
    exchanges: Vec<String>,
    queues: Vec<String>,
    exclusive_queue: Option<String>,
}

impl Cleanup {
    /// Deletes `exchange` when dropped.
    pub fn exchange(exchange: &str) -> Self {
        Self {
            exchanges: vec![exchange.to_owned()],
            queues: Vec::new(),
            exclusive_queue: None,
        }
    }

    /// Deletes what a consumer of `queue` declares (`<queue>`,
    /// `<queue>.retry`, `<queue>.dead`, exchange `<queue>.dlx`) when
    /// dropped; not the source exchange (see [`Cleanup::exchange`]).
    pub fn topology(queue: &str) -> Self {
        let queues = ["", ".retry", ".dead"].map(|suffix| format!("{queue}{suffix}"));
        Self {
            exchanges: vec![format!("{queue}.dlx")],
            queues: queues.to_vec(),
            exclusive_queue: None,
        }
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let exchanges = self.exchanges.clone();
        let queues = self.queues.clone();
        let exclusive_queue = self.exclusive_queue.clone();
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                let cleanup = async {
                    let connection =
                        Connection::connect(&broker_url(), ConnectionProperties::default()).await?;
                    let channel = connection.create_channel().await?;
                    for exchange in &exchanges {
                        let delete = ExchangeDeleteOptions::default();
                        channel
                            .exchange_delete(exchange.as_str().into(), delete)
                            .await?;
                    }
                    for queue in &queues {
                        let delete = QueueDeleteOptions::default();
                        channel.queue_delete(queue.as_str().into(), delete).await?;
                    }
                    // The queue is exclusive: the broker deletes it with the
                    // subscriber's connection anyway, and refuses (405) while
                    // that connection is still closing, so failure is fine here.
                    if let Some(queue) = &exclusive_queue {
                        let delete = QueueDeleteOptions::default();
                        let _ = channel.queue_delete(queue.as_str().into(), delete).await;
                    }
                    connection.close(200, "OK".into()).await
                };
                if let Ok(Err(error)) = tokio::time::timeout(Duration::from_secs(5), cleanup).await
                {
                    eprintln!("cleanup of {exchanges:?} and {queues:?} failed: {error}");
                }
            });
        })
        .join();
    }
}
