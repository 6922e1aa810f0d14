//! The persistence model on MongoDB, with the official driver.
//!
//! A unit of work is a multi-document transaction on a client session that it
//! owns and its repositories borrow. MongoDB offers transactions on replica
//! sets and sharded clusters only: the store's [`Store::ping`] refuses a
//! standalone server unless transactions are off.

mod document;
mod error;
{%- if message_bus == "rabbitmq" %}
mod inbox;
mod outbox;
{%- endif %}
mod query;
{%- unless migrations %}
mod schema;
{%- endunless %}
mod session;

// Repositories and documents, one per aggregate.
mod {{aggregate}}_document;
mod {{aggregate}}_repository;

#[cfg(feature = "test-support")]
pub mod test_support;

use std::time::Duration;

use async_trait::async_trait;
{%- if message_bus == "rabbitmq" %}
use chrono::{DateTime, Utc};
{%- endif %}
use mongodb::bson::{Document, doc};
use mongodb::options::ClientOptions;
use mongodb::{Client, ClientSession, Database};
use tokio::sync::Mutex;
{%- if message_bus == "rabbitmq" %}
use uuid::Uuid;
{%- endif %}

use {{crate_name}}_entity_model::DomainEvent;
{%- if message_bus == "rabbitmq" %}
use {{crate_name}}_persistence_model::{Outbox, OutboxSignal};
{%- endif %}
use {{crate_name}}_persistence_model::{PendingEvents, PersistenceError, Result};
use {{crate_name}}_persistence_model::{Store, UnitOfWork};
{%- if message_bus == "rabbitmq" %}

use crate::inbox::MongoActivityRepository;
use {{crate_name}}_persistence_model::{{Aggregate}}ActivityRepository as ActivityRepository;
{%- endif %}

// Repositories, one per aggregate.
use crate::{{aggregate}}_repository::Mongo{{Aggregate}}Repository;
use {{crate_name}}_persistence_model::{{Aggregate}}Repository;

{%- unless migrations %}

pub use schema::{check_schema, ensure_schema};
{%- endunless %}
{%- if message_bus == "rabbitmq" %}

pub use inbox::{ACTIVITY_COLLECTION, INBOX_COLLECTION};
pub use outbox::OUTBOX_COLLECTION;
{%- endif %}

/// What the service connects to: the database named in the URL.
pub type Connection = Database;

/// Connection settings for [`connect`].
#[derive(Debug, Clone)]
pub struct ConnectionSettings {
    pub max_connections: u32,
    /// How long an operation waits for a usable server (MongoDB's server
    /// selection timeout) and for a new connection. While the server is
    /// unreachable every request fails after this long, so it is short: a
    /// client gets its 503 quickly.
    pub acquire_timeout: Duration,
    /// Units of work as multi-document transactions (needs a replica set).
    pub transactions: bool,
}

impl Default for ConnectionSettings {
    fn default() -> Self {
        Self {
            max_connections: 10,
            acquire_timeout: Duration::from_secs(1),
            transactions: true,
        }
    }
}

/// Prepares a client for the database named in `url` (`mongodb://host/NAME`)
/// without reaching the server: the driver connects in the background, so a
/// server that is down at startup is waited for (see [`Store::ping`], which
/// also checks that the server offers what the settings ask for). Only a URL
/// that cannot work fails here. The URL is never logged: it may hold a
/// password.
pub async fn connect(url: &str, settings: &ConnectionSettings) -> Result<Database> {
{%- if message_bus == "rabbitmq" %}
    if !settings.transactions {
        let message = OUTBOX_NEEDS_TRANSACTIONS.to_owned();
        return Err(PersistenceError::Configuration(message));
    }
{%- endif %}
    let options = ClientOptions::parse(url).await;
    let mut options = options.map_err(|e| PersistenceError::Configuration(e.to_string()))?;
    options.max_pool_size = Some(settings.max_connections);
    options.connect_timeout = Some(settings.acquire_timeout);
    options.server_selection_timeout = Some(settings.acquire_timeout);
    let client = Client::with_options(options);
    let client = client.map_err(|e| PersistenceError::Configuration(e.to_string()))?;
    let Some(database) = client.default_database() else {
        let message = "the MongoDB URL must name a database, e.g. mongodb://host:27017/NAME";
        return Err(PersistenceError::Configuration(message.to_owned()));
    };
    Ok(database)
}

/// Transactions need a replica set (`setName` in `hello`) or a sharded
/// cluster (`msg: "isdbgrid"` from mongos).
fn check_topology(hello: &Document, transactions: bool) -> Result<()> {
    let replica_set = hello.contains_key("setName");
    let sharded = hello.get_str("msg").is_ok_and(|msg| msg == "isdbgrid");
    if transactions && !replica_set && !sharded {
        return Err(PersistenceError::Configuration(STANDALONE.to_owned()));
    }
    Ok(())
}

const STANDALONE: &str = "this MongoDB server is standalone, but units of work need \
    multi-document transactions, which only replica sets and sharded clusters offer. \
    Run a single-node replica set (`mongod --replSet rs0`, then `rs.initiate()` in \
    mongosh; docker-compose.yml does this), or set APP__MONGODB__TRANSACTIONS=false \
    and accept that a failed request can leave half of its changes behind.";
{%- if message_bus == "rabbitmq" %}

const OUTBOX_NEEDS_TRANSACTIONS: &str = "APP__MONGODB__TRANSACTIONS=false cannot be used \
    with the message bus: events are written to the outbox in the same transaction as \
    the change, and without one a crash between the two writes would lose an event or \
    announce a change that was never saved. Run a replica set (docker-compose.yml does).";
{%- endif %}

