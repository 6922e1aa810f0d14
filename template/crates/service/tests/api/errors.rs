//! Every failure is problem+json, whatever layer produces it.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};

use crate::helpers::{COLLECTION, spawn_app};

#[tokio::test]
async fn unknown_route_is_404_problem() {
    let app = spawn_app().await;
    app.get("/nope").await.assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn unsupported_method_is_405_problem() {
    let app = spawn_app().await;
    let response = app.request(Method::PATCH, COLLECTION, None).await;
    response.assert_problem(StatusCode::METHOD_NOT_ALLOWED);
}

#[tokio::test]
async fn malformed_json_is_400_and_wrong_shape_422() {
    let app = spawn_app().await;
    let request = Request::post(COLLECTION)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from("{\"name\": "))
        .unwrap();
    app.send(request)
        .await
        .assert_problem(StatusCode::BAD_REQUEST);
    let request = Request::post(COLLECTION)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(r#"{"name": "x", "amount_cents": "lots"}"#))
        .unwrap();
    let response = app.send(request).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let request = Request::post(COLLECTION)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(
            r#"{"name": "x", "amount_cents": 1, "admin": true}"#,
        ))
        .unwrap();
    let response = app.send(request).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn wrong_content_type_is_415() {
    let app = spawn_app().await;
    let request = Request::post(COLLECTION)
        .header(header::CONTENT_TYPE, "text/plain")
        .body(Body::from("name=x"))
        .unwrap();
    let response = app.send(request).await;
    response.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE);
}

#[tokio::test]
async fn oversized_body_is_413() {
    let app = spawn_app().await;
    let name = "x".repeat(100 * 1024);
    let body = serde_json::json!({ "name": name, "amount_cents": 1 }).to_string();
    let request = Request::post(COLLECTION)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = app.send(request).await;
    response.assert_problem(StatusCode::PAYLOAD_TOO_LARGE);
}

#[tokio::test]
async fn every_response_carries_a_request_id() {
    let app = spawn_app().await;
    let response = app.get("/nope").await;
    assert!(
        !response
            .header(header::HeaderName::from_static("x-request-id"))
            .is_empty()
    );
}
