//! `spawn_app`: a fully built service on its own database, and typed request
//! helpers that call the router directly.

use std::sync::Arc;
{%- if message_bus == "rabbitmq" %}
use std::time::Duration;
{%- endif %}

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use http_body_util::BodyExt;
use serde_json::Value;
use tower::ServiceExt;
{% if message_bus == "rabbitmq" %}
use {{crate_name}}_messaging::test_support::{Cleanup, broker_url, unique};
{%- endif %}
use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;
use {{crate_name}}_service::config::{Secret, Settings};
use {{crate_name}}_service::startup::Application;

pub const COLLECTION: &str = "/api/v1/{{aggregate_route}}";

/// A client of one application; clones share it (and its database).
///
/// Fields drop in this order: the application first, which stops its
/// background work, then what that work used.
#[derive(Clone)]
pub struct TestApp {
    router: Router,
    /// `None` when the test owns the application.
    _app: Option<Arc<Application>>,
{%- if message_bus == "rabbitmq" %}
    /// The exchange it publishes to and its subscriber's queue.
    names: Arc<(String, String)>,
    /// The subscriber's queues, deleted with the last clone.
    _topology: Option<Arc<Cleanup>>,
    /// The test's own exchange, deleted with the last clone.
    _exchange: Option<Arc<Cleanup>>,
{%- endif %}
    /// Dropped with the last clone; `None` when the test owns the database.
    _database: Option<Arc<TestDatabase>>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct TestResponse {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: Value,
}

impl TestResponse {
    pub fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("response has no {name} header"))
    }

    /// Asserts a problem+json error with this status.
    pub fn assert_problem(&self, status: StatusCode) {
        assert_eq!(self.status, status, "body: {}", self.body);
        assert_eq!(
            self.header(header::CONTENT_TYPE),
            "application/problem+json"
        );
        assert_eq!(self.body["status"], status.as_u16());
        assert!(self.body["detail"].as_str().is_some_and(|d| !d.is_empty()));
    }
}

/// Settings for an instance on the database at `url`, listening on a free port.
{%- if message_bus == "rabbitmq" %}
/// It publishes nowhere (its events wait in the outbox, readiness shows the
/// broker as degraded), so a test that does not look at events leaves no
/// exchange behind; [`with_broker`] connects it.
{%- endif %}
pub fn settings_for_url(url: &str) -> Settings {
    let mut settings = Settings::defaults().expect("the built-in settings load");
    settings.server.port = 0;
    settings.database.url = Secret::new(url);
{%- if message_bus == "rabbitmq" %}
    settings.rabbitmq.url = Secret::new(NO_BROKER);
    // Commits wake the relay; polling only matters for other instances.
    settings.rabbitmq.poll_interval_ms = 100;
    // Tests that consume give it a queue of their own (`with_subscriber`).
    settings.rabbitmq.subscriber.enabled = false;
{%- endif %}
    settings
}
{%- if message_bus == "rabbitmq" %}

/// A broker address where nothing listens (port 1 refuses at once).
pub const NO_BROKER: &str = "amqp://guest:guest@127.0.0.1:1/%2f";

/// Points `settings` at the test broker, publishing to `exchange`; the test
/// deletes the exchange afterwards (a [`Subscriber`] or a [`Cleanup`] does).
///
/// [`Subscriber`]: {{crate_name}}_messaging::test_support::Subscriber
pub fn with_broker(settings: &mut Settings, exchange: &str) {
    settings.rabbitmq.url = Secret::new(broker_url());
    settings.rabbitmq.exchange = exchange.to_owned();
}
{%- endif %}

/// Settings for an instance on `database`, listening on a free port.
pub fn settings_for(database: &TestDatabase) -> Settings {
    settings_for_url(database.url())
}

/// A started, ready service on a fresh database.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// A started, ready service on a fresh database, with `change` applied to its
/// settings.
pub async fn spawn_app_with(change: impl FnOnce(&mut Settings)) -> TestApp {
    let database = TestDatabase::create().await;
    spawn_app_on(database, change).await
}

/// A started, ready service on `database`, with `change` applied to its
/// settings.
pub async fn spawn_app_on(database: TestDatabase, change: impl FnOnce(&mut Settings)) -> TestApp {
    let mut settings = settings_for(&database);
{%- if message_bus == "rabbitmq" %}
    with_broker(&mut settings, &unique("exchange"));
{%- endif %}
    change(&mut settings);
{%- if message_bus == "rabbitmq" %}
    let exchange = Cleanup::exchange(&settings.rabbitmq.exchange);
    let subscriber = &settings.rabbitmq.subscriber;
    let queue = &subscriber.queue;
    let topology = subscriber.enabled.then(|| Cleanup::topology(queue));
    let names = (settings.rabbitmq.exchange.clone(), subscriber.queue.clone());
{%- endif %}
    let app = Application::build(settings)
        .await
        .expect("the application builds");
    app.ready()
        .await
        .expect("the application starts on a fresh database");
{%- if message_bus == "rabbitmq" %}
    let app = TestApp {
        router: app.router(),
        _app: Some(Arc::new(app)),
        names: Arc::new(names),
        _topology: topology.map(Arc::new),
        _exchange: Some(Arc::new(exchange)),
        _database: Some(Arc::new(database)),
    };
    app.wait_for_the_broker().await;
    app
{%- else %}
    TestApp {
        router: app.router(),
        _app: Some(Arc::new(app)),
        _database: Some(Arc::new(database)),
    }
{%- endif %}
}
{%- if message_bus == "rabbitmq" %}

