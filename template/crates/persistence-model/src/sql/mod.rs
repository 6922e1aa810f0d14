//! The SeaORM implementation of the persistence model, on {{database}}.

mod entity;
mod error;
mod query;
mod repository;
{%- unless migrations %}
mod schema;
{%- endunless %}

use std::time::Duration;

use async_trait::async_trait;
{%- if database == "sqlite" %}
use sea_orm::sqlx::sqlite::SqliteJournalMode;
{%- endif %}
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm::{DatabaseTransaction, TransactionTrait};

use crate::{PersistenceError, Result, Store, UnitOfWork};

use crate::{{Aggregate}}Repository;
use repository::Sql{{Aggregate}}Repository;

{%- unless migrations %}
pub use schema::{check_schema, ensure_schema};
{%- endunless %}

/// What the service connects to: a pool of {{database}} connections.
pub type Connection = DatabaseConnection;

/// Connection settings for [`connect`].
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub max_connections: u32,
    /// How long an operation waits for a pooled connection, opening one
    /// included. While the database is unreachable every request fails after
    /// this long, so it is short: a client gets its 503 quickly.
    pub acquire_timeout: Duration,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(1),
        }
    }
}

/// Creates a connection pool without connecting: connections open on first
/// use, so a database that is down at startup is waited for (see
/// [`Store::ping`]) instead of failing here. Only a malformed URL fails at
/// once. The URL is never logged: it may hold a password.
pub async fn connect(url: &str, settings: &ConnectionSettings) -> Result<DatabaseConnection> {
    let mut options = ConnectOptions::new(url);
    options
        .max_connections(settings.max_connections)
        .acquire_timeout(settings.acquire_timeout)
        .connect_lazy(true)
        .sqlx_logging(false);
{%- if database == "sqlite" %}
    // WAL lets readers and one writer work at once; without it a reader
    // blocks every commit until the busy timeout runs out.
    options.map_sqlx_sqlite_opts(|opts| opts.journal_mode(SqliteJournalMode::Wal));
{%- endif %}
    // A lazy pool does no I/O: the only error here is a URL it cannot use.
    let connected = Database::connect(options).await;
    connected.map_err(|err| PersistenceError::Configuration(err.to_string()))
}

/// A [`Store`] over a SeaORM connection pool.
#[derive(Debug, Clone)]
pub struct SqlStore {
    db: DatabaseConnection,
    {{aggregates}}: Sql{{Aggregate}}Repository<DatabaseConnection>,
}

impl SqlStore {
    pub fn new(db: DatabaseConnection) -> Self {
        Self {
            {{aggregates}}: Sql{{Aggregate}}Repository::new(db.clone()),
            db,
        }
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

#[async_trait]
impl Store for SqlStore {
    fn {{aggregates}}(&self) -> &dyn {{Aggregate}}Repository {
        &self.{{aggregates}}
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>> {
        let transaction = self.db.begin().await.map_err(error::from_db)?;
        let {{aggregates}} = Sql{{Aggregate}}Repository::new(transaction);
        Ok(Box::new(SqlUnitOfWork { {{aggregates}} }))
    }

    async fn ping(&self) -> Result<()> {
        self.db.ping().await.map_err(error::from_db)
    }
}

/// A unit of work on one database transaction; dropping it rolls back.
#[derive(Debug)]
struct SqlUnitOfWork {
    {{aggregates}}: Sql{{Aggregate}}Repository<DatabaseTransaction>,
}

#[async_trait]
impl UnitOfWork for SqlUnitOfWork {
    fn {{aggregates}}(&self) -> &dyn {{Aggregate}}Repository {
        &self.{{aggregates}}
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        let transaction = self.{{aggregates}}.into_connection();
        transaction.commit().await.map_err(error::from_db)
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        let transaction = self.{{aggregates}}.into_connection();
        transaction.rollback().await.map_err(error::from_db)
    }
}
