//! The example subscriber end to end: events from the service's own
//! exchange, through its own queue, into the activity feed. Real broker,
//! real database; each test has its own exchange and queues.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{COLLECTION, TestApp, WAIT, metric, spawn_app_with, with_subscriber};

use {{crate_name}}_messaging::CloudEvent;
use {{crate_name}}_messaging::test_support::{dead_letters, header, publish_raw};
{%- unless database == "sqlite" %}
use {{crate_name}}_persistence_model::test_support::TcpProxy;
use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;
use {{crate_name}}_service::config::Secret;

use crate::helpers::spawn_app_on;
{%- endunless %}

/// A service consuming its own events.
async fn app_with_subscriber() -> TestApp {
    spawn_app_with(with_subscriber).await
}

fn feed_of(id: &str) -> String {
    format!("{COLLECTION}/{id}/activity")
}

/// Waits until the feed of `id` holds `count` records, and returns it.
async fn feed_with(app: &TestApp, id: &str, count: u64) -> Value {
    let feed = feed_of(id);
    let body = app.wait_for(&feed, |body| {
        let feed: Value = serde_json::from_str(body).unwrap_or_default();
        feed["total"].as_u64() >= Some(count)
    });
    serde_json::from_str(&body.await).unwrap()
}

/// The routing key of a `kind` event.
fn key(kind: &str) -> String {
    format!("{{aggregate}}.{kind}")
}

/// A CloudEvent of the {{aggregate}} `id`, as another instance would publish it.
fn event(id: &str, kind: &str, version: i64) -> (CloudEvent, Vec<u8>) {
    let event_id = uuid::Uuid::now_v7().to_string();
    let data = json!({ "id": id, "version": version });
    let event = CloudEvent::new(&event_id, "elsewhere", &key(kind), id, data);
    let body = serde_json::to_vec(&event).unwrap();
    (event, body)
}

fn consumed(metrics: &str, app: &TestApp, outcome: &str) -> f64 {
    let queue = format!("queue=\"{}\"", app.queue());
    let outcome = format!("outcome=\"{outcome}\"");
    metric(metrics, "consumer_messages_total", &[&queue, &outcome])
}

#[tokio::test]
async fn each_change_shows_in_the_feed_in_version_order() {
    let app = app_with_subscriber().await;
    let created = app.create_ok("Desk", 1250).await;
    let id = created["id"].as_str().unwrap();
    let feed = feed_with(&app, id, 1).await;
    assert_eq!(feed["items"][0]["kind"], "created", "{feed}");
    assert_eq!(feed["items"][0]["version"], 1);

    let active = json!({ "name": "Desk", "status": "active", "amount_cents": 990 });
    let updated = app.put(id, &active, Some("\"1\"")).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    feed_with(&app, id, 2).await;
    let second = format!("{}?page=2&page_size=1", feed_of(id));
    let second = app.get(&second).await.body;
    assert_eq!(second["items"][0]["kind"], "updated", "{second}");
    let (page, total) = (second["page"].as_u64(), second["total"].as_u64());
    assert_eq!((page, total), (Some(2), Some(2)), "{second}");
}

#[tokio::test]
async fn the_feed_refuses_bad_paging_and_unknown_ids() {
    let app = app_with_subscriber().await;
    let created = app.create_ok("Lamp", 100).await;
    let id = created["id"].as_str().unwrap();
    let zero = app.get(&format!("{}?page_size=0", feed_of(id))).await;
    zero.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app.get(&feed_of(&uuid::Uuid::now_v7().to_string())).await;
    unknown.assert_problem(StatusCode::NOT_FOUND);
    let not_a_uuid = app.get(&feed_of("42")).await;
    assert!(not_a_uuid.status.is_client_error(), "{}", not_a_uuid.body);
}

#[tokio::test]
async fn an_event_delivered_twice_is_recorded_once() {
    let app = app_with_subscriber().await;
    let created = app.create_ok("Chair", 500).await;
    let id = created["id"].as_str().unwrap();
    feed_with(&app, id, 1).await;

    let (event, body) = event(id, "updated", 2);
    for _ in 0..2 {
        publish_raw(app.exchange(), &key("updated"), &body, &event.id).await;
    }
    let metrics = app.wait_for("/metrics", |m| consumed(m, &app, "duplicate") >= 1.0);
    metrics.await;
    let feed = feed_with(&app, id, 2).await;
    assert_eq!(feed["total"], 2, "one record per event: {feed}");
    let items = feed["items"].as_array().unwrap();
    let event_id = event.id.as_str();
    let copies = items.iter().filter(|item| item["event_id"] == event_id);
    assert_eq!(copies.count(), 1, "{feed}");
}

#[tokio::test]
async fn poison_messages_are_dead_lettered_and_the_next_one_is_recorded() {
    let app = app_with_subscriber().await;
    let created = app.create_ok("Shelf", 700).await;
    let id = created["id"].as_str().unwrap();
    feed_with(&app, id, 1).await;

    let exchange = app.exchange();
    publish_raw(exchange, &key("updated"), b"not json", "poison-1").await;
    let (shipped, body) = event(id, "shipped", 2);
    publish_raw(exchange, &key("shipped"), &body, &shipped.id).await;
    let (good, body) = event(id, "updated", 2);
    publish_raw(exchange, &key("updated"), &body, &good.id).await;

    let dead = dead_letters(app.queue(), 2, WAIT).await;
    assert_eq!(dead.len(), 2, "both poison messages are dead-lettered");
    let reason = |letter| header(letter, "x-dead-letter-reason").unwrap_or_default();
    let reasons: Vec<String> = dead.iter().map(reason).collect();
    let has = |text| reasons.iter().any(|reason| reason.contains(text));
    assert!(has("not a CloudEvent") && has("shipped"), "{reasons:?}");
    let feed = feed_with(&app, id, 2).await;
    assert_eq!(feed["items"][1]["event_id"], good.id.as_str(), "{feed}");
}
{%- unless database == "sqlite" %}

#[tokio::test]
async fn a_message_handled_while_the_database_is_away_is_retried_then_recorded_once() {
    let database = TestDatabase::create().await;
    let proxy = TcpProxy::to_server_of(database.url()).await;
    let url = proxy.url_for(database.url());
    let app = spawn_app_on(database, |settings| {
        settings.database.url = Secret::new(url);
        settings.database.acquire_timeout_ms = 200;
        with_subscriber(settings);
        settings.rabbitmq.subscriber.max_retries = 100;
    })
    .await;
    let created = app.create_ok("Stool", 300).await;
    let id = created["id"].as_str().unwrap();
    feed_with(&app, id, 1).await;

    proxy.cut();
    let (event, body) = event(id, "updated", 2);
    publish_raw(app.exchange(), &key("updated"), &body, &event.id).await;
    let retried = app.wait_for("/metrics", |m| consumed(m, &app, "retried") >= 1.0);
    retried.await;
    proxy.restore();

    let feed = feed_with(&app, id, 2).await;
    assert_eq!(feed["total"], 2, "{feed}");
    assert_eq!(feed["items"][1]["event_id"], event.id.as_str(), "{feed}");
    let quiet = std::time::Duration::from_millis(300);
    assert!(dead_letters(app.queue(), 1, quiet).await.is_empty());
}
{%- endunless %}
