//! Startup sequence: connect (with retries), run the startup tasks under the
//! global lock, bind, serve until a shutdown signal.

mod lock;
mod tasks;

use std::sync::Arc;
use std::time::Duration;

use {{crate_name}}_persistence_model::PersistenceError;
{%- if backend == "sql" %}
use {{crate_name}}_persistence_model::sql::SqlStore;
{%- else %}
use {{crate_name}}_persistence_model::mongo::MongoStore;
{%- endif %}
use {{crate_name}}_persistence_model::{{backend}}::{self, Connection, ConnectionSettings};
use anyhow::Context;
use axum::Router;
use tokio::net::TcpListener;

use crate::config::Settings;
use crate::http::{AppState, recorder, router};

pub use lock::GlobalLock;
pub use tasks::{PrepareSchema, SchemaCheck, StartupTask};
pub use tasks::{run_startup_tasks, startup_tasks};

/// A built service: database ready, listener bound, not yet serving.
#[derive(Debug)]
pub struct Application {
    listener: TcpListener,
    router: Router,
}

impl Application {
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let db = connect(&settings).await?;
        let tasks = startup_tasks(&settings);
        run_startup_tasks(&db, &settings.startup, tasks).await?;
{%- if backend == "sql" %}
        let store = Arc::new(SqlStore::new(db.clone()));
{%- else %}
        let transactions = settings.mongodb.transactions;
        let store = Arc::new(MongoStore::new(db.clone(), transactions));
{%- endif %}
        let metrics = recorder()?;
        let state = AppState::new(store, SchemaCheck::new(db), metrics);
        let router = router(state, &settings.server);
        let address = (settings.server.host.as_str(), settings.server.port);
        let listener = TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on {address:?}"))?;
        Ok(Self { listener, router })
    }

    /// The bound port (useful when the configured port was 0).
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map_or(0, |a| a.port())
    }

    /// The router, for tests that call it without a socket.
    pub fn router(&self) -> Router {
        self.router.clone()
    }

    /// Serves until SIGINT or SIGTERM, then lets in-flight requests finish.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        tracing::info!(port = self.port(), "listening");
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

/// Connects with exponential backoff, so a database that starts a little
/// after the service (compose, Kubernetes) does not crash it.
pub async fn connect(settings: &Settings) -> anyhow::Result<Connection> {
    let database = &settings.database;
    let connection = ConnectionSettings {
        max_connections: database.max_connections,
        connect_timeout: Duration::from_secs(database.connect_timeout_secs),
{%- if backend == "mongo" %}
        transactions: settings.mongodb.transactions,
{%- endif %}
    };
    let attempts = database.connect_attempts.max(1);
    let mut delay = Duration::from_millis(250);
    let mut attempt = 1;
    loop {
        match {{backend}}::connect(database.url.expose(), &connection).await {
            Ok(db) => return Ok(db),
            // Only an unreachable server is worth waiting for; a wrong URL or
            // an unsuitable server fails at once with its reason.
            Err(err @ PersistenceError::Unavailable(_)) if attempt < attempts => {
                tracing::warn!(attempt, error = %err, "database not reachable, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(10));
                attempt += 1;
            }
            Err(err) => {
                let context = format!(
                    "cannot connect to the database (attempt {attempt} of \
                     {attempts}; check APP__DATABASE__URL)"
                );
                return Err(err).context(context);
            }
        }
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
