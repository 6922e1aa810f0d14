//! Probes and API documentation.

use axum::http::{Method, StatusCode, header};

use crate::helpers::spawn_app;

#[tokio::test]
async fn live_and_ready_are_up_on_a_migrated_database() {
    let app = spawn_app().await;
    let live = app.get("/health/live").await;
    assert_eq!(live.status, StatusCode::OK);
    assert_eq!(live.body["status"], "up");
    let ready = app.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    let checks = ready.body["checks"].as_array().unwrap();
    let names: Vec<_> = checks.iter().map(|c| c["name"].as_str().unwrap()).collect();
{%- if message_bus == "rabbitmq" %}
    assert_eq!(names, ["startup", "database", "schema", "message_broker"]);
{%- else %}
    assert_eq!(names, ["startup", "database", "schema"]);
{%- endif %}
    assert!(checks.iter().all(|c| c["status"] == "up"), "{}", ready.body);
}

#[tokio::test]
async fn openapi_document_describes_the_api() {
    let app = spawn_app().await;
    let doc = app.get("/openapi.json").await;
    assert_eq!(doc.status, StatusCode::OK);
    let paths = doc.body["paths"].as_object().unwrap();
    assert!(paths.contains_key("/api/v1/{{aggregate_route}}"));
    assert!(paths.contains_key("/api/v1/{{aggregate_route}}/{id}"));
}

#[tokio::test]
async fn docs_page_is_served_from_the_binary() {
    let app = spawn_app().await;
    let page = app.get("/docs/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.header(header::CONTENT_TYPE).starts_with("text/html"));
    let script = app.get("/docs/swagger-ui-bundle.js").await;
    assert_eq!(script.status, StatusCode::OK);
}

#[tokio::test]
async fn metrics_count_requests_by_route_pattern() {
    let app = spawn_app().await;
    let unknown = "/api/v1/{{aggregate_route}}/0190a5d2-7f3e-7c4a-9b1e-2d3f4a5b6c7d";
    assert_eq!(app.get(unknown).await.status, StatusCode::NOT_FOUND);
    let metrics = app.get("/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let content_type = metrics.header(header::CONTENT_TYPE);
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = metrics.body.as_str().expect("a text body");
    let series = "http_requests_total{method=\"GET\",\
        route=\"/api/v1/{{aggregate_route}}/{id}\",status=\"404\"}";
    assert!(text.contains(series), "{text}");
    let histogram = "http_request_duration_seconds_bucket";
    assert!(text.contains(histogram), "{text}");
    assert!(!text.contains("0190a5d2"), "ids never become labels");
    // Present before the first request is shed.
    assert!(text.contains("http_requests_shed_total"), "{text}");
}

#[tokio::test]
async fn metrics_label_a_non_standard_method_other() {
    let app = spawn_app().await;
    let method = Method::from_bytes(b"FROBNICATE").unwrap();
    let route = "/api/v1/{{aggregate_route}}";
    for _ in 0..2 {
        let refused = app.request(method.clone(), route, None).await;
        assert_eq!(refused.status, StatusCode::METHOD_NOT_ALLOWED);
    }
    let metrics = app.get("/metrics").await;
    let text = metrics.body.as_str().expect("a text body");
    let labels = ["{method=\"OTHER\",route=\"", route, "\",status=\"405\"}"];
    let series = format!("http_requests_total{} ", labels.concat());
    let count = text
        .lines()
        .find_map(|line| line.strip_prefix(series.as_str()));
    let count: f64 = count.expect(&series).parse().unwrap();
    // Other tests share the process's recorder, but none sends this method.
    assert!(count >= 2.0, "{count}");
    assert!(!text.contains("FROBNICATE"), "{text}");
}
