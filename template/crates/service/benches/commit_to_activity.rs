//! API commit to activity record: the whole loop of the example subscriber. A
//! create answered 201 has committed {{an_aggregate}} with its event; the relay
//! publishes it, the subscriber consumes it and commits the activity record
//! with its inbox entry, and the feed shows it. One create at a time, so each
//! figure is the latency of an idle system, not of a queue.
//!
//! `cargo bench -p {{project-name}}-service --bench commit_to_activity`, against the
//! broker at `TEST_AMQP_URL` and the database at `TEST_DATABASE_URL` (both as
//! for the tests; SQLite, RabbitMQ on localhost by default). Prints figures;
//! asserts nothing about them.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::{DateTime, Utc};
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tower::ServiceExt;

use {{crate_name}}_messaging::test_support::{Cleanup, broker_url, percentiles, unique};
use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;
use {{crate_name}}_service::config::{Secret, Settings};
use {{crate_name}}_service::startup::Application;

const CREATES: usize = 300;
const WARMUP: usize = 20;
const COLLECTION: &str = "/api/v1/{{aggregate_route}}";

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let database = TestDatabase::create().await;
    let (exchange, queue) = (unique("bench"), unique("bench-activity"));
    let _exchange = Cleanup::exchange(&exchange);
    let _queues = Cleanup::topology(&queue);
    let mut settings = Settings::defaults().unwrap();
    settings.server.port = 0;
    settings.database.url = Secret::new(database.url());
    settings.rabbitmq.url = Secret::new(broker_url());
    settings.rabbitmq.exchange = exchange;
    settings.rabbitmq.subscriber.queue = queue;
    // Declared last, so dropped first: its subscriber stops before the cleanup.
    let app = Application::build(settings).await.unwrap();
    app.ready().await.unwrap();
    let router = app.router();
    wait_until_connected(&router).await;

    let mut seen = Vec::new();
    let mut stamped = Vec::new();
    for n in 0..WARMUP + CREATES {
        let body = json!({ "name": format!("bench {n}"), "amount_cents": n });
        let (status, created) = call(&router, Method::POST, COLLECTION, Some(&body)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let committed = Instant::now();
        let id = created["id"].as_str().unwrap();
        let record = first_record(&router, id).await;
        if n >= WARMUP {
            seen.push(committed.elapsed());
            stamped.push(service_latency(&record));
        }
    }
    println!("commit_to_activity: {CREATES} creates one at a time, {{database}}");
    let (seen, stamped) = (percentiles(seen), percentiles(stamped));
    println!("  201 to record in the feed (client):  {seen}");
    println!("  event time to recorded_at (service): {stamped}");
}

/// Polls the feed of `id` until it holds a record; returns it.
async fn first_record(router: &Router, id: &str) -> Value {
    let uri = format!("{COLLECTION}/{id}/activity");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, feed) = call(router, Method::GET, &uri, None).await;
        assert_eq!(status, StatusCode::OK, "{feed}");
        if let Some(record) = feed["items"].get(0) {
            return record.clone();
        }
        assert!(Instant::now() < deadline, "no record for {id}");
        tokio::time::sleep(Duration::from_micros(200)).await;
    }
}

/// `recorded_at - occurred_at`, as the service stamped them.
fn service_latency(record: &Value) -> Duration {
    let time = |field: &str| {
        let text = record[field].as_str().unwrap();
        text.parse::<DateTime<Utc>>().unwrap()
    };
    let elapsed = time("recorded_at") - time("occurred_at");
    elapsed.to_std().unwrap_or_default()
}

async fn wait_until_connected(router: &Router) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, health) = call(router, Method::GET, "/health/ready", None).await;
        if health["status"] == "up" {
            return;
        }
        let in_time = Instant::now() < deadline;
        assert!(in_time, "the broker never connected: {health}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn call(
    router: &Router,
    method: Method,
    uri: &str,
    json: Option<&Value>,
) -> (StatusCode, Value) {
    let mut request = Request::builder().method(method).uri(uri);
    let body = match json {
        Some(json) => {
            request = request.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        None => Body::empty(),
    };
    let request = request.body(body).unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (status, body)
}
