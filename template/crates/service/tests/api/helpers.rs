//! `spawn_app`: a fully built service on its own database, and typed request
//! helpers that call the router directly.

use std::sync::Arc;

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
#[derive(Clone)]
pub struct TestApp {
    router: Router,
    /// Dropped with the last clone; `None` when the test owns the database.
    _database: Option<Arc<TestDatabase>>,
{%- if message_bus == "rabbitmq" %}
    /// The test's own exchange, deleted with the last clone.
    _exchange: Option<Arc<Cleanup>>,
{%- endif %}
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
{%- endif %}
    settings
}
{%- if message_bus == "rabbitmq" %}

/// A broker address where nothing listens (port 1 refuses at once).
const NO_BROKER: &str = "amqp://guest:guest@127.0.0.1:1/%2f";

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
    let mut settings = settings_for(&database);
{%- if message_bus == "rabbitmq" %}
    with_broker(&mut settings, &unique("exchange"));
{%- endif %}
    change(&mut settings);
{%- if message_bus == "rabbitmq" %}
    let exchange = Cleanup::exchange(&settings.rabbitmq.exchange);
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
        _database: Some(Arc::new(database)),
        _exchange: Some(Arc::new(exchange)),
    };
    app.wait_for_the_broker().await;
    app
{%- else %}
    TestApp {
        router: app.router(),
        _database: Some(Arc::new(database)),
    }
{%- endif %}
}

impl TestApp {
    /// Requests to an application the test built itself.
    pub fn from_router(router: Router) -> Self {
        Self {
            router,
            _database: None,
{%- if message_bus == "rabbitmq" %}
            _exchange: None,
{%- endif %}
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

    pub async fn create(&self, json: &Value) -> TestResponse {
        self.request(Method::POST, COLLECTION, Some(json)).await
    }

    /// Creates one and returns its body, asserting success.
    pub async fn create_ok(&self, name: &str, amount_cents: i64) -> Value {
        let json = serde_json::json!({ "name": name, "amount_cents": amount_cents });
        let response = self.create(&json).await;
        assert_eq!(response.status, StatusCode::CREATED, "{}", response.body);
        response.body
    }

    pub async fn put(&self, id: &str, json: &Value, if_match: Option<&str>) -> TestResponse {
        let mut builder = Request::builder()
            .method(Method::PUT)
            .uri(format!("{COLLECTION}/{id}"))
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
