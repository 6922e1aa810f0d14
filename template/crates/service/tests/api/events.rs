//! Domain events through the outbox to RabbitMQ: what a queue bound to the
//! service's exchange receives, with a real broker and a real database. Each
//! test has its own exchange and queue, deleted afterwards.

use std::collections::HashSet;
use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{
    COLLECTION, TestApp, WAIT, metric, settings_for, spawn_app_with, with_broker,
};

use {{crate_name}}_messaging::test_support::{Delivery, Subscriber, broker_url, message_id, unique};
use {{crate_name}}_messaging::{CONTENT_TYPE, CloudEvent};
use {{crate_name}}_persistence_model::test_support::TcpProxy;
use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;
use {{crate_name}}_service::config::Secret;
use {{crate_name}}_service::startup::Application;

/// A service whose events go to a new exchange, and a queue bound to it.
async fn app_and_subscriber() -> (TestApp, Subscriber) {
    let exchange = unique("exchange");
    let subscriber = Subscriber::bind(&exchange, "#").await;
    let app = spawn_app_with(|settings| settings.rabbitmq.exchange = exchange).await;
    (app, subscriber)
}

/// The next `count` deliveries; fails if they do not all come in time.
async fn receive(subscriber: &mut Subscriber, count: usize) -> Vec<Delivery> {
    let mut deliveries = Vec::new();
    while deliveries.len() < count {
        let Some(delivery) = subscriber.next(WAIT).await else {
            panic!("{} of {count} events arrived", deliveries.len());
        };
        deliveries.push(delivery);
    }
    deliveries
}

fn cloud_event(delivery: &Delivery) -> CloudEvent {
    serde_json::from_slice(&delivery.data).expect("the body is a CloudEvent")
}

