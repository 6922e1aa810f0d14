//! Logs and traces: `tracing` with pretty or JSON output on standard output,
//! and, when an OTLP endpoint is configured, the same spans exported as
//! OpenTelemetry traces.
//!
//! One set of spans serves both: requests (`http::problem::request_span`),
//! processors and retrievers, repositories (database calls) and, with a
//! message bus, the consumer. With export on, a request continues the trace
//! of its caller's `traceparent` header and logs its trace id, so a log line
//! leads to its trace.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use axum::http::HeaderMap;
use opentelemetry::propagation::Extractor;
use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use opentelemetry_otlp::{SpanExporter, WithExportConfig};
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer};

use crate::config::{LogFormat, TelemetrySettings};

/// Whether spans are exported: without export, requests skip reading
/// `traceparent` and naming their span, which nothing would see.
static EXPORTING: AtomicBool = AtomicBool::new(false);

/// How long one export to the collector may take.
const EXPORT_TIMEOUT: Duration = Duration::from_secs(5);

/// The installed telemetry. [`Telemetry::shutdown`] exports the spans still
/// buffered; without it the last few seconds of traces are lost on exit.
#[derive(Debug)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Telemetry {
    /// Flushes and stops the exporter, if any.
    pub async fn shutdown(self) {
        let Some(provider) = self.provider else {
            return;
        };
        // The batch exporter's shutdown blocks until its thread is done.
        let stopped = tokio::task::spawn_blocking(move || provider.shutdown()).await;
        match stopped {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("warning: traces not exported at shutdown: {error}"),
            Err(error) => eprintln!("warning: the trace exporter failed at shutdown: {error}"),
        }
    }
}

/// Installs the global subscriber, and the trace exporter when
/// `otlp_endpoint` is set. `RUST_LOG`, when set, replaces the configured filter.
pub fn init(settings: &TelemetrySettings) -> anyhow::Result<Telemetry> {
    let filter =
        EnvFilter::try_from_default_env().or_else(|_| EnvFilter::try_new(&settings.filter))?;
    // Colour codes only for a person at a terminal: in a file or a log
    // collector they are noise. `NO_COLOR` (any value) turns them off too.
    let ansi = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let logs = tracing_subscriber::fmt::layer().with_ansi(ansi);
    let logs = match settings.format {
        LogFormat::Json => logs.json().flatten_event(true).boxed(),
        LogFormat::Pretty => logs.boxed(),
    };
    let provider = match settings.otlp_traces_url() {
        Some(url) => Some(tracer_provider(&url, &settings.service_name)?),
        None => None,
    };
    let traces = provider.as_ref().map(|provider| {
        let tracer = provider.tracer(env!("CARGO_PKG_NAME"));
        tracing_opentelemetry::layer().with_tracer(tracer)
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(logs)
        .with(traces)
        .try_init()
        .map_err(|e| anyhow::anyhow!("cannot install the log subscriber: {e}"))?;
    if provider.is_some() {
        // W3C Trace Context: `traceparent` in requests and in events.
        opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
        EXPORTING.store(true, Ordering::Relaxed);
    }
    Ok(Telemetry { provider })
}

fn tracer_provider(url: &str, service_name: &str) -> anyhow::Result<SdkTracerProvider> {
    let exporter = SpanExporter::builder()
        .with_http()
        .with_endpoint(url)
        .with_timeout(EXPORT_TIMEOUT)
        .build()
        .with_context(|| format!("cannot set up the trace exporter for {url}"))?;
    let resource = Resource::builder()
        .with_service_name(service_name.to_owned())
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

/// Names `span` (a request's: `GET /api/v1/…`) and makes it continue the
/// caller's trace (`traceparent` in `headers`), and records the trace id in
/// it for the logs. Nothing when spans are not exported.
pub fn continue_trace(span: &tracing::Span, name: impl FnOnce() -> String, headers: &HeaderMap) {
    if !EXPORTING.load(Ordering::Relaxed) {
        return;
    }
    span.record("otel.name", name());
    span.record("otel.kind", "server");
    let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
        propagator.extract(&HeaderCarrier(headers))
    });
    // An error only means no tracing layer is installed: then there is no trace.
    let _ = span.set_parent(parent);
    let trace_id = span.context().span().span_context().trace_id();
    span.record("trace_id", tracing::field::display(trace_id));
}

/// Request headers as a carrier of trace context.
struct HeaderCarrier<'a>(&'a HeaderMap);

impl Extractor for HeaderCarrier<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).and_then(|value| value.to_str().ok())
    }

    fn keys(&self) -> Vec<&str> {
        self.0.keys().map(|name| name.as_str()).collect()
    }
}
