//! Commit-to-delivery latency through the whole event path: a unit of work
//! commits {{an_aggregate}} with its event, the commit wakes the relay, the relay
//! claims, publishes and waits for the broker's confirm, and a queue bound to
//! the exchange receives the message. One event at a time, so each figure is
//! the latency of an idle system, not of a queue.
//!
//! `cargo bench -p {{project-name}}-messaging --bench commit_to_delivery`; the broker is
//! `TEST_AMQP_URL` (default: RabbitMQ on localhost). The store is the in-memory
//! one, so the figures leave out the database's claim and mark round trips
//! (a few milliseconds on a local server). Prints figures; asserts nothing
//! about them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;

use {{crate_name}}_entity_model::{Amount, Name};
use {{crate_name}}_messaging::test_support::{Subscriber, broker_url, percentiles, unique};
use {{crate_name}}_messaging::{BrokerSettings, Publisher, Relay, RelaySettings};
use {{crate_name}}_persistence_model::Store;
use {{crate_name}}_persistence_model::in_memory::InMemoryStore;

use {{crate_name}}_entity_model::{{Aggregate}};

const EVENTS: usize = 1000;
const WARMUP: usize = 50;

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let exchange = unique("bench");
    let mut subscriber = Subscriber::bind(&exchange, "#").await;
    let publisher = Publisher::start(BrokerSettings::new(broker_url(), exchange.as_str())).unwrap();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let settings = RelaySettings {
        service: "bench".to_owned(),
        batch_size: 100,
        // Only the commit's wake-up should start a round.
        poll_interval: Duration::from_secs(60),
        lease: Duration::from_secs(30),
        retention: Duration::from_secs(3600),
        retry_min: Duration::from_millis(200),
        retry_max: Duration::from_secs(5),
    };
    let relay = Relay::new(store.clone(), publisher, settings);
    tokio::spawn(relay.run(std::future::pending()));

    let mut latencies = Vec::with_capacity(EVENTS);
    let started = Instant::now();
    for n in 0..WARMUP + EVENTS {
        let name = Name::parse(&format!("bench {n}")).unwrap();
        let amount = Amount::from_cents(100).unwrap();
        let mut aggregate = {{Aggregate}}::create(name, None, amount, Utc::now());
        let committed = Instant::now();
        let mut uow = store.begin().await.unwrap();
        uow.{{aggregates}}().insert(&aggregate).await.unwrap();
        uow.record(aggregate.take_domain_events());
        uow.commit().await.unwrap();
        let delivered = subscriber.next(Duration::from_secs(10)).await;
        assert!(delivered.is_some(), "event {n} was not delivered");
        if n >= WARMUP {
            latencies.push(committed.elapsed());
        }
    }
    report(latencies, started.elapsed());
}

fn report(latencies: Vec<Duration>, total: Duration) {
    println!(
        "{} events, commit to delivery: {}  ({:.1} s, debug_assertions={})",
        latencies.len(),
        percentiles(latencies),
        total.as_secs_f64(),
        cfg!(debug_assertions)
    );
}
