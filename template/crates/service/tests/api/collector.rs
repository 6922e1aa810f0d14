//! A small OpenTelemetry collector for the tests: it receives what the
//! service exports over OTLP/HTTP (protobuf) and keeps the spans.

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::post;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::tonic::common::v1::KeyValue;
use opentelemetry_proto::tonic::common::v1::any_value::Value;
use prost::Message;

/// One span as received, its ids in lowercase hex as in `traceparent`.
#[derive(Debug, Clone)]
pub struct ReceivedSpan {
    pub name: String,
    pub trace_id: String,
    pub span_id: String,
    /// Empty for a root span.
    pub parent_span_id: String,
    /// `service.name` of the resource that sent it.
    pub service_name: String,
}

type Spans = Arc<Mutex<Vec<ReceivedSpan>>>;

/// A collector listening on a free port of loopback until dropped.
#[derive(Debug)]
pub struct Collector {
    endpoint: String,
    spans: Spans,
    server: tokio::task::JoinHandle<()>,
}

impl Collector {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let spans = Spans::default();
        let router = Router::new()
            .route("/v1/traces", post(receive))
            .with_state(spans.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, router).await.unwrap();
        });
        Self {
            endpoint,
            spans,
            server,
        }
    }

    /// What `OTEL_EXPORTER_OTLP_ENDPOINT` is set to.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The spans received so far.
    pub fn spans(&self) -> Vec<ReceivedSpan> {
        self.spans.lock().unwrap().clone()
    }
}

impl Drop for Collector {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn receive(State(spans): State<Spans>, body: Bytes) -> impl IntoResponse {
    let Ok(request) = ExportTraceServiceRequest::decode(body) else {
        return (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "text/plain")],
        );
    };
    let mut received = spans.lock().unwrap();
    for resource_spans in request.resource_spans {
        let attributes = resource_spans.resource.map(|r| r.attributes);
        let service_name = string_attribute(&attributes.unwrap_or_default(), "service.name");
        let spans = resource_spans.scope_spans.into_iter().flat_map(|s| s.spans);
        received.extend(spans.map(|span| ReceivedSpan {
            name: span.name,
            trace_id: hex(&span.trace_id),
            span_id: hex(&span.span_id),
            parent_span_id: hex(&span.parent_span_id),
            service_name: service_name.clone(),
        }));
    }
    // An empty `ExportTraceServiceResponse`: everything accepted.
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/x-protobuf")],
    )
}

fn string_attribute(attributes: &[KeyValue], key: &str) -> String {
    let value = attributes.iter().find(|attribute| attribute.key == key);
    match value
        .and_then(|v| v.value.as_ref())
        .and_then(|v| v.value.as_ref())
    {
        Some(Value::StringValue(value)) => value.clone(),
        _ => String::new(),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
