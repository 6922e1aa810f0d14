//! Database outages, through a TCP proxy that cuts and restores the
//! connection: requests fail fast with 503 while the database is away, and
//! the service recovers by itself, without a restart.

use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};

use {{crate_name}}_persistence_model::test_support::TcpProxy;
use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;
use {{crate_name}}_service::startup::Application;

use crate::helpers::{COLLECTION, TestApp, settings_for_url};

/// What "fast" means here: the configured waits are one second; this leaves
/// room for a loaded CI machine while still failing the old behaviour (a 5 s
/// wait per request, 10 s for readiness).
const FAST: Duration = Duration::from_secs(3);

/// How long a recovery may take once the database is back.
const RECOVERY: Duration = Duration::from_secs(30);

async fn app_behind(proxy: &TcpProxy, database: &TestDatabase) -> Application {
    let settings = settings_for_url(&proxy.url_for(database.url()));
    Application::build(settings).await.expect("builds")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn during_an_outage_requests_fail_fast_and_the_service_recovers() {
    let database = TestDatabase::create().await;
    let proxy = TcpProxy::to_server_of(database.url()).await;
    let app = app_behind(&proxy, &database).await;
    app.ready().await.expect("starts");
    let client = TestApp::from_router(app.router());
    let created = client.create_ok("Desk", 100).await;
    let one = format!("{COLLECTION}/{}", created["id"].as_str().unwrap());

    proxy.cut();
    let started = Instant::now();
    let list = client.get(COLLECTION).await;
    let list_took = started.elapsed();
    list.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert!(!list.header(header::RETRY_AFTER).is_empty());
    let started = Instant::now();
    let ready = client.get("/health/ready").await;
    let ready_took = started.elapsed();
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        ready.body
    );
    let write = client
        .create(&serde_json::json!({ "name": "Chair", "amount_cents": 1 }))
        .await;
    write.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    println!("during the outage: list answered in {list_took:?}, readiness in {ready_took:?}");
    assert!(list_took < FAST, "a request waited {list_took:?}");
    assert!(ready_took < FAST, "readiness waited {ready_took:?}");

    proxy.restore();
    let recovered = eventually(RECOVERY, || async {
        client.get(&one).await.status == StatusCode::OK
    })
    .await;
    let recovered = recovered.expect("the API recovers without a restart");
    println!("recovered {recovered:?} after the database came back");
    let ready = client.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_down_at_startup_is_waited_for() {
    let database = TestDatabase::create().await;
    let proxy = TcpProxy::to_server_of(database.url()).await;
    proxy.cut();
    let app = app_behind(&proxy, &database).await;
    let client = TestApp::from_router(app.router());

    assert_eq!(client.get("/health/live").await.status, StatusCode::OK);
    let waiting = eventually(FAST * 2, || async {
        let ready = client.get("/health/ready").await;
        let detail = ready.body["checks"][0]["detail"].as_str().unwrap_or("");
        ready.status == StatusCode::SERVICE_UNAVAILABLE
            && detail.starts_with("waiting for the database")
    })
    .await;
    assert!(
        waiting.is_some(),
        "readiness says it waits for the database"
    );
    client
        .get(COLLECTION)
        .await
        .assert_problem(StatusCode::SERVICE_UNAVAILABLE);

    proxy.restore();
    let started = tokio::time::timeout(RECOVERY, app.ready()).await;
    started
        .expect("starts soon after")
        .expect("starts once the database is back");
    assert_eq!(client.get(COLLECTION).await.status, StatusCode::OK);
}

/// Calls `probe` until it returns `true` or `deadline` passes; the time it
/// took. For state that changes in the background (a service turning ready).
async fn eventually<F, Fut>(deadline: Duration, mut probe: F) -> Option<Duration>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let started = Instant::now();
    while started.elapsed() < deadline {
        if probe().await {
            return Some(started.elapsed());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    None
}
