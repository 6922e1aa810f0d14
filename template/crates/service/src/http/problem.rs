//! RFC 9457 problem details: the one error format of the API.

use std::any::Any;

use axum::Json;
use axum::body::Body;
use axum::extract::{MatchedPath, Request};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use utoipa::ToSchema;

use crate::telemetry;

use {{crate_name}}_domain_model::{DomainError, FieldError};

/// The media type of every error body.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// The problem+json body.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    /// Always `about:blank`: the status code says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The status code's reason phrase.
    pub title: String,
    pub status: u16,
    /// What went wrong with this request, for people.
    pub detail: String,
    /// Per-field validation errors (422 only).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(required = false)]
    pub errors: Vec<ProblemField>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemField {
    pub field: String,
    pub message: String,
}

/// An error response; every handler and extractor fails with one.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    detail: String,
    errors: Vec<FieldError>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            errors: Vec::new(),
        }
    }

    /// 503: a dependency is down or the service is still starting.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, detail)
    }

    pub fn status(&self) -> StatusCode {
        self.status
    }
}

impl From<DomainError> for ApiError {
    fn from(err: DomainError) -> Self {
        let status = match &err {
            DomainError::NotFound { .. } => StatusCode::NOT_FOUND,
            DomainError::AlreadyExists { .. }
            | DomainError::Conflict
            | DomainError::RuleViolation(_) => StatusCode::CONFLICT,
            DomainError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            DomainError::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            DomainError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            DomainError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        // Server-side failures are logged with their cause chain and hidden
        // from the client, who only learns that it was not their fault.
        if status.is_server_error() {
            tracing::error!(error = ?err, "request failed");
        }
        let detail = match &err {
            DomainError::Internal(_) => "the server failed to handle the request".to_owned(),
            other => other.to_string(),
        };
        let errors = match err {
            DomainError::Validation(fields) => fields,
            _ => Vec::new(),
        };
        Self {
            status,
            detail,
            errors,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        problem_response(self.status, self.detail, self.errors)
    }
}

/// How long a client should wait before retrying a 503, in seconds: about the
/// time a restarting database or a starting instance needs to answer again.
const RETRY_AFTER_SECS: &str = "1";

fn problem_response(status: StatusCode, detail: String, errors: Vec<FieldError>) -> Response {
    let problem = Problem {
        kind: "about:blank".to_owned(),
        title: status.canonical_reason().unwrap_or("Error").to_owned(),
        status: status.as_u16(),
        detail,
        errors: errors
            .into_iter()
            .map(|f| ProblemField {
                field: f.field,
                message: f.message,
            })
            .collect(),
    };
    let content_type = [(header::CONTENT_TYPE, PROBLEM_JSON)];
    let mut response = (status, content_type, Json(problem)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        let retry_after = HeaderValue::from_static(RETRY_AFTER_SECS);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, retry_after);
    }
    response
}

/// Unknown routes.
pub async fn not_found(request: Request) -> ApiError {
    let detail = format!("no route for {}", request.uri().path());
    ApiError::new(StatusCode::NOT_FOUND, detail)
}

/// Known routes with an unsupported method.
pub async fn method_not_allowed(request: Request) -> ApiError {
    let detail = format!(
        "{} is not allowed on {}",
        request.method(),
        request.uri().path()
    );
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, detail)
}

/// Middleware layers (timeout, body limit) answer errors with an empty body:
/// give each of them a problem+json body so clients see one format.
pub async fn bodyless_errors_as_problems(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let status = response.status();
    let has_type = response.headers().contains_key(header::CONTENT_TYPE);
    if !(status.is_client_error() || status.is_server_error()) || has_type {
        return response;
    }
    let (mut parts, _) = response.into_parts();
    let detail = match status {
        StatusCode::REQUEST_TIMEOUT => "the request took too long".to_owned(),
        StatusCode::PAYLOAD_TOO_LARGE => "the request body is too large".to_owned(),
        other => other.canonical_reason().unwrap_or("error").to_owned(),
    };
    let problem = problem_response(status, detail, Vec::new());
    let (problem_parts, body) = problem.into_parts();
    parts.headers.extend(problem_parts.headers);
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body)
}

