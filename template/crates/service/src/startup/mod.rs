//! Startup sequence: bind and serve at once, then, in the background, wait for
//! the database, run the startup tasks under the global lock, and turn ready.
//!
//! Until then `/health/live` answers 200, `/health/ready` 503 with the reason,
//! and the API 503: an orchestrator sees a live process that is not ready yet,
//! instead of a crash loop while the database comes up.

mod lock;
{%- if migrations %}
mod migrations;
{%- else %}
mod schema;
{%- endif %}
mod tasks;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::diagnostics::describe;
use crate::http::{AppState, Probes, recorder, router, upkeep};
use crate::readiness::{Phase, Readiness, ReadinessCheck};
{%- if message_bus == "rabbitmq" %}
use crate::relay::{self, BrokerCheck};
use crate::subscriber::{self, SubscriberCheck};
{%- endif %}
{% if message_bus == "rabbitmq" %}
use {{crate_name}}_messaging::{Consumer, Publisher};
{%- endif %}
use {{crate_name}}_persistence_model::{PersistenceError, Store};
use {{crate_name}}_persistence_{{backend}} as persistence;
use {{crate_name}}_persistence_{{backend}}::{Connection, ConnectionSettings, {% if backend == "sql" %}SqlStore{% else %}MongoStore{% endif %}};

pub use lock::GlobalLock;
{%- if migrations %}
pub use migrations::{PrepareSchema, SchemaCheck};
{%- else %}
pub use schema::{PrepareSchema, SchemaCheck};
{%- endif %}
pub use tasks::{StartupTask, run_startup_tasks, startup_tasks};

/// The longest pause between two attempts to reach the database.
const MAX_RETRY_DELAY: Duration = Duration::from_secs(10);
/// How long background work may take to finish after the HTTP server has
/// drained; then it is aborted, which the outbox and the inbox survive.
const STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// A built service: listener bound, startup under way in the background.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    metrics: PrometheusHandle,
    readiness: Readiness,
    startup: JoinHandle<anyhow::Result<()>>,
    stop: watch::Sender<bool>,
    /// How long in-flight requests may take once stopping has begun.
    drain_timeout: Duration,
}

impl Application {
    /// Binds the listener and starts the startup sequence. Fails only for
    /// what waiting cannot fix: a database URL that cannot work, a port that
    /// cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = connect(&settings).await?;
{%- if message_bus == "rabbitmq" %}
        let publisher = relay::publisher(&settings)?;
        let consumer = subscriber::consumer(&settings)?;
{%- endif %}
{%- if backend == "sql" %}
        let store: Arc<dyn Store> = Arc::new(SqlStore::new(db.clone()));
{%- else %}
        let transactions = settings.mongodb.transactions;
        let store: Arc<dyn Store> = Arc::new(MongoStore::new(db.clone(), transactions));
{%- endif %}
        let readiness = Readiness::new();
{%- if message_bus == "rabbitmq" %}
        let mut checks: Vec<Box<dyn ReadinessCheck>> = vec![
{%- else %}
        let checks: Vec<Box<dyn ReadinessCheck>> = vec![
{%- endif %}
            Box::new(readiness.clone()),
            Box::new(DatabaseCheck(store.clone())),
            Box::new(SchemaCheck::new(db.clone())),
{%- if message_bus == "rabbitmq" %}
            Box::new(BrokerCheck(publisher.clone())),
{%- endif %}
        ];
{%- if message_bus == "rabbitmq" %}
        if let Some(consumer) = &consumer {
            checks.push(Box::new(SubscriberCheck(consumer.clone())));
        }
{%- endif %}
        let probes = Probes {
            readiness: readiness.clone(),
            checks,
            check_timeout: settings.health.check_timeout(),
        };
        let metrics = recorder()?;
        let state = AppState::new(store.clone(), probes, metrics.clone());
        let router = router(state, &settings.server);
        let address = (settings.server.host.as_str(), settings.server.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address:?}"))?;
        let (stop, stopped) = watch::channel(false);
        let background = Background {
            readiness: readiness.clone(),
            stop: Stop(stopped),
{%- if message_bus == "rabbitmq" %}
            publisher,
            consumer,
{%- endif %}
        };
        let drain_timeout = settings.server.shutdown_timeout();
        let startup = tokio::spawn(start(store, db, settings, background));
        Ok(Self {
            listener,
            router,
            metrics,
            readiness,
            startup,
            stop,
            drain_timeout,
        })
    }

