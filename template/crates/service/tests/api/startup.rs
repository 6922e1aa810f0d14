//! The startup sequence: the service serves at once and turns ready when its
//! startup tasks have run; instances starting together take turns with those
//! tasks, under the global lock of the chosen database.

use std::time::{Duration, Instant};

use axum::http::{StatusCode, header};

use {{crate_name}}_persistence_model::test_support::TestDatabase;
use {{crate_name}}_service::startup::{Application, GlobalLock, connect};

use crate::helpers::{COLLECTION, TestApp, settings_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_all_come_up() {
    let database = TestDatabase::create().await;
    // Without the lock, instances racing to create the same schema fail.
    let instances: Vec<_> = (0..4)
        .map(|_| tokio::spawn(Application::build(settings_for(&database))))
        .collect();
    let mut started = Vec::new();
    for instance in instances {
        let app = instance.await.expect("the start task completes");
        let app = app.expect("every instance builds");
        app.ready().await.expect("every instance starts");
        started.push(app);
    }
    for app in &started {
        let ready = TestApp::from_router(app.router())
            .get("/health/ready")
            .await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_startup_lock_makes_others_wait_then_fail_clearly() {
    let database = TestDatabase::create().await;
    let mut settings = settings_for(&database);
    settings.startup.lock_timeout_secs = 1;
    let db = connect(&settings).await.expect("connects");
    let held = GlobalLock::acquire(&db, &settings.startup)
        .await
        .expect("the first instance takes the lock");

    let started = Instant::now();
    let waiting = GlobalLock::acquire(&db, &settings.startup).await;
    let err = waiting.expect_err("a second instance cannot take a held lock");
    let waited = started.elapsed();
    assert!(waited >= Duration::from_secs(1), "gave up after {waited:?}");
    assert!(err.to_string().contains("startup lock"), "{err}");

    held.release().await.expect("the lock is released");
    let again = GlobalLock::acquire(&db, &settings.startup).await;
    let again = again.expect("a released lock can be taken");
    again.release().await.expect("and released again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn until_startup_tasks_have_run_the_service_is_live_but_not_ready() {
    let database = TestDatabase::create().await;
    let settings = settings_for(&database);
    // Another instance holds the lock: this one's startup tasks wait.
    let db = connect(&settings).await.expect("connects");
    let held = GlobalLock::acquire(&db, &settings.startup).await.unwrap();
    let app = Application::build(settings).await.expect("builds");
    let client = TestApp::from_router(app.router());

    let live = client.get("/health/live").await;
    assert_eq!(live.status, StatusCode::OK);
    let ready = client.get("/health/ready").await;
    assert_eq!(
        ready.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        ready.body
    );
    let startup = &ready.body["checks"][0];
    assert_eq!(startup["name"], "startup");
    assert_eq!(startup["detail"], "running startup tasks");
    let api = client.get(COLLECTION).await;
    api.assert_problem(StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(api.header(header::RETRY_AFTER), "1");

    held.release().await.unwrap();
    app.ready().await.expect("starts once the lock is free");
    let ready = client.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
    assert_eq!(client.get(COLLECTION).await.status, StatusCode::OK);
}
