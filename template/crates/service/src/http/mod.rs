//! The HTTP API: routes, the middleware stack, and problem+json errors.

mod docs;
mod extract;
mod health;
mod metrics;
mod problem;

mod {{aggregates}};

use std::sync::Arc;

use {{crate_name}}_domain_model::processors as p;
use {{crate_name}}_domain_model::retrievers as r;
use {{crate_name}}_persistence_model::Store;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, StatusCode};
use axum::middleware;
use metrics_exporter_prometheus::PrometheusHandle;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::SetRequestIdLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::ServerSettings;
use crate::startup::SchemaCheck;

pub use metrics::recorder;
pub use problem::{ApiError, Problem};

/// Everything a handler may use; cheap to clone (all `Arc`s inside).
#[derive(Debug, Clone)]
pub struct AppState {
    store: Arc<dyn Store>,
    schema: SchemaCheck,
    metrics: PrometheusHandle,
    create: p::Create{{Aggregate}}Processor,
    update: p::Update{{Aggregate}}Processor,
    delete: p::Delete{{Aggregate}}Processor,
    get: r::Get{{Aggregate}}Retriever,
    list: r::List{{Aggregates}}Retriever,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, schema: SchemaCheck, metrics: PrometheusHandle) -> Self {
        Self {
            create: p::Create{{Aggregate}}Processor::new(store.clone()),
            update: p::Update{{Aggregate}}Processor::new(store.clone()),
            delete: p::Delete{{Aggregate}}Processor::new(store.clone()),
            get: r::Get{{Aggregate}}Retriever::new(store.clone()),
            list: r::List{{Aggregates}}Retriever::new(store.clone()),
            store,
            schema,
            metrics,
        }
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application router with its middleware.
pub fn router(state: AppState, settings: &ServerSettings) -> Router {
    // Outermost first: every response, even a panic or a timeout, carries the
    // request id and is logged; errors without a body become problem+json.
    let middleware = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(problem::request_span))
        .layer(middleware::from_fn(metrics::track))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(middleware::from_fn(problem::bodyless_errors_as_problems))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout(),
        ))
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes));
    Router::new()
        .merge({{aggregates}}::routes())
        .merge(health::routes())
        .merge(docs::routes())
        .merge(metrics::routes())
        .fallback(problem::not_found)
        .method_not_allowed_fallback(problem::method_not_allowed)
        .layer(middleware)
        .with_state(state)
}