    /// The bound port (useful when the configured port was 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The router, for tests that call it without a socket.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Waits until startup has finished: `Err` if it failed.
    pub async fn ready(&self) -> anyhow::Result<()> {
        self.readiness.wait().await.map_err(anyhow::Error::msg)
    }

    /// Serves until SIGINT or SIGTERM, then stops accepting connections and
    /// lets in-flight requests finish (for at most `server.shutdown_timeout_secs`),
    /// then stops the background work (giving it at most five seconds).
    /// A startup that fails for good (a migration error, a held lock) stops
    /// the service too, and its error is returned.
    pub async fn run_until_stopped(mut self) -> anyhow::Result<()> {
        tracing::info!(port = self.port(), "listening");
        let readiness = self.readiness.clone();
        let (stopping, stop_began) = tokio::sync::oneshot::channel();
        let stop = async move {
            tokio::select! {
                () = shutdown_signal() => {}
                () = readiness.failed() => {}
            }
            let _ = stopping.send(());
        };
        let drain_timeout = self.drain_timeout;
        let deadline = async move {
            // A dropped sender means the server ended on its own: no deadline.
            match stop_began.await {
                Ok(()) => tokio::time::sleep(drain_timeout).await,
                Err(_) => std::future::pending().await,
            }
        };
        let upkeep = tokio::spawn(upkeep(self.metrics));
        let serve = axum::serve(self.listener, self.router).with_graceful_shutdown(stop);
        let served = tokio::select! {
            served = serve.into_future() => served,
            () = deadline => {
                tracing::warn!(timeout = ?drain_timeout, "requests still in flight; closing them");
                Ok(())
            }
        };
        upkeep.abort();
        served?;
        self.stop.send_replace(true);
        match tokio::time::timeout(STOP_TIMEOUT, &mut self.startup).await {
            Ok(finished) => finished??,
            Err(_elapsed) => {
                tracing::warn!(timeout = ?STOP_TIMEOUT, "background work did not stop; aborting it");
                self.startup.abort();
            }
        }
        Ok(())
    }
}

/// Resolves once the process is stopping: the signal for background work.
#[derive(Debug, Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    pub async fn requested(mut self) {
        // A dropped sender means the application is gone: stop as well.
        let _stopping = self.0.wait_for(|stopping| *stopping).await;
    }
}

/// What the startup task needs besides the store, and then runs once ready.
struct Background {
    readiness: Readiness,
    stop: Stop,
{%- if message_bus == "rabbitmq" %}
    publisher: Publisher,
    consumer: Option<Consumer>,
{%- endif %}
}

/// Creates the connection pool (or client) without reaching the server: a
/// URL that cannot work fails here, naming where it was set.
pub async fn connect(settings: &Settings) -> anyhow::Result<Connection> {
    let database = &settings.database;
    let connection = ConnectionSettings {
        max_connections: database.max_connections,
        acquire_timeout: database.acquire_timeout(),
{%- if backend == "mongo" %}
        transactions: settings.mongodb.transactions,
{%- endif %}
    };
    let connected = persistence::connect(database.url.expose(), &connection).await;
    connected.with_context(|| {
        let origin = settings.origin("database.url");
        format!("database.url ({origin}) cannot be used")
    })
}

