//! The {{aggregate_route}} resource: every success and client-error status.

use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

const COLLECTION: &str = "/api/v1/{{aggregate_route}}";

#[tokio::test]
async fn create_returns_201_with_location_and_etag() {
    let app = spawn_app().await;
    let body = json!({ "name": "Desk", "description": "oak", "amount_cents": 1250 });
    let response = app.create_at(COLLECTION, &body).await;
    assert_eq!(response.status, StatusCode::CREATED);
    let id = response.body["id"].as_str().unwrap().to_owned();
    let location = format!("{COLLECTION}/{id}");
    assert_eq!(response.header(header::LOCATION), location);
    assert_eq!(response.header(header::ETAG), "\"1\"");
    assert_eq!(response.body["status"], "draft");
    assert_eq!(response.body["amount_cents"], 1250);

    let fetched = app.get(&location).await;
    assert_eq!(fetched.status, StatusCode::OK);
    assert_eq!(fetched.body, response.body);
    assert_eq!(fetched.header(header::ETAG), "\"1\"");
}

#[tokio::test]
async fn create_with_invalid_fields_is_422_per_field() {
    let app = spawn_app().await;
    let body = json!({ "name": "  ", "amount_cents": -1 });
    let response = app.create_at(COLLECTION, &body).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let fields: Vec<_> = response.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(fields, ["amount_cents", "name"]);
    let list = app.get(COLLECTION).await;
    assert_eq!(list.body["total"], 0, "nothing was stored");
}

#[tokio::test]
async fn create_with_a_taken_name_is_409() {
    let app = spawn_app().await;
    app.create_ok_at(COLLECTION, "Desk", 1).await;
    let response = app
        .create_at(COLLECTION, &json!({ "name": "Desk", "amount_cents": 2 }))
        .await;
    response.assert_problem(StatusCode::CONFLICT);
}

