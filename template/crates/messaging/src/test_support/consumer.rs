//! Helpers for consumer tests: raw publishes, the dead-letter queue, headers.

use std::time::{Duration, Instant};

use lapin::message::Delivery;
use lapin::options::QueueDeclareOptions;
use lapin::options::{BasicGetOptions, BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{BasicProperties, Confirmation, Connection, ConnectionProperties};

use super::broker_url;
use crate::ConsumerSettings;

/// Consumer settings for tests: every routing key, prefetch 8, two retries
/// 200 ms apart, busy for at most a second.
pub fn consumer_settings(queue: &str, exchange: &str) -> ConsumerSettings {
    ConsumerSettings {
        queue: queue.to_owned(),
        source_exchange: exchange.to_owned(),
        bindings: vec!["#".to_owned()],
        prefetch: 8,
        max_retries: 2,
        retry_delay: Duration::from_millis(200),
        busy_timeout: Duration::from_secs(1),
    }
}

/// Publishes `body` as it is (persistent, with a message id), waiting for
/// the broker's confirm: for messages the publisher would never send.
pub async fn publish_raw(exchange: &str, routing_key: &str, body: &[u8], message_id: &str) {
    let connection = connect().await;
    let channel = connection.create_channel().await.unwrap();
    channel
        .confirm_select(ConfirmSelectOptions::default())
        .await
        .unwrap();
    let properties = BasicProperties::default()
        .with_message_id(message_id.into())
        .with_delivery_mode(2);
    let options = BasicPublishOptions::default();
    let confirmation = channel
        .basic_publish(
            exchange.into(),
            routing_key.into(),
            options,
            body,
            properties,
        )
        .await
        .unwrap()
        .await
        .unwrap();
    assert!(
        matches!(confirmation, Confirmation::Ack(_)),
        "{confirmation:?}"
    );
    connection.close(200, "OK".into()).await.unwrap();
}

/// Up to `count` messages taken from `<queue>.dead`, polling until `timeout`.
pub async fn dead_letters(queue: &str, count: usize, timeout: Duration) -> Vec<Delivery> {
    let dead = format!("{queue}.dead");
    let connection = connect().await;
    let channel = connection.create_channel().await.unwrap();
    let deadline = Instant::now() + timeout;
    let mut taken = Vec::new();
    while taken.len() < count {
        let options = BasicGetOptions { no_ack: true };
        match channel
            .basic_get(dead.as_str().into(), options)
            .await
            .unwrap()
        {
            Some(message) => taken.push(message.delivery),
            None if Instant::now() >= deadline => break,
            None => tokio::time::sleep(Duration::from_millis(50)).await,
        }
    }
    connection.close(200, "OK".into()).await.unwrap();
    taken
}

/// The messages ready in `queue` (not counting unacked ones).
pub async fn queue_depth(queue: &str) -> u32 {
    let connection = connect().await;
    let channel = connection.create_channel().await.unwrap();
    let passive = QueueDeclareOptions {
        passive: true,
        ..QueueDeclareOptions::default()
    };
    let declared = channel
        .queue_declare(queue.into(), passive, FieldTable::default())
        .await
        .unwrap();
    connection.close(200, "OK".into()).await.unwrap();
    declared.message_count()
}

/// A string or integer header of `delivery`, as text.
pub fn header(delivery: &Delivery, name: &str) -> Option<String> {
    let headers = delivery.properties.headers().as_ref()?;
    match headers.inner().get(name)? {
        AMQPValue::LongString(text) => Some(text.to_string()),
        AMQPValue::ShortString(text) => Some(text.to_string()),
        AMQPValue::ShortShortInt(n) => Some(n.to_string()),
        AMQPValue::ShortShortUInt(n) => Some(n.to_string()),
        AMQPValue::ShortInt(n) => Some(n.to_string()),
        AMQPValue::ShortUInt(n) => Some(n.to_string()),
        AMQPValue::LongInt(n) => Some(n.to_string()),
        AMQPValue::LongUInt(n) => Some(n.to_string()),
        AMQPValue::LongLongInt(n) => Some(n.to_string()),
        other => Some(format!("{other:?}")),
    }
}

async fn connect() -> Connection {
    Connection::connect(&broker_url(), ConnectionProperties::default())
        .await
        .unwrap()
}