/// The startup sequence, reporting its progress in `readiness`, until done
/// or stopped.
{%- if message_bus == "rabbitmq" %}
/// Once ready, the outbox relay and the subscriber (their tables exist by
/// then), until the process stops.
{%- endif %}
async fn start(
    store: Arc<dyn Store>,
    db: Connection,
    settings: Settings,
    background: Background,
) -> anyhow::Result<()> {
    let readiness = &background.readiness;
    let startup = run_startup(store.as_ref(), &db, &settings, readiness);
    let outcome = tokio::select! {
        outcome = startup => outcome,
        () = background.stop.clone().requested() => return Ok(()),
    };
    match &outcome {
        Ok(()) => {
            tracing::info!("ready");
            readiness.set(Phase::Ready);
{%- if message_bus == "rabbitmq" %}
            run_background(store, &settings, background).await;
{%- endif %}
        }
        Err(err) => {
            let reason = describe(err.as_ref());
            tracing::error!(error = reason, "startup failed");
            readiness.set(Phase::Failed(reason));
        }
    }
    outcome
}

{%- if message_bus == "rabbitmq" %}

/// The relay and, when enabled, the subscriber, until the process stops.
async fn run_background(store: Arc<dyn Store>, settings: &Settings, background: Background) {
    let Background {
        publisher,
        consumer,
        stop,
        ..
    } = background;
    let relay = relay::run(store.clone(), publisher, settings, stop.clone().requested());
    match consumer {
        Some(consumer) => {
            let subscriber = subscriber::run(consumer, store, settings, stop.requested());
            tokio::join!(relay, subscriber);
        }
        None => relay.await,
    }
}
{%- endif %}

async fn run_startup(
    store: &dyn Store,
    db: &Connection,
    settings: &Settings,
    readiness: &Readiness,
) -> anyhow::Result<()> {
    loop {
        wait_for_database(store, settings, readiness).await?;
        readiness.set(Phase::RunningStartupTasks);
        let tasks = startup_tasks(settings);
        let Err(err) = run_startup_tasks(db, &settings.startup, tasks).await else {
            return Ok(());
        };
        // Tasks are idempotent: one that failed because the database went
        // away runs again once it is back. Any other failure is final.
        match store.ping().await {
            Err(PersistenceError::Unavailable(_)) => {
                let error = describe(err.as_ref());
                tracing::warn!(error, "startup tasks failed; waiting for the database");
            }
            _ => return Err(err),
        }
    }
}

/// Pings until the database answers, with capped exponential backoff. Only
/// an unreachable database is waited for (forever, unless
/// `database.connect_attempts` is set); a database that answers but cannot be
/// used (a standalone MongoDB server with transactions on) fails at once.
pub async fn wait_for_database(
    store: &dyn Store,
    settings: &Settings,
    readiness: &Readiness,
) -> anyhow::Result<()> {
    let limit = settings.database.connect_attempts;
    let mut delay = Duration::from_millis(250);
    let mut attempt: u32 = 1;
    loop {
        let err = match store.ping().await {
            Ok(()) => return Ok(()),
            Err(err @ PersistenceError::Unavailable(_)) => err,
            Err(err) => {
                let origin = settings.origin("database.url");
                let context = format!("the database at database.url ({origin}) cannot be used");
                return Err(err).context(context);
            }
        };
        if limit.is_some_and(|limit| attempt >= limit) {
            let origin = settings.origin("database.connect_attempts");
            let context = format!(
                "the database is still unreachable after {attempt} attempts \
                 (database.connect_attempts, {origin})"
            );
            return Err(err).context(context);
        }
        let reason = describe(&err);
        tracing::warn!(attempt, error = reason, retry_in = ?delay, "database not reachable");
        readiness.set(Phase::WaitingForDatabase { attempt, reason });
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(MAX_RETRY_DELAY);
        attempt = attempt.saturating_add(1);
    }
}

/// Readiness: the database answers.
#[derive(Debug)]
struct DatabaseCheck(Arc<dyn Store>);

#[async_trait]
impl ReadinessCheck for DatabaseCheck {
    fn name(&self) -> &'static str {
        "database"
    }

    async fn check(&self) -> Result<(), String> {
        self.0.ping().await.map_err(|err| describe(&err))
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl+C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut stream) => {
                stream.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutdown signal received, draining requests");
}
