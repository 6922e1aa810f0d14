//! Broker outages, simulated with the test-support TCP proxy in front of the
//! real broker.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use {{crate_name}}_messaging::test_support::{Subscriber, TestEvent, broker_url, message_id};
use {{crate_name}}_messaging::test_support::{publish_bound, settings, unique};
use {{crate_name}}_messaging::{BrokerStatus, PublishError, Publisher};
use {{crate_name}}_persistence_model::test_support::TcpProxy;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn starts_while_the_broker_is_unreachable_and_connects_when_it_returns() {
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "#").await;
    let proxy = TcpProxy::to_server_of(&broker_url()).await;
    proxy.cut();
    let settings = settings(&proxy.url_for(&broker_url()), &exchange);
    let bound = publish_bound(&settings);

    let publisher = Publisher::start(settings).unwrap();
    assert!(!publisher.wait_connected(Duration::from_millis(500)).await);
    let BrokerStatus::Disconnected { last_error, .. } = publisher.status() else {
        panic!("connected through a cut proxy");
    };
    eprintln!("status while unreachable: {last_error:?}");
    assert!(!last_error.contains("guest:guest") && !last_error.contains("amqp://"));

    let lost = TestEvent::new(1);
    let started = Instant::now();
    let error = publisher.publish(&lost.message()).await.unwrap_err();
    let elapsed = started.elapsed();
    eprintln!("publish while unreachable failed after {elapsed:?}: {error}");
    assert!(
        matches!(error, PublishError::NotConnected { .. }),
        "{error}"
    );
    assert!(error.is_transient());
    assert!(elapsed < bound, "{elapsed:?} >= {bound:?}");

    let sent = TestEvent::new(2);
    let ids = restore_then_publish(&proxy, &publisher, &mut subscriber, &sent).await;
    assert_eq!(ids, vec![sent.event.id.clone()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recovers_after_the_connection_is_cut_without_a_restart() {
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "#").await;
    let proxy = TcpProxy::to_server_of(&broker_url()).await;
    let settings = settings(&proxy.url_for(&broker_url()), &exchange);
    let bound = publish_bound(&settings);
    let publisher = Publisher::start(settings).unwrap();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);
    let before = TestEvent::new(0);
    publisher.publish(&before.message()).await.unwrap();

    proxy.cut();
    let mut failed = Vec::new();
    for n in 1..=5 {
        let event = TestEvent::new(n);
        let started = Instant::now();
        let error = publisher.publish(&event.message()).await.unwrap_err();
        failed.push(event.event.id);
        let elapsed = started.elapsed();
        eprintln!("publish {n} during the cut failed after {elapsed:?}: {error:?}");
        assert!(
            matches!(
                error,
                PublishError::ConnectionLost { .. } | PublishError::NotConnected { .. }
            ),
            "{error:?}"
        );
        assert!(error.is_transient());
        assert!(elapsed < bound, "{elapsed:?} >= {bound:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(!publisher.status().is_connected());

    let after = TestEvent::new(6);
    let ids = restore_then_publish(&proxy, &publisher, &mut subscriber, &after).await;
    // A publish that failed may still have reached the broker (the cut can
    // fall between the frames and their confirm): at least once, never lost.
    let (first, rest) = ids.split_first().expect("nothing delivered");
    let (last, between) = rest.split_last().expect("one delivery only");
    assert_eq!((first, last), (&before.event.id, &after.event.id));
    assert!(between.iter().all(|id| failed.contains(id)), "{ids:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publishes_in_flight_when_the_connection_drops_end_within_the_bound() {
    const TASKS: usize = 8;
    const PER_TASK: usize = 100;
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "#").await;
    let proxy = TcpProxy::to_server_of(&broker_url()).await;
    let settings = settings(&proxy.url_for(&broker_url()), &exchange);
    let bound = publish_bound(&settings);
    let publisher = Publisher::start(settings).unwrap();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);

    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let publisher = publisher.clone();
        tasks.spawn(async move {
            let mut outcomes = Vec::new();
            for n in 0..PER_TASK {
                let event = TestEvent::new(task * PER_TASK + n);
                let started = Instant::now();
                let result = publisher.publish(&event.message()).await;
                let elapsed = started.elapsed();
                if result.is_err() {
                    // Like an outbox relay: back off a little, then go on.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                outcomes.push((event.event.id, result, elapsed));
            }
            outcomes
        });
    }
    tokio::time::sleep(Duration::from_millis(50)).await;
    proxy.cut();
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.restore();

    let mut acked = Vec::new();
    let (mut lost, mut not_connected, mut other) = (0, 0, Vec::new());
    let mut slowest = Duration::ZERO;
    while let Some(outcomes) = tasks.join_next().await {
        for (id, result, elapsed) in outcomes.unwrap() {
            slowest = slowest.max(elapsed);
            assert!(elapsed < bound, "{elapsed:?} >= {bound:?}");
            match result {
                Ok(()) => acked.push(id),
                Err(PublishError::ConnectionLost { .. }) => lost += 1,
                Err(PublishError::NotConnected { .. }) => not_connected += 1,
                Err(error) => other.push(error),
            }
        }
    }
    eprintln!(
        "{} acked, {lost} ConnectionLost, {not_connected} NotConnected, other {other:?}, slowest {slowest:?}",
        acked.len()
    );
    assert!(
        lost + not_connected + other.len() > 0,
        "the cut did not hit any publish"
    );
    assert!(other.iter().all(PublishError::is_transient));

    let received = delivered_ids(&mut subscriber).await;
    let distinct: std::collections::HashSet<&String> = received.iter().collect();
    assert_eq!(distinct.len(), received.len(), "duplicate deliveries");
    let missing: Vec<&String> = acked.iter().filter(|id| !distinct.contains(id)).collect();
    assert!(missing.is_empty(), "acked but never delivered: {missing:?}");
    eprintln!(
        "{} delivered ({} more than acked: acks lost in the cut)",
        received.len(),
        received.len() - acked.len()
    );
}

/// Restores the proxy, waits for the publisher to reconnect, publishes `event`
/// and returns the ids of everything the subscriber received.
async fn restore_then_publish(
    proxy: &TcpProxy,
    publisher: &Publisher,
    subscriber: &mut Subscriber,
    event: &TestEvent,
) -> Vec<String> {
    proxy.restore();
    let restored = Instant::now();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);
    eprintln!(
        "connected {:?} after the proxy was restored",
        restored.elapsed()
    );
    publisher.publish(&event.message()).await.unwrap();
    delivered_ids(subscriber).await
}

/// The message ids delivered until the queue stays quiet for a second.
async fn delivered_ids(subscriber: &mut Subscriber) -> Vec<String> {
    let deliveries = subscriber.drain(Duration::from_secs(1)).await;
    deliveries.iter().map(message_id).collect()
}
