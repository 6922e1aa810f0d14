//! Publishing against the real broker (`TEST_AMQP_URL`, default RabbitMQ on
//! localhost).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use {{crate_name}}_messaging::test_support::{Subscriber, TestEvent, broker_url, message_id};
use {{crate_name}}_messaging::test_support::{settings, unique};
use {{crate_name}}_messaging::{BrokerStatus, CONTENT_TYPE, CloudEvent, OutgoingMessage};
use {{crate_name}}_messaging::{PublishError, Publisher};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_delivers_the_cloud_event_with_its_amqp_properties() {
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "item.*").await;
    let publisher = Publisher::start(settings(&broker_url(), &exchange)).unwrap();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);
    assert_eq!(publisher.status(), BrokerStatus::Connected);

    let sent = TestEvent::new(1);
    publisher.publish(&sent.message()).await.unwrap();

    let delivery = subscriber
        .next(Duration::from_secs(5))
        .await
        .expect("no delivery");
    let properties = &delivery.properties;
    assert_eq!(delivery.exchange.as_str(), exchange);
    assert_eq!(delivery.routing_key.as_str(), "item.created");
    assert_eq!(message_id(&delivery), sent.event.id);
    assert_eq!(
        properties.kind().as_ref().map(|t| t.as_str()),
        Some("test-service.item.created")
    );
    assert_eq!(
        properties.content_type().as_ref().map(|t| t.as_str()),
        Some(CONTENT_TYPE)
    );
    assert_eq!(*properties.delivery_mode(), Some(2));
    assert_eq!(
        *properties.timestamp(),
        Some(sent.event.time.timestamp() as u64)
    );
    let received: CloudEvent = serde_json::from_slice(&delivery.data).unwrap();
    assert_eq!(received, sent.event);
    assert_eq!(received.specversion, "1.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unroutable_messages_are_acked_and_bad_fields_are_rejected_before_sending() {
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "item.*").await;
    let publisher = Publisher::start(settings(&broker_url(), &exchange)).unwrap();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);
    let event = TestEvent::new(2);

    // Nobody subscribes to customer.*: not an error (no `mandatory`).
    let unroutable = OutgoingMessage {
        routing_key: "customer.created",
        ..event.message()
    };
    publisher.publish(&unroutable).await.unwrap();
    assert!(subscriber.next(Duration::from_millis(500)).await.is_none());

    let long_key = "k".repeat(256);
    let error = publisher
        .publish(&OutgoingMessage {
            routing_key: &long_key,
            ..event.message()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            PublishError::InvalidMessage {
                field: "routing_key",
                ..
            }
        ),
        "{error}"
    );
    assert!(!error.is_transient());
    // The publisher is still usable afterwards.
    publisher.publish(&event.message()).await.unwrap();
    assert!(subscriber.next(Duration::from_secs(5)).await.is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_publishes_are_all_acked_and_arrive_exactly_once() {
    const MESSAGES: usize = 200;
    const TASKS: usize = 8;
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "#").await;
    let publisher = Publisher::start(settings(&broker_url(), &exchange)).unwrap();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);

    let events: Arc<Vec<TestEvent>> = Arc::new((0..MESSAGES).map(TestEvent::new).collect());
    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for task in 0..TASKS {
        let publisher = publisher.clone();
        let events = Arc::clone(&events);
        tasks.spawn(async move {
            for event in events.iter().skip(task).step_by(TASKS) {
                publisher.publish(&event.message()).await?;
            }
            Ok::<_, PublishError>(())
        });
    }
    while let Some(result) = tasks.join_next().await {
        result.unwrap().unwrap();
    }
    let elapsed = started.elapsed();
    eprintln!("{MESSAGES} publishes from {TASKS} tasks acked in {elapsed:?}");

    let deliveries = subscriber.drain(Duration::from_secs(1)).await;
    let ids: Vec<String> = deliveries.iter().map(message_id).collect();
    let unique_ids: HashSet<&String> = ids.iter().collect();
    let expected: HashSet<&String> = events.iter().map(|e| &e.event.id).collect();
    assert_eq!(ids.len(), MESSAGES, "deliveries (duplicates count twice)");
    assert_eq!(unique_ids, expected);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_login_is_reported_without_the_password() {
    let exchange = unique("exchange");
    let mut settings = settings(&broker_url(), &exchange);
    let mut wrong = url::Url::parse(&broker_url()).unwrap();
    wrong.set_password(Some("not-the-Pa55word")).unwrap();
    settings.url = wrong.to_string();
    let publisher = Publisher::start(settings).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    let last_error = loop {
        match publisher.status() {
            BrokerStatus::Disconnected { last_error, .. } if last_error != "not connected yet" => {
                break last_error;
            }
            BrokerStatus::Connected => panic!("connected with a wrong password"),
            BrokerStatus::Disconnected { .. } => {}
        }
        assert!(Instant::now() < deadline, "no connect attempt failed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    eprintln!("status.last_error = {last_error:?}");
    let error = publisher
        .publish(&TestEvent::new(3).message())
        .await
        .unwrap_err();
    for text in [last_error, error.to_string(), format!("{publisher:?}")] {
        assert!(!text.contains("Pa55word"), "{text}");
    }
}

/// The template's tests default to `#[tokio::test]` (current-thread runtime);
/// lapin drives its socket from its own thread through the runtime handle.
#[tokio::test]
async fn works_on_a_current_thread_runtime() {
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "#").await;
    let publisher = Publisher::start(settings(&broker_url(), &exchange)).unwrap();
    assert!(publisher.wait_connected(Duration::from_secs(10)).await);
    let event = TestEvent::new(7);
    publisher.publish(&event.message()).await.unwrap();
    let delivery = subscriber
        .next(Duration::from_secs(5))
        .await
        .expect("no delivery");
    assert_eq!(message_id(&delivery), event.event.id);
}