/// A panicking handler is a bug: log it, answer 500, keep serving.
pub fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response<Body> {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    tracing::error!(panic = message, "handler panicked");
    let detail = "the server failed to handle the request".to_owned();
    problem_response(StatusCode::INTERNAL_SERVER_ERROR, detail, Vec::new())
}

/// The span of one request, carrying its request id, and its trace id when
/// traces are exported (named `POST /api/v1/…` after the matched route there).
pub fn request_span(request: &Request) -> tracing::Span {
    let request_id = request
        .headers()
        .get(&super::REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    let span = tracing::info_span!(
        "request",
        method = %request.method(),
        uri = %request.uri(),
        request_id,
        trace_id = tracing::field::Empty,
        otel.name = tracing::field::Empty,
        otel.kind = tracing::field::Empty,
    );
    let name = || match request.extensions().get::<MatchedPath>() {
        Some(route) => format!("{} {}", request.method(), route.as_str()),
        None => request.method().to_string(),
    };
    telemetry::continue_trace(&span, name, request.headers());
    span
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use axum::Router;
    use axum::body::Body;
    use axum::http::{HeaderMap, Request};
    use axum::routing::get;
    use http_body_util::BodyExt;
    use serde_json::Value;
    use tower::ServiceExt;

    use super::*;
    use crate::config::Settings;
    use crate::http::{REQUEST_ID, with_middleware};

    /// The service's middleware on two routes that misbehave as no route of
    /// the service should, with a one-second request timeout.
    fn misbehaving() -> Router {
        let mut settings = Settings::defaults().unwrap().server;
        settings.request_timeout_secs = 1;
        let routes = Router::new()
            .route("/slow", get(slow))
            .route("/panics", get(panics));
        with_middleware(routes, &settings)
    }

    async fn slow() -> &'static str {
        tokio::time::sleep(Duration::from_secs(30)).await;
        "too late"
    }

    async fn panics() -> &'static str {
        panic!("a bug in a handler, with a secret: hunter2")
    }

    async fn call(router: &Router, uri: &str) -> (StatusCode, HeaderMap, Value) {
        let request = Request::get(uri).body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let (parts, body) = response.into_parts();
        let bytes = body.collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap();
        (parts.status, parts.headers, json)
    }

    fn assert_problem(status: StatusCode, headers: &HeaderMap, body: &Value) {
        let content_type = headers.get(header::CONTENT_TYPE).unwrap();
        assert_eq!(content_type, PROBLEM_JSON);
        assert_eq!(body["status"], status.as_u16());
        assert!(headers.contains_key(&REQUEST_ID), "{headers:?}");
    }

    #[tokio::test]
    async fn a_request_slower_than_the_timeout_is_a_408_problem() {
        let router = misbehaving();
        let started = Instant::now();
        let (status, headers, body) = call(&router, "/slow").await;
        assert_eq!(status, StatusCode::REQUEST_TIMEOUT, "{body}");
        assert_problem(status, &headers, &body);
        assert_eq!(body["detail"], "the request took too long");
        let waited = started.elapsed();
        let (at_least, at_most) = (Duration::from_secs(1), Duration::from_secs(10));
        assert!(waited >= at_least && waited < at_most, "after {waited:?}");
    }

    #[tokio::test]
    async fn a_panicking_handler_is_a_500_problem_and_serving_goes_on() {
        let router = misbehaving();
        for _ in 0..2 {
            let (status, headers, body) = call(&router, "/panics").await;
            assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
            assert_problem(status, &headers, &body);
            assert_eq!(body["detail"], "the server failed to handle the request");
            assert!(!body.to_string().contains("hunter2"), "{body}");
        }
        let (status, _, body) = call(&router, "/nowhere").await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    }
}
