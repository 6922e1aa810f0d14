//! The startup sequence: instances starting together take turns with the
//! startup tasks, under the global lock of the chosen database.

use std::time::{Duration, Instant};

use axum::http::StatusCode;

use {{crate_name}}_persistence_model::test_support::TestDatabase;
use {{crate_name}}_service::startup::{Application, GlobalLock, connect};

use crate::helpers::settings_for;

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
        started.push(app.expect("every instance starts"));
    }
    assert_eq!(started.len(), 4);
    let health = crate::helpers::TestApp::from_router(started[0].router());
    let ready = health.get("/health/ready").await;
    assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
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
