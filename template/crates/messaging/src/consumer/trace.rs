//! A consumed event continues the trace it carries (the CloudEvents
//! `traceparent` extension), when the service exports traces.

use opentelemetry::propagation::Extractor;
use opentelemetry::trace::TraceContextExt;
use tracing_opentelemetry::OpenTelemetrySpanExt;

use crate::CloudEvent;

/// The span `event` is handled in: a child of the span that saved it, and
/// carrying its trace id for the logs, when it has a `traceparent` and a
/// tracing layer is installed; a span of its own otherwise.
pub(super) fn consumer_span(queue: &str, event: &CloudEvent) -> tracing::Span {
    let span = tracing::info_span!(
        "consume",
        queue,
        event_id = %event.id,
        event_type = %event.r#type,
        otel.kind = "consumer",
        trace_id = tracing::field::Empty,
    );
    if let Some(traceparent) = &event.traceparent {
        let parent = opentelemetry::global::get_text_map_propagator(|propagator| {
            propagator.extract(&TraceParent(traceparent))
        });
        // An error only means no tracing layer is installed: no trace then.
        let _ = span.set_parent(parent);
    }
    let context = span.context();
    let span_context = context.span().span_context().clone();
    if span_context.is_valid() {
        span.record("trace_id", tracing::field::display(span_context.trace_id()));
    }
    span
}

/// An event's `traceparent` as a carrier of trace context.
struct TraceParent<'a>(&'a str);

impl Extractor for TraceParent<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        (key == "traceparent").then_some(self.0)
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent"]
    }
}