/// A [`Store`] over a MongoDB database.
#[derive(Debug, Clone)]
pub struct MongoStore {
    db: Database,
    transactions: bool,
{%- if message_bus == "rabbitmq" %}
    signal: OutboxSignal,
{%- endif %}
}

impl MongoStore {
    pub fn new(db: Database, transactions: bool) -> Self {
{%- if message_bus == "rabbitmq" %}
        let signal = OutboxSignal::default();
        Self {
            db,
            transactions,
            signal,
        }
{%- else %}
        Self { db, transactions }
{%- endif %}
    }
}

#[async_trait]
impl Store for MongoStore {
    // Repositories, one per aggregate.
    fn {{aggregates}}(&self) -> Box<dyn {{Aggregate}}Repository + '_> {
        Box::new(Mongo{{Aggregate}}Repository::new(&self.db, None))
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>> {
        let session = if self.transactions {
            let session = self.db.client().start_session().await;
            let mut session = session.map_err(error::from_mongo)?;
            let started = session.start_transaction().await;
            started.map_err(error::from_mongo)?;
            Some(Mutex::new(session))
        } else {
            None
        };
        Ok(Box::new(MongoUnitOfWork {
            db: self.db.clone(),
            session,
            events: PendingEvents::default(),
{%- if message_bus == "rabbitmq" %}
            signal: self.signal.clone(),
{%- endif %}
        }))
    }

    /// Asks the server `hello`, which also tells whether it can run the
    /// units of work: a standalone server with transactions on is refused.
    async fn ping(&self) -> Result<()> {
        let hello = self.db.run_command(doc! { "hello": 1 }).await;
        let hello = hello.map_err(error::from_mongo)?;
        check_topology(&hello, self.transactions)
    }
{%- if message_bus == "rabbitmq" %}

    fn outbox(&self) -> &dyn Outbox {
        self
    }

    fn {{aggregate}}_activity(&self) -> Box<dyn ActivityRepository + '_> {
        Box::new(MongoActivityRepository::new(&self.db, None))
    }

    async fn purge_inbox(&self, before: DateTime<Utc>) -> Result<u64> {
        inbox::purge(&self.db, before).await
    }
{%- endif %}
}

/// A unit of work on its own session's transaction (none with transactions
/// off). Dropping it aborts the transaction: the driver aborts an open one
/// when its session is dropped.
#[derive(Debug)]
struct MongoUnitOfWork {
    db: Database,
    /// Locked by one repository operation at a time: a session serves one
    /// operation at once.
    session: Option<Mutex<ClientSession>>,
    events: PendingEvents,
{%- if message_bus == "rabbitmq" %}
    signal: OutboxSignal,
{%- endif %}
}

#[async_trait]
impl UnitOfWork for MongoUnitOfWork {
    // Repositories, one per aggregate.
    fn {{aggregates}}(&self) -> Box<dyn {{Aggregate}}Repository + '_> {
        let session = self.session.as_ref();
        Box::new(Mongo{{Aggregate}}Repository::new(&self.db, session))
    }

    fn record(&mut self, events: Vec<DomainEvent>) {
        self.events.record(events);
    }
{%- if message_bus == "rabbitmq" %}

    fn {{aggregate}}_activity(&self) -> Box<dyn ActivityRepository + '_> {
        let session = self.session.as_ref();
        Box::new(MongoActivityRepository::new(&self.db, session))
    }

    async fn accept_message(
        &mut self,
        consumer: &str,
        message_id: Uuid,
        received_at: DateTime<Utc>,
    ) -> Result<bool> {
        let session = self.session.as_ref();
        inbox::accept(&self.db, session, consumer, message_id, received_at).await
    }
{%- endif %}

    async fn commit(self: Box<Self>) -> Result<()> {
{%- if message_bus == "rabbitmq" %}
        // `connect` refuses the message bus without transactions, so the
        // events always go into the outbox in the change's own transaction.
        let Some(session) = self.session else {
            let message = OUTBOX_NEEDS_TRANSACTIONS.to_owned();
            return Err(PersistenceError::Configuration(message));
        };
        let mut session = session.into_inner();
        let messages = self.events.to_outbox();
        let wrote_messages = !messages.is_empty();
        outbox::write(&self.db, Some(&mut session), messages).await?;
        let committed = session.commit_transaction().await;
        committed.map_err(error::from_mongo)?;
        if wrote_messages {
            self.signal.notify();
        }
{%- else %}
        if let Some(session) = self.session {
            let committed = session.into_inner().commit_transaction().await;
            committed.map_err(error::from_mongo)?;
        }
        self.events.committed();
{%- endif %}
        Ok(())
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        let Some(session) = self.session else {
            return Ok(());
        };
        let aborted = session.into_inner().abort_transaction().await;
        aborted.map_err(error::from_mongo)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_standalone_server_is_refused_unless_transactions_are_off() {
        let standalone = doc! { "isWritablePrimary": true };
        let refused = check_topology(&standalone, true).unwrap_err();
        assert!(refused.to_string().contains("replica set"), "{refused}");
        assert!(check_topology(&standalone, false).is_ok());
    }

    #[test]
    fn replica_sets_and_sharded_clusters_are_accepted() {
        let replica_set = doc! { "isWritablePrimary": true, "setName": "rs0" };
        assert!(check_topology(&replica_set, true).is_ok());
        let mongos = doc! { "isWritablePrimary": true, "msg": "isdbgrid" };
        assert!(check_topology(&mongos, true).is_ok());
    }
}