#[tokio::test]
async fn create_update_and_delete_arrive_as_cloud_events() {
    let (app, mut subscriber) = app_and_subscriber().await;
    let created = app.create_ok("Desk", 1250).await;
    let id = created["id"].as_str().unwrap();
    let active = json!({ "name": "Table", "status": "active", "amount_cents": 990 });
    let updated = app.put(id, &active, Some("\"1\"")).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    let uri = format!("{COLLECTION}/{id}");
    let deleted = app.request(Method::DELETE, &uri, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT, "{}", deleted.body);

    let deliveries = receive(&mut subscriber, 3).await;
    let keys: Vec<&str> = deliveries.iter().map(|d| d.routing_key.as_str()).collect();
    let expected = ["created", "updated", "deleted"].map(|kind| format!("{{aggregate}}.{kind}"));
    assert_eq!(keys, expected);
    let events: Vec<CloudEvent> = deliveries.iter().map(cloud_event).collect();
    for (delivery, event) in deliveries.iter().zip(&events) {
        assert_eq!(event.specversion, "1.0");
        assert_eq!(event.source, "/{{project-name}}");
        assert_eq!(event.subject, id);
        assert_eq!(event.datacontenttype, "application/json");
        assert_eq!(message_id(delivery), event.id, "message_id is the event id");
        let properties = &delivery.properties;
        let content_type = properties.content_type().as_ref().unwrap();
        assert_eq!(content_type.as_str(), CONTENT_TYPE);
        assert_eq!(properties.kind().as_ref().unwrap().as_str(), event.r#type);
        assert_eq!(*properties.delivery_mode(), Some(2), "persistent");
        assert!(properties.timestamp().is_some());
    }
    assert_eq!(events[0].r#type, "{{project-name}}.{{aggregate}}.created");
    assert_eq!(events[0].data["name"], "Desk");
    assert_eq!(events[0].data["amount_cents"], 1250);
    assert_eq!(events[0].data["status"], "draft");
    assert_eq!(events[0].data["version"], 1);
    assert_eq!(events[1].r#type, "{{project-name}}.{{aggregate}}.updated");
    assert_eq!(events[1].data["name"], "Table", "the new values");
    assert_eq!(events[1].data["status"], "active");
    assert_eq!(events[1].data["version"], 2);
    assert_eq!(events[2].r#type, "{{project-name}}.{{aggregate}}.deleted");
    assert_eq!(events[2].data["id"], id);
    assert_eq!(events[2].data["version"], 3);
    let ids: HashSet<&str> = events.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "every event has its own id");
}

#[tokio::test]
async fn a_refused_change_publishes_nothing() {
    let (app, mut subscriber) = app_and_subscriber().await;
    let created = app.create_ok("Desk", 1).await;
    let id = created["id"].as_str().unwrap();
    // Each of these starts a unit of work that rolls back.
    let same_name = json!({ "name": "Desk", "amount_cents": 2 });
    let same_name = app.create(&same_name).await;
    assert_eq!(same_name.status, StatusCode::CONFLICT);
    let change = json!({ "name": "Chair", "status": "active", "amount_cents": 2 });
    let stale = app.put(id, &change, Some("\"9\"")).await;
    assert_eq!(stale.status, StatusCode::PRECONDITION_FAILED);

    let deliveries = subscriber.drain(Duration::from_secs(2)).await;
    let keys: Vec<&str> = deliveries.iter().map(|d| d.routing_key.as_str()).collect();
    assert_eq!(keys, ["{{aggregate}}.created"]);
}

#[tokio::test]
async fn one_aggregates_events_arrive_in_version_order() {
    let (app, mut subscriber) = app_and_subscriber().await;
    let created = app.create_ok("Desk", 1).await;
    let id = created["id"].as_str().unwrap();
    for cents in 2..=20 {
        let change = json!({ "name": "Desk", "status": "active", "amount_cents": cents });
        assert_eq!(app.put(id, &change, None).await.status, StatusCode::OK);
    }
    let versions: Vec<i64> = receive(&mut subscriber, 20)
        .await
        .iter()
        .map(|delivery| cloud_event(delivery).data["version"].as_i64().unwrap())
        .collect();
    assert_eq!(versions, (1..=20).collect::<Vec<_>>());
}

#[tokio::test]
async fn two_relays_on_one_database_publish_each_event_once() {
    const EVENTS: usize = 200;
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "#").await;
    let database = TestDatabase::create().await;
    let mut instances = Vec::new();
    let mut running = Vec::new();
    for _ in 0..2 {
        let mut settings = settings_for(&database);
        with_broker(&mut settings, &exchange);
        settings.rabbitmq.batch_size = 10;
        let app = Application::build(settings).await.unwrap();
        app.ready().await.unwrap();
        instances.push(TestApp::from_router(app.router()));
        running.push(app);
    }
    // Both instances take writes, so both relays are woken and both poll.
    for n in 0..EVENTS {
        let body = json!({ "name": format!("item {n}"), "amount_cents": n });
        let response = instances[n % 2].create(&body).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
    }
    let mut deliveries = receive(&mut subscriber, EVENTS).await;
    deliveries.extend(subscriber.drain(Duration::from_secs(2)).await);
    let ids: HashSet<String> = deliveries.iter().map(message_id).collect();
    assert_eq!(ids.len(), EVENTS, "every event published");
    assert_eq!(deliveries.len(), EVENTS, "none published twice");
}

#[tokio::test]
async fn writes_go_on_while_the_broker_is_away_and_every_event_follows() {
    let broker = broker_url();
    let proxy = TcpProxy::to_server_of(&broker).await;
    let exchange = unique("exchange");
    let mut subscriber = Subscriber::bind(&exchange, "#").await;
    let app = spawn_app_with(|settings| {
        settings.rabbitmq.url = Secret::new(proxy.url_for(&broker));
        settings.rabbitmq.exchange = exchange;
    })
    .await;

    proxy.cut();
    for n in 0..10 {
        let body = json!({ "name": format!("item {n}"), "amount_cents": n });
        assert_eq!(app.create(&body).await.status, StatusCode::CREATED);
    }
    // Ready stays 200 and names the broker as degraded; the backlog shows.
    let degraded = app.wait_for("/health/ready", |body| body.contains("degraded"));
    let degraded = degraded.await;
    assert!(degraded.contains("message_broker"), "{degraded}");
    let metrics = app.wait_for("/metrics", |body| backlog(body) >= 10.0).await;
    let age = "outbox_oldest_pending_age_seconds";
    assert!(metrics.contains(age), "{metrics}");
    let early = subscriber.drain(Duration::from_millis(500)).await;
    assert!(early.is_empty(), "{} events through a cut", early.len());

    proxy.restore();
    let deliveries = receive(&mut subscriber, 10).await;
    let ids: HashSet<String> = deliveries.iter().map(message_id).collect();
    assert_eq!(ids.len(), 10);
    app.wait_for("/metrics", |body| backlog(body) == 0.0).await;
}

/// The `outbox_backlog` gauge in a Prometheus text body.
fn backlog(metrics: &str) -> f64 {
    metric(metrics, "outbox_backlog", &[])
}
{%- if database == "mongodb" %}

#[tokio::test]
async fn mongodb_without_transactions_refuses_to_start() {
    let database = TestDatabase::create().await;
    let mut settings = settings_for(&database);
    settings.mongodb.transactions = false;
    let refused = Application::build(settings).await.unwrap_err();
    let message = format!("{refused:#}");
    let refusal = "cannot be used with the message bus";
    assert!(message.contains(refusal), "{message}");
}
{%- endif %}
