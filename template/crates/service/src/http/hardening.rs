//! What keeps the service standing and its clients safe: load shedding, CORS,
//! security headers, and credentials kept out of logs.

use std::sync::Arc;
use std::task::{Context, Poll};

use axum::Router;
use axum::extract::State;
use axum::http::{self, HeaderMap, HeaderName, HeaderValue, Method, Request, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use futures_util::TryFutureExt;
use futures_util::future::MapOk;
use tokio::sync::Semaphore;
use tower::{Layer, Service};
use tower_http::cors::{AllowOrigin, CorsLayer};

use super::REQUEST_ID;
use super::problem::ApiError;

/// Headers whose values never reach a log: marked sensitive, they print as
/// `Sensitive` in any `Debug` output of a header map.
pub const SENSITIVE_HEADERS: [HeaderName; 4] = [
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::COOKIE,
    header::SET_COOKIE,
];

/// Security headers on every response that did not set its own. The API
/// serves JSON only, so its pages may load nothing and be framed nowhere;
/// `/docs` sets a policy of its own that lets Swagger UI run.
pub const SECURITY_HEADERS: [(HeaderName, &str); 4] = [
    (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
    (header::X_FRAME_OPTIONS, "DENY"),
    (header::REFERRER_POLICY, "no-referrer"),
    (
        header::CONTENT_SECURITY_POLICY,
        "default-src 'none'; frame-ancestors 'none'",
    ),
];

/// Marks [`SENSITIVE_HEADERS`] on the way in and out, and adds
/// [`SECURITY_HEADERS`] to every response: one layer, no allocation per
/// request (separate tower-http and `map_response` layers cost a fifth of the
/// throughput of the cheapest route).
#[derive(Debug, Clone, Copy)]
pub struct SecureLayer;

impl<S> Layer<S> for SecureLayer {
    type Service = Secure<S>;

    fn layer(&self, inner: S) -> Secure<S> {
        Secure(inner)
    }
}

/// The service of [`SecureLayer`].
#[derive(Debug, Clone)]
pub struct Secure<S>(S);

impl<S, B, R> Service<Request<B>> for Secure<S>
where
    S: Service<Request<B>, Response = http::Response<R>>,
{
    type Response = http::Response<R>;
    type Error = S::Error;
    type Future = MapOk<S::Future, fn(http::Response<R>) -> http::Response<R>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<B>) -> Self::Future {
        mark_sensitive(request.headers_mut());
        let secure: fn(http::Response<R>) -> http::Response<R> = secure_response;
        self.0.call(request).map_ok(secure)
    }
}

fn mark_sensitive(headers: &mut HeaderMap) {
    for (name, value) in headers.iter_mut() {
        if SENSITIVE_HEADERS.contains(name) {
            value.set_sensitive(true);
        }
    }
}

fn secure_response<R>(mut response: http::Response<R>) -> http::Response<R> {
    let headers = response.headers_mut();
    mark_sensitive(headers);
    for (name, value) in SECURITY_HEADERS {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
    response
}

/// Limits `routes` to `max` requests at once. One more gets an immediate 503
/// with `Retry-After`, instead of waiting in an unbounded queue while its
/// client times out and the queue's memory grows: under overload the service
/// answers the requests it can at full speed and tells the rest to come back.
///
/// One semaphore for all the routes (a tower limit layered per route would
/// give each route a limit of its own).
pub fn shed_load<S>(routes: Router<S>, max: usize) -> Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let permits = Arc::new(Semaphore::new(max));
    routes.route_layer(middleware::from_fn_with_state(permits, admit))
}

async fn admit(
    State(permits): State<Arc<Semaphore>>,
    request: axum::extract::Request,
    next: Next,
) -> Response {
    match permits.try_acquire_owned() {
        // Held until the handler has answered (or the request was dropped).
        Ok(_permit) => next.run(request).await,
        Err(_) => {
            metrics::counter!(SHED).increment(1);
            let detail = "the service is handling as many requests as it can; retry shortly";
            ApiError::unavailable(detail).into_response()
        }
    }
}

/// Requests answered 503 by [`shed_load`].
pub const SHED: &str = "http_requests_shed_total";

/// CORS for the configured origins (`["*"]`: any); `None` without origins,
/// so browsers keep their same-origin default.
pub fn cors(origins: &[String]) -> Option<CorsLayer> {
    if origins.is_empty() {
        return None;
    }
    let allow_origin = if origins.iter().any(|origin| origin == "*") {
        AllowOrigin::any()
    } else {
        // Checked when the configuration was loaded.
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    let methods = [Method::GET, Method::POST, Method::PUT, Method::DELETE];
    let layer = CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods(methods)
        .allow_headers([header::CONTENT_TYPE, header::IF_MATCH, REQUEST_ID])
        .expose_headers([header::ETAG, header::LOCATION, REQUEST_ID])
        .max_age(std::time::Duration::from_secs(600));
    Some(layer)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use axum::body::Body;
    use axum::http::StatusCode;
    use axum::routing::get;
    use http_body_util::BodyExt;
    use tokio::sync::{Notify, oneshot};
    use tower::ServiceExt;

    use super::*;
    use crate::config::Settings;
    use crate::http::with_middleware;

    fn get_request(uri: &str) -> Request<Body> {
        Request::get(uri).body(Body::empty()).unwrap()
    }

    #[tokio::test]
    async fn requests_beyond_the_limit_are_shed_with_a_503_problem() {
        let release = Arc::new(Notify::new());
        let (entered, has_entered) = oneshot::channel();
        let entered = Arc::new(std::sync::Mutex::new(Some(entered)));
        let held = {
            let release = release.clone();
            get(move || {
                if let Some(entered) = entered.lock().unwrap().take() {
                    let _ = entered.send(());
                }
                let release = release.clone();
                async move {
                    release.notified().await;
                    "done"
                }
            })
        };
        let routes = shed_load(Router::new().route("/held", held), 1);
        let settings = Settings::defaults().unwrap().server;
        let router = with_middleware(routes, &settings);

        let first = tokio::spawn(router.clone().oneshot(get_request("/held")));
        has_entered.await.unwrap();
        let shed = router.clone().oneshot(get_request("/held")).await.unwrap();
        assert_eq!(shed.status(), StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(shed.headers()[header::RETRY_AFTER], "1");
        let content_type = &shed.headers()[header::CONTENT_TYPE];
        assert_eq!(content_type, "application/problem+json");
        assert!(shed.headers().contains_key(&REQUEST_ID));
        let body = shed.into_body().collect().await.unwrap().to_bytes();
        let problem: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(problem["status"], 503);

        release.notify_one();
        let first = tokio::time::timeout(Duration::from_secs(10), first).await;
        let first = first.unwrap().unwrap().unwrap();
        assert_eq!(first.status(), StatusCode::OK, "the admitted one completes");
        let after = tokio::spawn(router.oneshot(get_request("/held")));
        release.notify_one();
        let after = tokio::time::timeout(Duration::from_secs(10), after).await;
        assert_eq!(after.unwrap().unwrap().unwrap().status(), StatusCode::OK);
    }

    fn router_with(origins: &[&str]) -> Router {
        let mut settings = Settings::defaults().unwrap().server;
        settings.cors_allowed_origins = origins.iter().map(|o| (*o).to_owned()).collect();
        let routes = Router::new().route("/things", get(|| async { "[]" }));
        with_middleware(routes, &settings)
    }

    fn preflight(origin: &str) -> Request<Body> {
        Request::options("/things")
            .header(header::ORIGIN, origin)
            .header(header::ACCESS_CONTROL_REQUEST_METHOD, "PUT")
            .header(header::ACCESS_CONTROL_REQUEST_HEADERS, "if-match")
            .body(Body::empty())
            .unwrap()
    }

    #[tokio::test]
    async fn cors_answers_configured_origins_only() {
        let router = router_with(&["https://app.example.com"]);
        let allowed = router.clone().oneshot(preflight("https://app.example.com"));
        let allowed = allowed.await.unwrap();
        let origin = &allowed.headers()[header::ACCESS_CONTROL_ALLOW_ORIGIN];
        assert_eq!(origin, "https://app.example.com");
        let methods = &allowed.headers()[header::ACCESS_CONTROL_ALLOW_METHODS];
        assert!(methods.to_str().unwrap().contains("PUT"), "{methods:?}");

        let other = router.oneshot(preflight("https://evil.example.net")).await;
        let other = other.unwrap().headers().clone();
        assert!(!other.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));

        let closed = router_with(&[]).oneshot(preflight("https://app.example.com"));
        let closed = closed.await.unwrap().headers().clone();
        assert!(!closed.contains_key(header::ACCESS_CONTROL_ALLOW_ORIGIN));
    }

    #[tokio::test]
    async fn every_response_carries_the_security_headers() {
        let router = router_with(&[]);
        for uri in ["/things", "/nowhere"] {
            let response = router.clone().oneshot(get_request(uri)).await.unwrap();
            for (name, value) in &SECURITY_HEADERS {
                assert_eq!(response.headers()[name], *value, "{name} on {uri}");
            }
        }
    }

    #[tokio::test]
    async fn credentials_are_marked_sensitive_before_anything_logs() {
        let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
        let handler = {
            let seen = seen.clone();
            get(move |request: Request<Body>| {
                let headers = request.headers();
                let flags = SENSITIVE_HEADERS.map(|name| headers[name].is_sensitive());
                seen.lock().unwrap().extend(flags);
                let printed = format!("{headers:?}");
                async move { printed }
            })
        };
        let settings = Settings::defaults().unwrap().server;
        let router = with_middleware(Router::new().route("/whoami", handler), &settings);
        let mut request = get_request("/whoami");
        for name in &SENSITIVE_HEADERS {
            let value = HeaderValue::from_static("secret-hunter2");
            request.headers_mut().insert(name.clone(), value);
        }
        let response = router.oneshot(request).await.unwrap();
        let body = response.into_body().collect().await.unwrap().to_bytes();
        let printed = String::from_utf8(body.to_vec()).unwrap();
        assert!(!printed.contains("hunter2"), "{printed}");
        assert_eq!(*seen.lock().unwrap(), [true; 4]);
    }
}