#[tokio::test]
async fn get_unknown_is_404_and_bad_id_is_400() {
    let app = spawn_app().await;
    let unknown = format!("{COLLECTION}/0190a5d2-7f3e-7c4a-9b1e-2d3f4a5b6c7d");
    app.get(&unknown)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
    let bad = format!("{COLLECTION}/not-a-uuid");
    app.get(&bad).await.assert_problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn update_honours_if_match() {
    let app = spawn_app().await;
    let created = app.create_ok_at(COLLECTION, "Desk", 100).await;
    let id = created["id"].as_str().unwrap();
    let body = json!({ "name": "Table", "status": "active", "amount_cents": 200 });

    let stale = app.put_at(COLLECTION, id, &body, Some("\"7\"")).await;
    stale.assert_problem(StatusCode::PRECONDITION_FAILED);

    let updated = app.put_at(COLLECTION, id, &body, Some("\"1\"")).await;
    assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
    assert_eq!(updated.header(header::ETAG), "\"2\"");
    assert_eq!(updated.body["name"], "Table");
    assert_eq!(updated.body["status"], "active");

    let garbage = app.put_at(COLLECTION, id, &body, Some("seven")).await;
    garbage.assert_problem(StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn update_breaking_a_rule_is_409_and_bad_fields_422() {
    let app = spawn_app().await;
    let created = app.create_ok_at(COLLECTION, "Desk", 100).await;
    let id = created["id"].as_str().unwrap();
    let active = json!({ "name": "Desk", "status": "active", "amount_cents": 1 });
    assert_eq!(
        app.put_at(COLLECTION, id, &active, None).await.status,
        StatusCode::OK
    );
    let back = json!({ "name": "Desk", "status": "draft", "amount_cents": 1 });
    app.put_at(COLLECTION, id, &back, None)
        .await
        .assert_problem(StatusCode::CONFLICT);
    let unknown_status = json!({ "name": "Desk", "status": "shipped", "amount_cents": 1 });
    let response = app.put_at(COLLECTION, id, &unknown_status, None).await;
    response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let missing = format!("{COLLECTION}/0190a5d2-7f3e-7c4a-9b1e-2d3f4a5b6c7d");
    let path = missing.rsplit('/').next().unwrap();
    app.put_at(COLLECTION, path, &active, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_writers_never_lose_an_update() {
    no_update_is_lost(spawn_app().await).await;
}

/// Writers that each read the current version and send it back in
/// `If-Match`: whoever loses a race gets 409 or 412, and every success is
/// one version step, so no write is ever lost.
pub async fn no_update_is_lost(app: TestApp) {
    const WRITERS: i64 = 50;
    let created = app.create_ok_at(COLLECTION, "Desk", 100).await;
    let uri = format!("{COLLECTION}/{}", created["id"].as_str().unwrap());
    let writers: Vec<_> = (0..WRITERS)
        .map(|n| {
            let (app, uri) = (app.clone(), uri.clone());
            tokio::spawn(async move {
                let read = app.get(&uri).await;
                assert_eq!(read.status, StatusCode::OK, "{}", read.body);
                let tag = read.header(header::ETAG).to_owned();
                let body = json!({ "name": "Desk", "status": "draft", "amount_cents": n });
                let id = uri.rsplit('/').next().unwrap().to_owned();
                app.put_at(COLLECTION, &id, &body, Some(&tag)).await
            })
        })
        .collect();
    let mut succeeded = 0;
    for writer in writers {
        let response = writer.await.expect("the writer completes");
        match response.status {
            StatusCode::OK => succeeded += 1,
            StatusCode::CONFLICT | StatusCode::PRECONDITION_FAILED => {
                response.assert_problem(response.status);
            }
            other => panic!("unexpected {other}: {}", response.body),
        }
    }
    assert!(succeeded >= 1, "at least one writer wins");
    let current = app.get(&uri).await;
    assert_eq!(
        current.body["version"],
        1 + succeeded,
        "one version per success"
    );
}

#[tokio::test]
async fn delete_is_204_then_404() {
    let app = spawn_app().await;
    let created = app.create_ok_at(COLLECTION, "Desk", 100).await;
    let uri = format!("{COLLECTION}/{}", created["id"].as_str().unwrap());
    let deleted = app.request(Method::DELETE, &uri, None).await;
    assert_eq!(deleted.status, StatusCode::NO_CONTENT);
    app.get(&uri).await.assert_problem(StatusCode::NOT_FOUND);
    let again = app.request(Method::DELETE, &uri, None).await;
    again.assert_problem(StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn list_filters_sorts_and_pages() {
    let app = spawn_app().await;
    for (name, cents) in [
        ("apple", 300),
        ("banana", 150),
        ("cherry", 500),
        ("date", 50),
    ] {
        app.create_ok_at(COLLECTION, name, cents).await;
    }
    let page = app
        .get(&format!(
            "{COLLECTION}?sort=-amount_cents&page=1&page_size=2"
        ))
        .await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body["total"], 4);
    assert_eq!(page.body["page_size"], 2);
    let names: Vec<_> = page.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["cherry", "apple"]);

    let filtered = app
        .get(&format!(
            "{COLLECTION}?name_contains=AN&min_amount_cents=100"
        ))
        .await;
    assert_eq!(filtered.body["total"], 1);
    assert_eq!(filtered.body["items"][0]["name"], "banana");
}

#[tokio::test]
async fn list_rejects_bad_parameters_and_treats_operators_as_data() {
    let app = spawn_app().await;
    app.create_ok_at(COLLECTION, "apple", 1).await;
    let too_big = app.get(&format!("{COLLECTION}?page_size=1000")).await;
    too_big.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let bad_sort = app.get(&format!("{COLLECTION}?sort=password")).await;
    bad_sort.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let unknown = app
        .get(&format!("{COLLECTION}?name_contains%5B%24ne%5D=x"))
        .await;
    unknown.assert_problem(StatusCode::BAD_REQUEST);
    let not_a_number = app.get(&format!("{COLLECTION}?page=abc")).await;
    not_a_number.assert_problem(StatusCode::BAD_REQUEST);
    // Beyond every integer type the service uses: still the field's 422,
    // never arithmetic or a driver seeing it (this once panicked into a 500).
    for huge in ["9223372036854775808", "18446744073709551616", "1e30"] {
        let response = app.get(&format!("{COLLECTION}?page={huge}")).await;
        response.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(response.body["errors"][0]["field"], "page", "{huge}");
    }
    let whole = app
        .get(&format!("{COLLECTION}?page=1.0&page_size=2.0"))
        .await;
    assert_eq!(whole.status, StatusCode::OK, "{}", whole.body);
    let injection = app
        .get(&format!("{COLLECTION}?name_contains=%27%20OR%201%3D1%20--"))
        .await;
    assert_eq!(injection.status, StatusCode::OK);
    assert_eq!(injection.body["total"], 0, "SQL in a filter is only data");
}

#[tokio::test]
async fn query_operators_and_patterns_in_filters_are_only_data() {
    let app = spawn_app().await;
    app.create_ok_at(COLLECTION, "apple", 1).await;
    app.create_ok_at(COLLECTION, "banana", 2).await;
    // Each would match every row if it reached the database as an operator,
    // a regular expression or a wildcard; as data it matches none.
    let attempts = [
        "name_contains=%7B%22%24ne%22%3Anull%7D",
        "name_contains=.*",
        "name_contains=%25",
        "name_contains=_",
        "name_contains=%5E",
    ];
    for attempt in attempts {
        let response = app.get(&format!("{COLLECTION}?{attempt}")).await;
        assert_eq!(response.status, StatusCode::OK, "{attempt}");
        assert_eq!(response.body["total"], 0, "{attempt}");
    }
    let operator_status = app
        .get(&format!("{COLLECTION}?status=%7B%22%24ne%22%3A%22x%22%7D"))
        .await;
    operator_status.assert_problem(StatusCode::UNPROCESSABLE_ENTITY);
    let bracket_operator = app.get(&format!("{COLLECTION}?status%5B%24ne%5D=x")).await;
    bracket_operator.assert_problem(StatusCode::BAD_REQUEST);
}
