//! Prometheus metrics: requests per route and status, and their latency,
//! rendered at `/metrics`.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, OnceLock, PoisonError, RwLock};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics::{Counter, Histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use tokio::time::MissedTickBehavior;

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

/// How often histogram samples are folded into their buckets.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

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
            // At 0 from the start, so an alert on its rate has a series to read.
            .inspect(|_| metrics::counter!(super::hardening::SHED).absolute(0))
            .map_err(|err| RecorderError(Arc::new(err)))
    });
    installed.clone()
}

/// Folds histogram samples into their buckets every 5 s (`UPKEEP_EVERY`), for
/// as long as the server runs. A render does it too, but without this a
/// service that nobody scrapes would keep every request's sample.
///
/// Its timer also keeps the runtime's next timer wake-up near: arming a
/// request's timeout, later than that, then never has to wake the timer
/// driver, which an idle driver otherwise needs on every request
/// (docs/benchmarks.md).
pub async fn upkeep(handle: PrometheusHandle) {
    let mut every = tokio::time::interval(UPKEEP_EVERY);
    every.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        handle.run_upkeep();
    }
}

/// Counts and times every request. The route label is the route's pattern
/// (`/api/v1/{id}`), never the raw path, and methods outside the standard
/// ones share one label, so nothing a client sends can multiply the series.
pub async fn track(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = method_label(request.method());
    let route = request.extensions().get::<MatchedPath>().cloned();
    let response = next.run(request).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    let elapsed = started.elapsed().as_secs_f64();
    with_series(method, route, response.status(), |series| {
        series.requests.increment(1);
        series.duration.record(elapsed);
    });
    response
}

fn method_label(method: &Method) -> &'static str {
    const STANDARD: [Method; 9] = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
        Method::TRACE,
        Method::CONNECT,
    ];
    STANDARD
        .iter()
        .find(|standard| *standard == method)
        .map_or("OTHER", Method::as_str)
}

/// The handles of one method, route and status.
#[derive(Debug)]
struct Series {
    requests: Counter,
    duration: Histogram,
}

/// Series by route, then by method and status.
type SeriesCache = HashMap<Box<str>, Vec<(&'static str, StatusCode, Series)>>;

/// Runs `record` on the series' handles. The recorder builds a key of three
/// strings and looks it up on every `counter!`, which cost about 5 % of a
/// get by id; here only a series' first request registers it, the others
/// read a map without allocating.
fn with_series(method: &'static str, route: &str, status: StatusCode, record: impl Fn(&Series)) {
    static CACHE: LazyLock<RwLock<SeriesCache>> = LazyLock::new(RwLock::default);
    // Nothing panics while holding the lock; were it poisoned, the map would
    // still be whole.
    if let Some(series) = lookup(
        &CACHE.read().unwrap_or_else(PoisonError::into_inner),
        (method, route, status),
    ) {
        return record(series);
    }
    let mut cache = CACHE.write().unwrap_or_else(PoisonError::into_inner);
    if let Some(series) = lookup(&cache, (method, route, status)) {
        return record(series);
    }
    let labels = [
        ("method", method.to_owned()),
        ("route", route.to_owned()),
        ("status", status.as_u16().to_string()),
    ];
    let series = Series {
        requests: metrics::counter!(REQUESTS, &labels),
        duration: metrics::histogram!(DURATION, &labels),
    };
    record(&series);
    let statuses = cache.entry(route.into()).or_default();
    statuses.push((method, status, series));
}

fn lookup<'c>(
    cache: &'c SeriesCache,
    (method, route, status): (&str, &str, StatusCode),
) -> Option<&'c Series> {
    let statuses = cache.get(route)?;
    statuses
        .iter()
        .find(|(m, s, _)| *m == method && *s == status)
        .map(|(_, _, series)| series)
}

/// Prometheus text exposition of every metric of the process.
#[utoipa::path(get, path = "/metrics", tag = "health",
    responses((status = 200, description = "Prometheus text format", body = String)))]
pub async fn render(State(state): State<AppState>) -> impl IntoResponse {
    let content_type = [(header::CONTENT_TYPE, "text/plain; version=0.0.4")];
    (content_type, state.metrics.render())
}
