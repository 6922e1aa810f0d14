//! OpenTelemetry through the real binary: with an OTLP endpoint set by the
//! standard variables, a request continues its caller's trace, its spans
//! reach the collector with their parent links, and its log lines carry
//! the trace id.{% if message_bus == "rabbitmq" %} The event it raised carries the trace through the
//! broker, and the subscriber's spans continue it.{% endif %}

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

{% if message_bus == "rabbitmq" -%}
use {{crate_name}}_messaging::test_support::{Cleanup, broker_url, unique};
{% endif -%}
use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;

use crate::binary::{Running, exchange};
use crate::collector::{Collector, ReceivedSpan};
use crate::helpers::COLLECTION;

/// The caller's trace and span, as its `traceparent` names them.
const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN_ID: &str = "00f067aa0ba902b7";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_continues_its_callers_trace_in_spans_and_logs() {
    let collector = Arc::new(Collector::start().await);
    let database = TestDatabase::create().await;
{%- if message_bus == "rabbitmq" %}
    let (exchange_name, queue) = (unique("exchange"), unique("activity"));
    let _cleanup = (Cleanup::exchange(&exchange_name), Cleanup::topology(&queue));
    let broker = broker_url();
{%- endif %}
    let env = [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", collector.endpoint()),
        ("OTEL_SERVICE_NAME", "traced-{{project-name}}"),
        // Log the response, inside the request's span.
        ("RUST_LOG", "info,tower_http=debug"),
{%- if message_bus == "rabbitmq" %}
        ("APP__RABBITMQ__URL", broker.as_str()),
        ("APP__RABBITMQ__EXCHANGE", exchange_name.as_str()),
        ("APP__RABBITMQ__SUBSCRIBER__ENABLED", "true"),
        ("APP__RABBITMQ__SUBSCRIBER__QUEUE", queue.as_str()),
{%- endif %}
    ]
    .map(|(key, value)| (key.to_owned(), value.to_owned()));
    let (url, exporting_to) = (database.url().to_owned(), collector.clone());
    let logs = tokio::task::spawn_blocking(move || create_traced(&url, &env, &exporting_to));
    let logs = logs.await.unwrap();
    assert!(
        logs.iter().any(|line| in_trace(line, TRACE_ID)),
        "a log line of the request carries trace_id {TRACE_ID}: {logs:#?}"
    );
    let spans = Spans(collector.spans());

    let request = spans.named(&format!("POST {COLLECTION}"));
    assert_eq!(request.trace_id, TRACE_ID, "continues the caller's trace");
    assert_eq!(
        request.parent_span_id, CALLER_SPAN_ID,
        "a child of the caller's span"
    );
    assert_eq!(request.service_name, "traced-{{project-name}}");
    let processor = spans.named("Create{{Aggregate}}Processor");
    assert_eq!(processor.parent_span_id, request.span_id);
    let insert = spans.named("{{Aggregate}}Repository::insert");
    assert_eq!(insert.parent_span_id, processor.span_id);
{%- if message_bus == "rabbitmq" %}
    // The event was saved in the processor's span; its subscriber continues there.
    let consume = spans.named("consume");
    assert_eq!(consume.trace_id, TRACE_ID, "the trace crosses the broker");
    assert_eq!(consume.parent_span_id, processor.span_id);
    let record = spans.named("Record{{Aggregate}}ActivityProcessor");
    assert_eq!(record.parent_span_id, consume.span_id);
{%- endif %}
}

/// Starts the binary exporting to `collector`, creates one {{aggregate}} with a
/// `traceparent`, waits for the last span of the work it caused, stops the
/// binary with SIGTERM (which exports what is left) and returns its log lines.
fn create_traced(
    database_url: &str,
    env: &[(String, String)],
    collector: &Collector,
) -> Vec<Value> {
    let env: Vec<_> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut service = Running::start(database_url, &env);
    let port = service.wait_until_ready();
{%- if message_bus == "rabbitmq" %}
    // The subscriber's queue is bound once it has connected; an event
    // published before that would reach no queue.
    service.wait_for_log("consumer connected to the message broker");
{%- endif %}
    let body = r#"{"name": "Traced", "amount_cents": 100}"#;
    let request = format!(
        "POST {COLLECTION} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         traceparent: 00-{TRACE_ID}-{CALLER_SPAN_ID}-01\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let response = exchange(port, &request).expect("the service answers");
    assert!(response.starts_with("HTTP/1.1 201"), "{response}");
    // Exported while running, not only at exit: the batch leaves within seconds.
    let last = {% if message_bus == "rabbitmq" %}"consume"{% else %}format!("POST {COLLECTION}"){% endif %};
    let deadline = Instant::now() + Duration::from_secs(60);
    while !collector.spans().iter().any(|span| span.name == last) {
        if Instant::now() > deadline {
            let logs = service.logs(Duration::from_millis(100));
            panic!("no span {last:?} exported; the service logged {logs:#?}");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    service.signal("-TERM");
    assert!(
        service.exit_within(Duration::from_secs(60)),
        "exit status 0"
    );
    service.logs(Duration::from_millis(500))
}

/// Whether a JSON log line was written inside a span of trace `trace_id`.
fn in_trace(line: &Value, trace_id: &str) -> bool {
    let spans = line["spans"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default();
    spans.iter().any(|span| span["trace_id"] == trace_id)
}

struct Spans(Vec<ReceivedSpan>);

impl Spans {
    /// The one span called `name`.
    fn named(&self, name: &str) -> &ReceivedSpan {
        let mut found = self.0.iter().filter(|span| span.name == name);
        let span = found.next();
        let span = span.unwrap_or_else(|| panic!("no span {name:?} in {:#?}", self.0));
        assert!(found.next().is_none(), "one span {name:?}: {:#?}", self.0);
        span
    }
}
