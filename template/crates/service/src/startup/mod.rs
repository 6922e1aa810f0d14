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
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::Settings;
use crate::diagnostics::describe;
use crate::http::{AppState, Probes, recorder, router};
use crate::readiness::{Phase, Readiness, ReadinessCheck};
{%- if message_bus == "rabbitmq" %}
use crate::relay::{self, BrokerCheck};
{%- endif %}
{% if message_bus == "rabbitmq" %}
use {{crate_name}}_messaging::Publisher;
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

/// A built service: listener bound, startup under way in the background.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
    readiness: Readiness,
    startup: JoinHandle<anyhow::Result<()>>,
}

impl Application {
    /// Binds the listener and starts the startup sequence. Fails only for
    /// what waiting cannot fix: a database URL that cannot work, a port that
    /// cannot be bound.
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = connect(&settings).await?;
{%- if message_bus == "rabbitmq" %}
        let publisher = relay::publisher(&settings)?;
{%- endif %}
{%- if backend == "sql" %}
        let store: Arc<dyn Store> = Arc::new(SqlStore::new(db.clone()));
{%- else %}
        let transactions = settings.mongodb.transactions;
        let store: Arc<dyn Store> = Arc::new(MongoStore::new(db.clone(), transactions));
{%- endif %}
        let readiness = Readiness::new();
        let probes = Probes {
            readiness: readiness.clone(),
            checks: vec![
                Box::new(readiness.clone()),
                Box::new(DatabaseCheck(store.clone())),
                Box::new(SchemaCheck::new(db.clone())),
{%- if message_bus == "rabbitmq" %}
                Box::new(BrokerCheck(publisher.clone())),
{%- endif %}
            ],
            check_timeout: settings.health.check_timeout(),
        };
        let state = AppState::new(store.clone(), probes, recorder()?);
        let router = router(state, &settings.server);
        let address = (settings.server.host.as_str(), settings.server.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address:?}"))?;
{%- if message_bus == "rabbitmq" %}
        let startup = tokio::spawn(start(store, db, settings, readiness.clone(), publisher));
{%- else %}
        let startup = tokio::spawn(start(store, db, settings, readiness.clone()));
{%- endif %}
        Ok(Self {
            listener,
            router,
            readiness,
            startup,
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

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    /// A startup that fails for good (a migration error, a held lock) stops
    /// the service too, and its error is returned.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        tracing::info!(port = self.port(), "listening");
        let readiness = self.readiness.clone();
        let stop = async move {
            tokio::select! {
                () = shutdown_signal() => {}
                () = readiness.failed() => {}
            }
        };
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(stop)
            .await?;
        if self.startup.is_finished() {
            self.startup.await??;
        } else {
            self.startup.abort();
        }
        Ok(())
    }
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

/// The startup sequence, reporting its progress in `readiness`.
{%- if message_bus == "rabbitmq" %}
/// Once ready, the outbox relay (its table exists by then), for as long as
/// the process runs.
{%- endif %}
async fn start(
    store: Arc<dyn Store>,
    db: Connection,
    settings: Settings,
    readiness: Readiness,
{%- if message_bus == "rabbitmq" %}
    publisher: Publisher,
{%- endif %}
) -> anyhow::Result<()> {
    let outcome = run_startup(store.as_ref(), &db, &settings, &readiness).await;
    match &outcome {
        Ok(()) => {
            tracing::info!("ready");
            readiness.set(Phase::Ready);
{%- if message_bus == "rabbitmq" %}
            relay::run(store, publisher, &settings).await;
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
