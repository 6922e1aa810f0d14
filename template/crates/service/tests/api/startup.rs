//! The startup sequence: the service serves at once and turns ready when its
//! startup tasks have run; instances starting together take turns with those
//! tasks, under the global lock of the chosen database.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use async_trait::async_trait;
use axum::http::{StatusCode, header};

use {{crate_name}}_persistence_{{backend}}::Connection;
use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;
use {{crate_name}}_service::startup::{Application, GlobalLock, StartupTask};
use {{crate_name}}_service::startup::{connect, run_startup_tasks};

use crate::helpers::{COLLECTION, TestApp, settings_for};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_all_come_up() {
    let database = TestDatabase::create().await;
    // All four prepare the same schema at once (unlocked, racing migrations
    // fail); that they take turns is what the next test proves.
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

/// Instances starting together take turns: each runs its startup tasks
/// under the global lock, so a task that takes a while never finds another
/// instance's task running, whatever the tasks themselves do.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn startup_tasks_of_instances_starting_together_never_overlap() {
    let database = TestDatabase::create().await;
    let settings = settings_for(&database);
    let probe = OverlapProbe::default();
    let instances: Vec<_> = (0..4)
        .map(|_| {
            let (settings, probe) = (settings.clone(), probe.clone());
            tokio::spawn(async move {
                // A pool of its own, as another process would have.
                let db = connect(&settings).await.expect("connects");
                let tasks: Vec<Box<dyn StartupTask>> = vec![Box::new(probe)];
                run_startup_tasks(&db, &settings.startup, tasks).await
            })
        })
        .collect();
    for instance in instances {
        let outcome = instance.await.expect("the instance completes");
        outcome.expect("its startup tasks run");
    }
    let runs = probe.runs.load(Ordering::SeqCst);
    assert_eq!(runs, 4, "every instance runs the task once");
    let most = probe.most_at_once.load(Ordering::SeqCst);
    assert_eq!(most, 1, "{most} instances ran their startup tasks at once");
}

/// A startup task that counts how many instances run it at the same time.
#[derive(Debug, Clone, Default)]
struct OverlapProbe {
    running: Arc<AtomicUsize>,
    most_at_once: Arc<AtomicUsize>,
    runs: Arc<AtomicUsize>,
}

#[async_trait]
impl StartupTask for OverlapProbe {
    fn name(&self) -> &'static str {
        "overlap probe"
    }

    fn order(&self) -> u32 {
        0
    }

    async fn run(&self, _db: &Connection) -> anyhow::Result<()> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.most_at_once.fetch_max(now, Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(300)).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        self.runs.fetch_add(1, Ordering::SeqCst);
        Ok(())
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
