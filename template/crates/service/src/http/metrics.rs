//! Prometheus metrics: requests per route and status, and their latency,
//! rendered at `/metrics`.

use std::sync::{Arc, OnceLock};
use std::time::Instant;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};

use super::AppState;
{%- if message_bus == "rabbitmq" %}

use {{crate_name}}_messaging::COMMIT_TO_ACK;
{%- endif %}

const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";

/// Latency buckets in seconds, from a fast read to the request timeout.
const BUCKETS: [f64; 11] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

pub fn routes() -> Router<AppState> {
    Router::new().route("/metrics", get(render))
}

/// The process's metrics recorder could not be installed; every later call
/// returns the same error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("cannot install the metrics recorder")]
pub struct RecorderError(#[source] Arc<BuildError>);

/// The process's recorder. `metrics` allows one global recorder per process,
/// so every application built in it (tests build many) shares this one.
pub fn recorder() -> Result<PrometheusHandle, RecorderError> {
    static HANDLE: OnceLock<Result<PrometheusHandle, RecorderError>> = OnceLock::new();
    let installed = HANDLE.get_or_init(|| {
        PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), &BUCKETS)
{%- if message_bus == "rabbitmq" %}
            .and_then(|builder| {
                let commit_to_ack = Matcher::Full(COMMIT_TO_ACK.to_owned());
                builder.set_buckets_for_metric(commit_to_ack, &BUCKETS)
            })
{%- endif %}
            .and_then(PrometheusBuilder::install_recorder)
            .map_err(|err| RecorderError(Arc::new(err)))
    });
    installed.clone()
}

/// Counts and times every request. The route label is the route's pattern
/// (`/api/v1/{id}`), never the raw path, so ids cannot explode the series.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = request.method().to_string();
    let response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    let labels = [("method", method), ("route", route), ("status", status)];
    metrics::counter!(REQUESTS, &labels).increment(1);
    let elapsed = started.elapsed().as_secs_f64();
    metrics::histogram!(DURATION, &labels).record(elapsed);
    response
}

/// Prometheus text exposition of every metric of the process.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format", body = String)))]
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let content_type = [(header::CONTENT_TYPE, "text/plain; version=0.0.4")];
    (content_type, state.metrics.render())
}
