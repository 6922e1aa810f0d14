//! The HTTP API: routes, the middleware stack, and problem+json errors.

mod docs;
mod extract;
mod hardening;
mod health;
mod metrics;
mod number;
mod problem;
mod schema;

{%- if message_bus == "rabbitmq" %}

mod {{aggregate}}_activity;
{%- endif %}

// Resources, one per aggregate.
mod {{aggregates}};

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use metrics_exporter_prometheus::PrometheusHandle;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::SetRequestIdLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::config::ServerSettings;
use crate::readiness::{Readiness, ReadinessCheck};

{%- if message_bus == "rabbitmq" %}
use {{crate_name}}_domain_model::retrievers as r;
{%- endif %}
use {{crate_name}}_persistence_model::Store;

pub use metrics::{RecorderError, recorder, upkeep};
pub use problem::{ApiError, Problem};

/// Everything a handler may use. Axum clones the state for every request
/// (and every `from_fn_with_state` layer): one `Arc` makes that one atomic
/// increment instead of one per field.
#[derive(Debug, Clone)]
pub struct AppState(Arc<Services>);

/// What [`AppState`] shares; handlers reach it through `Deref`.
#[derive(Debug)]
pub struct Services {
    readiness: Readiness,
    checks: Vec<Box<dyn ReadinessCheck>>,
    check_timeout: Duration,
    metrics: PrometheusHandle,
{%- if message_bus == "rabbitmq" %}
    activity: r::List{{Aggregate}}ActivityRetriever,
{%- endif %}

    // Use cases, one per aggregate.
    {{aggregates}}: {{aggregates}}::UseCases,
}

/// What [`AppState::new`] needs besides the store.
#[derive(Debug)]
pub struct Probes {
    /// Whether startup has finished; the API answers 503 until it has.
    pub readiness: Readiness,
    /// What `/health/ready` runs, each within `check_timeout`.
    pub checks: Vec<Box<dyn ReadinessCheck>>,
    pub check_timeout: Duration,
}

impl AppState {
    pub fn new(store: Arc<dyn Store>, probes: Probes, metrics: PrometheusHandle) -> Self {
        Self(Arc::new(Services {
            // Use cases, one per aggregate.
            {{aggregates}}: {{aggregates}}::UseCases::new(&store),
{%- if message_bus == "rabbitmq" %}

            activity: r::List{{Aggregate}}ActivityRetriever::new(store),
{%- endif %}

            readiness: probes.readiness,
            checks: probes.checks,
            check_timeout: probes.check_timeout,
            metrics,
        }))
    }
}

impl std::ops::Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The whole application router with its middleware.
pub fn router(state: AppState, settings: &ServerSettings) -> Router {
    // Until startup has finished (the schema may not exist yet) the API
    // answers 503; probes, docs and metrics answer at once.
    let ready = middleware::from_fn_with_state(state.clone(), require_ready);
    let mut api = Router::new();
    // Routes, one per aggregate.
    api = api.merge({{aggregates}}::routes());
{%- if message_bus == "rabbitmq" %}

    api = api.merge({{aggregate}}_activity::routes());
{%- endif %}

    // Shed before anything else runs: probes and metrics stay outside the
    // limit, so an overloaded instance still answers its orchestrator.
    let api = hardening::shed_load(api.route_layer(ready), settings.max_concurrent_requests);

    let routes = Router::new()
        .merge(api)
        .merge(health::routes())
        .merge(docs::routes())
        .merge(metrics::routes());
    with_middleware(routes, settings).with_state(state)
}

/// `routes` with the fallbacks for unknown routes and methods, and the
/// middleware every response passes through.
fn with_middleware<S>(routes: Router<S>, settings: &ServerSettings) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    // Outermost first: credentials are masked before anything can log them;
    // every response, even a panic or a timeout, carries the request id and
    // the security headers and is logged; errors without a body become
    // problem+json.
    let middleware = ServiceBuilder::new()
        .layer(hardening::SecureLayer)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(TraceLayer::new_for_http().make_span_with(problem::request_span))
        .layer(middleware::from_fn(metrics::track))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .option_layer(hardening::cors(&settings.cors_allowed_origins))
        .layer(middleware::from_fn(problem::bodyless_errors_as_problems))
        .layer(CatchPanicLayer::custom(problem::panic_response))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            settings.request_timeout(),
        ))
        .layer(DefaultBodyLimit::max(settings.body_limit_bytes));
    routes
        .fallback(problem::not_found)
        .method_not_allowed_fallback(problem::method_not_allowed)
        .layer(middleware)
}

async fn require_ready(State(state): State<AppState>, request: Request, next: Next) -> Response {
    match state.readiness.phase().not_ready_because() {
        None => next.run(request).await,
        Some(reason) => {
            ApiError::unavailable(format!("the service is not ready: {reason}")).into_response()
        }
    }
}
