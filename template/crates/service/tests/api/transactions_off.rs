//! MongoDB with `mongodb.transactions = false`, as on a standalone server: a
//! unit of work is a series of single-document writes, and the API still
//! keeps every rule that does not need a transaction (version checks, the
//! unique name, the aggregate's rules) with the same statuses.

use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::helpers::{COLLECTION, TestApp, spawn_app_with};

// A group of its own: its place among the others would depend on the name.
use crate::{{aggregates}}::no_update_is_lost;

async fn spawn_without_transactions() -> TestApp {
    spawn_app_with(|settings| settings.mongodb.transactions = false).await
}

#[tokio::test]
async fn every_operation_works_without_transactions() {
    let app = spawn_without_transactions().await;
    let created = app.create_ok("Desk", 100).await;
    let id = created["id"].as_str().unwrap();
    let uri = format!("{COLLECTION}/{id}");
    assert_eq!(app.get(&uri).await.body, created);

    let body = json!({ "name": "Table", "status": "active", "amount_cents": 200 });
    let stale = app.put(id, &body, Some("\"7\"")).await;
    stale.assert_problem(StatusCode::PRECONDITION_FAILED);
    let updated = app.put(id, &body, Some("\"1\"")).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.header(header::ETAG), "\"2\"");
    let back = json!({ "name": "Table", "status": "draft", "amount_cents": 200 });
    let rule = app.put(id, &back, None).await;
    rule.assert_problem(StatusCode::CONFLICT);

    let listed = app.get(&format!("{COLLECTION}?status=active")).await;
    assert_eq!(listed.body["total"], 1, "{}", listed.body);
    assert_eq!(listed.body["items"][0]["name"], "Table");

    let deleted = app.request(Method::DELETE, &uri, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&uri).await.assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_taken_name_is_still_409_without_transactions() {
    let app = spawn_without_transactions().await;
    app.create_ok("Desk", 1).await;
    let second = json!({ "name": "Desk", "amount_cents": 2 });
    let taken = app.create(&second).await;
    taken.assert_problem(StatusCode::CONFLICT);
    let list = app.get(COLLECTION).await;
    assert_eq!(list.body["total"], 1, "the second one was not stored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_lose_an_update_without_transactions() {
    no_update_is_lost(spawn_without_transactions().await).await;
}
