//! Publish-to-ack latency against a real broker.
//!
//! `cargo bench -p {{project-name}}-messaging --bench confirm_latency`; the
//! broker is `TEST_AMQP_URL` (default: RabbitMQ on localhost). Messages go to
//! a durable queue, so persistent messages are confirmed only once RabbitMQ
//! has written them to disk, as in production. The queue and exchange are
//! deleted at the end. Prints figures; asserts nothing about them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::{
    sync::Arc,
    time::{Duration, Instant},
};

use lapin::{
    Connection, ConnectionProperties, ExchangeKind,
    options::{
        ExchangeDeclareOptions, ExchangeDeleteOptions, QueueBindOptions, QueueDeclareOptions,
        QueueDeleteOptions,
    },
    types::FieldTable,
};

use {{crate_name}}_messaging::test_support::{broker_url, percentiles};
use {{crate_name}}_messaging::{BrokerSettings, CloudEvent, OutgoingMessage, Publisher};

const MESSAGES: usize = 2000;
const IN_FLIGHT: usize = 16;
const WARMUP: usize = 100;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let url = broker_url();
    let name = format!("bench.confirm.{}", uuid::Uuid::now_v7().simple());

    let admin = Connection::connect(&url, ConnectionProperties::default())
        .await
        .unwrap();
    let channel = admin.create_channel().await.unwrap();
    let durable = ExchangeDeclareOptions {
        durable: true,
        ..ExchangeDeclareOptions::default()
    };
    channel
        .exchange_declare(
            name.as_str().into(),
            ExchangeKind::Topic,
            durable,
            FieldTable::default(),
        )
        .await
        .unwrap();
    let queue_options = QueueDeclareOptions {
        durable: true,
        ..QueueDeclareOptions::default()
    };
    channel
        .queue_declare(name.as_str().into(), queue_options, FieldTable::default())
        .await
        .unwrap();
    channel
        .queue_bind(
            name.as_str().into(),
            name.as_str().into(),
            "#".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();

    let publisher = Publisher::start(BrokerSettings::new(url.as_str(), name.as_str())).unwrap();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);

    let events: Arc<Vec<(CloudEvent, Vec<u8>)>> = Arc::new(
        (0..MESSAGES + WARMUP)
            .map(|n| {
                let id = uuid::Uuid::now_v7().to_string();
                let data = serde_json::json!({ "n": n, "total": "19.99", "currency": "EUR" });
                let event = CloudEvent::new(&id, "bench", "item.created", &n.to_string(), data);
                let body = serde_json::to_vec(&event).unwrap();
                (event, body)
            })
            .collect(),
    );
    println!(
        "{MESSAGES} persistent messages of {} bytes to a durable queue, debug_assertions={}",
        events[0].1.len(),
        cfg!(debug_assertions)
    );
    for (event, body) in &events[..WARMUP] {
        publisher.publish(&message(event, body)).await.unwrap();
    }

    let started = Instant::now();
    let mut latencies = Vec::with_capacity(MESSAGES);
    for (event, body) in &events[WARMUP..] {
        let sent = Instant::now();
        publisher.publish(&message(event, body)).await.unwrap();
        latencies.push(sent.elapsed());
    }
    report("sequential (1 in flight)", latencies, started.elapsed());

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..IN_FLIGHT {
        let publisher = publisher.clone();
        let events = Arc::clone(&events);
        tasks.spawn(async move {
            let mut latencies = Vec::new();
            for (event, body) in events[WARMUP..].iter().skip(task).step_by(IN_FLIGHT) {
                let sent = Instant::now();
                publisher.publish(&message(event, body)).await.unwrap();
                latencies.push(sent.elapsed());
            }
            latencies
        });
    }
    let mut latencies = Vec::with_capacity(MESSAGES);
    while let Some(task) = tasks.join_next().await {
        latencies.extend(task.unwrap());
    }
    report(
        &format!("pipelined ({IN_FLIGHT} in flight)"),
        latencies,
        started.elapsed(),
    );

    drop(publisher);
    channel
        .queue_delete(name.as_str().into(), QueueDeleteOptions::default())
        .await
        .unwrap();
    channel
        .exchange_delete(name.as_str().into(), ExchangeDeleteOptions::default())
        .await
        .unwrap();
    admin.close(200, "OK".into()).await.unwrap();
}

fn message<'a>(event: &'a CloudEvent, body: &'a [u8]) -> OutgoingMessage<'a> {
    OutgoingMessage {
        id: &event.id,
        routing_key: "item.created",
        event_type: &event.r#type,
        timestamp: event.time,
        body,
    }
}

fn report(label: &str, latencies: Vec<Duration>, total: Duration) {
    let rate = latencies.len() as f64 / total.as_secs_f64();
    println!("{label:<26} {}  {rate:>7.0} msg/s", percentiles(latencies));
}
