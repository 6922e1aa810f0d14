//! The persistence model on {{database}}, with SeaORM.
//!
//! A [`SqlStore`] reads through a connection pool; its units of work each own
//! one database transaction, which their repositories borrow, so every write
//! of a unit of work commits or rolls back together.

mod entity;
mod error;
{%- if message_bus == "rabbitmq" %}
mod inbox;
mod outbox;
{%- endif %}
mod query;
{%- unless migrations %}
mod schema;
{%- endunless %}

// Repositories, one per aggregate.
mod {{aggregate}}_repository;

#[cfg(feature = "test-support")]
pub mod test_support;

use std::time::Duration;

use async_trait::async_trait;
{%- if message_bus == "rabbitmq" %}
use chrono::{DateTime, Utc};
{%- endif %}
{%- if database == "sqlite" %}
use sea_orm::TransactionTrait;
use sea_orm::sqlx::sqlite::SqliteJournalMode;
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm::{DatabaseTransaction, DbErr, SqliteTransactionMode, TransactionOptions};
{%- else %}
use sea_orm::{ConnectOptions, Database, DatabaseConnection};
use sea_orm::{DatabaseTransaction, DbErr, TransactionTrait};
{%- endif %}
{%- if message_bus == "rabbitmq" %}
use uuid::Uuid;
{%- endif %}

use crate::error::from_db;

use {{crate_name}}_entity_model::DomainEvent;
{%- if message_bus == "rabbitmq" %}
use {{crate_name}}_persistence_model::{Outbox, OutboxSignal};
{%- endif %}
use {{crate_name}}_persistence_model::{PendingEvents, PersistenceError, Result};
use {{crate_name}}_persistence_model::{Store, UnitOfWork};
{%- if message_bus == "rabbitmq" %}

use crate::inbox::SqlActivityRepository;
use {{crate_name}}_persistence_model::{{Aggregate}}ActivityRepository as ActivityRepository;
{%- endif %}

// Repositories, one per aggregate.
use crate::{{aggregate}}_repository::Sql{{Aggregate}}Repository;
use {{crate_name}}_persistence_model::{{Aggregate}}Repository;

{%- unless migrations %}

pub use schema::{check_schema, ensure_schema};
{%- endunless %}

/// A pooled connection idle for less than this is handed out without a ping.
/// sqlx pings on every acquire by default, one more round trip per request,
/// to find connections that died while idle. One used this recently is alive
/// but for a failure of the last moment, which its query then reports like
/// any other (HikariCP skips its check the same way, for 500 ms).
const PING_IF_IDLE_FOR: Duration = Duration::from_millis(500);

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
        .test_before_acquire_if_idle_for(PING_IF_IDLE_FOR)
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
{%- if message_bus == "rabbitmq" %}
    signal: OutboxSignal,
{%- endif %}
}

impl SqlStore {
    pub fn new(db: DatabaseConnection) -> Self {
{%- if message_bus == "rabbitmq" %}
        let signal = OutboxSignal::default();
        Self { db, signal }
{%- else %}
        Self { db }
{%- endif %}
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.db
    }
}

#[async_trait]
impl Store for SqlStore {
    // Repositories, one per aggregate.
    fn {{aggregates}}(&self) -> Box<dyn {{Aggregate}}Repository + '_> {
        Box::new(Sql{{Aggregate}}Repository::new(&self.db))
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>> {
        let transaction = begin_write(&self.db).await.map_err(from_db)?;
        Ok(Box::new(SqlUnitOfWork {
            transaction,
            events: PendingEvents::default(),
{%- if message_bus == "rabbitmq" %}
            signal: self.signal.clone(),
{%- endif %}
        }))
    }

    async fn ping(&self) -> Result<()> {
        self.db.ping().await.map_err(from_db)
    }
{%- if message_bus == "rabbitmq" %}

    fn outbox(&self) -> &dyn Outbox {
        self
    }

    fn {{aggregate}}_activity(&self) -> Box<dyn ActivityRepository + '_> {
        Box::new(SqlActivityRepository::new(&self.db))
    }

    async fn purge_inbox(&self, before: DateTime<Utc>) -> Result<u64> {
        inbox::purge(&self.db, before).await
    }
{%- endif %}
}
{% if database == "sqlite" %}
/// A transaction that will write. `BEGIN IMMEDIATE` takes SQLite's single
/// write lock at once (waiting for it, within the busy timeout): a deferred
/// transaction that reads before it writes fails its first write when
/// another connection committed in between, even a relay marking a message
/// published, which would turn unrelated writes into conflicts.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    let options = TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..TransactionOptions::default()
    };
    db.begin_with_options(options).await
}
{%- else %}
/// A transaction that will write; row locks and conditional updates keep
/// concurrent ones apart.
pub(crate) async fn begin_write(db: &DatabaseConnection) -> Result<DatabaseTransaction, DbErr> {
    db.begin().await
}
{%- endif %}

/// A unit of work on one database transaction; dropping it rolls back.
#[derive(Debug)]
struct SqlUnitOfWork {
    transaction: DatabaseTransaction,
    events: PendingEvents,
{%- if message_bus == "rabbitmq" %}
    signal: OutboxSignal,
{%- endif %}
}

#[async_trait]
impl UnitOfWork for SqlUnitOfWork {
    // Repositories, one per aggregate.
    fn {{aggregates}}(&self) -> Box<dyn {{Aggregate}}Repository + '_> {
        Box::new(Sql{{Aggregate}}Repository::new(&self.transaction))
    }

    fn record(&mut self, events: Vec<DomainEvent>) {
        self.events.record(events);
    }
{%- if message_bus == "rabbitmq" %}

    fn {{aggregate}}_activity(&self) -> Box<dyn ActivityRepository + '_> {
        Box::new(SqlActivityRepository::new(&self.transaction))
    }

    async fn accept_message(
        &mut self,
        consumer: &str,
        message_id: Uuid,
        received_at: DateTime<Utc>,
    ) -> Result<bool> {
        let transaction = &self.transaction;
        inbox::accept(transaction, consumer, message_id, received_at).await
    }
{%- endif %}

    async fn commit(self: Box<Self>) -> Result<()> {
{%- if message_bus == "rabbitmq" %}
        // The events go into the outbox in the change's own transaction.
        let messages = self.events.to_outbox();
        let wrote_messages = !messages.is_empty();
        outbox::write(&self.transaction, messages).await?;
        self.transaction.commit().await.map_err(from_db)?;
        if wrote_messages {
            self.signal.notify();
        }
{%- else %}
        self.transaction.commit().await.map_err(from_db)?;
        self.events.committed();
{%- endif %}
        Ok(())
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        self.transaction.rollback().await.map_err(from_db)
    }
}