/// Turns the example subscriber on, on a queue of the test's own (deleted
/// with the app), retrying quickly.
pub fn with_subscriber(settings: &mut Settings) {
    let subscriber = &mut settings.rabbitmq.subscriber;
    subscriber.enabled = true;
    subscriber.queue = unique("activity");
    subscriber.retry_delay_ms = 100;
}

/// Long enough for a slow CI machine; a delivery normally takes milliseconds.
pub const WAIT: Duration = Duration::from_secs(15);

/// The value of the Prometheus sample `name` whose labels include `labels`
/// (`queue="q"`), in a `/metrics` body; 0 when absent.
pub fn metric(body: &str, name: &str, labels: &[&str]) -> f64 {
    let sample = body.lines().find(|line| {
        let Some(rest) = line.strip_prefix(name) else {
            return false;
        };
        let (series, _value) = rest.rsplit_once(' ').unwrap_or((rest, ""));
        let labelled = series.is_empty() || series.starts_with('{');
        labelled && labels.iter().all(|label| series.contains(label))
    });
    let value = sample.and_then(|line| line.rsplit(' ').next());
    value.and_then(|value| value.parse().ok()).unwrap_or(0.0)
}
{%- endif %}

impl TestApp {
    /// Requests to an application the test built itself.
    pub fn from_router(router: Router) -> Self {
        Self {
            router,
            _app: None,
{%- if message_bus == "rabbitmq" %}
            names: Arc::default(),
            _topology: None,
            _exchange: None,
{%- endif %}
            _database: None,
        }
    }
{%- if message_bus == "rabbitmq" %}

    /// The broker connects in the background: waits until readiness shows it
    /// up, so that tests start from a connected relay.
    pub async fn wait_for_the_broker(&self) {
        let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let ready = self.get("/health/ready").await;
            if ready.body["status"] == "up" {
                return;
            }
            let in_time = tokio::time::Instant::now() < deadline;
            assert!(in_time, "the broker never connected: {}", ready.body);
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }

    /// The exchange the application publishes to.
    pub fn exchange(&self) -> &str {
        &self.names.0
    }

    /// Its subscriber's queue.
    pub fn queue(&self) -> &str {
        &self.names.1
    }

    /// GETs `uri` until `done` holds for its body (200 expected), or fails
    /// after [`WAIT`]. A 503 is waited out: a database that came back is
    /// found again by the driver's next check, not at once.
    pub async fn wait_for(&self, uri: &str, done: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let response = self.get(uri).await;
            let unavailable = response.status == StatusCode::SERVICE_UNAVAILABLE;
            if !unavailable {
                assert_eq!(response.status, StatusCode::OK, "{}", response.body);
            }
            let body = match &response.body {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            if !unavailable && done(&body) {
                return body;
            }
            let in_time = tokio::time::Instant::now() < deadline;
            assert!(in_time, "{uri} never matched: {body}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
{%- endif %}

    pub async fn send(&self, request: Request<Body>) -> TestResponse {
        read(self.router.clone().oneshot(request).await.unwrap()).await
    }

    pub async fn request(&self, method: Method, uri: &str, json: Option<&Value>) -> TestResponse {
        let mut builder = Request::builder().method(method).uri(uri);
        let body = match json {
            Some(json) => {
                builder = builder.header(header::CONTENT_TYPE, "application/json");
                Body::from(json.to_string())
            }
            None => Body::empty(),
        };
        self.send(builder.body(body).unwrap()).await
    }

    pub async fn get(&self, uri: &str) -> TestResponse {
        self.request(Method::GET, uri, None).await
    }

{%- if message_bus == "rabbitmq" or database != "sqlite" %}

    /// Creates {{an_aggregate}}: the first aggregate is the resource the tests of
    /// the service's own behaviour use.
    pub async fn create(&self, json: &Value) -> TestResponse {
        self.create_at(COLLECTION, json).await
    }
{%- endif %}

    pub async fn create_at(&self, collection: &str, json: &Value) -> TestResponse {
        self.request(Method::POST, collection, Some(json)).await
    }

{%- if message_bus == "rabbitmq" or database != "sqlite" %}

    /// Creates one {{aggregate_title}} and returns its body, asserting success.
    pub async fn create_ok(&self, name: &str, amount_cents: i64) -> Value {
        self.create_ok_at(COLLECTION, name, amount_cents).await
    }
{%- endif %}

    /// Creates one in `collection` and returns its body, asserting success.
    pub async fn create_ok_at(&self, collection: &str, name: &str, amount_cents: i64) -> Value {
        let json = serde_json::json!({ "name": name, "amount_cents": amount_cents });
        let response = self.create_at(collection, &json).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        response.body
    }

{%- if message_bus == "rabbitmq" or database == "mongodb" %}

    pub async fn put(&self, id: &str, json: &Value, if_match: Option<&str>) -> TestResponse {
        self.put_at(COLLECTION, id, json, if_match).await
    }
{%- endif %}

    pub async fn put_at(
        &self,
        collection: &str,
        id: &str,
        json: &Value,
        if_match: Option<&str>,
    ) -> TestResponse {
        let mut builder = Request::builder()
            .method(Method::PUT)
            .uri(format!("{collection}/{id}"))
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(tag) = if_match {
            builder = builder.header(header::IF_MATCH, tag);
        }
        self.send(builder.body(Body::from(json.to_string())).unwrap())
            .await
    }
}

async fn read(response: axum::response::Response) -> TestResponse {
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes)
            .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    TestResponse {
        status,
        headers,
        body,
    }
}
