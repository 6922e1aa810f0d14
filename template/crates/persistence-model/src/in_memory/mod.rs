//! An in-memory [`Store`] for unit tests of domain logic.
//!
//! It keeps the same contract as the real stores (the contract suite runs
//! against all of them): optimistic versions, unique names, atomic units of
//! work, and the same specification semantics.
{% if message_bus == "rabbitmq" %}
mod inbox;
mod outbox;
{%- endif %}
mod query;
mod table;

// Repositories, one per aggregate.
mod {{aggregate}}_repository;

use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;
{%- if message_bus == "rabbitmq" %}
use chrono::{DateTime, Utc};
use uuid::Uuid;
{%- endif %}
{% if message_bus == "rabbitmq" %}
use self::inbox::{ActivityTable, InMemoryActivityRepository, Inbox};
use self::outbox::InMemoryOutbox;
{%- endif %}
use self::table::Table;
{%- if message_bus == "rabbitmq" %}
use crate::{Outbox, PersistenceError, check_consumer};
{%- endif %}
use crate::{PendingEvents, Result, Store, UnitOfWork};

use {{crate_name}}_entity_model::DomainEvent;
{%- if message_bus == "rabbitmq" %}

use crate::{{Aggregate}}ActivityRepository as ActivityRepository;
{%- endif %}

// Repositories, one per aggregate.
use self::{{aggregate}}_repository::InMemory{{Aggregate}}Repository;
use crate::{{Aggregate}}Repository;

/// Every table of the store; a new aggregate adds one here and one line to
/// [`Tables::commit`].
#[derive(Debug, Clone, Default, PartialEq)]
struct Tables {
    // Tables, one per aggregate.
    {{aggregates}}: Table<{{crate_name}}_entity_model::{{Aggregate}}State>,
{%- if message_bus == "rabbitmq" %}

    inbox: Inbox,
    {{aggregate}}_activity: ActivityTable,
{%- endif %}
}

impl Tables {
    /// Merges what a unit of work changed since `snapshot` into `self`.
    fn commit(&mut self, snapshot: &Self, working: &Self) -> Result<()> {
        // Tables, one per aggregate.
        let changed = (&snapshot.{{aggregates}}, &working.{{aggregates}});
        self.{{aggregates}}.commit(changed.0, changed.1)?;
{%- if message_bus == "rabbitmq" %}

        // Another unit of work committed the same message first.
        let conflict = || PersistenceError::VersionConflict;
        let inbox = (&snapshot.inbox, &working.inbox);
        self.inbox.commit(inbox.0, inbox.1, conflict)?;
        let before = &snapshot.{{aggregate}}_activity;
        let after = &working.{{aggregate}}_activity;
        let duplicate = || PersistenceError::Duplicate;
        let activity = &mut self.{{aggregate}}_activity;
        activity.commit(before, after, duplicate)?;
{%- endif %}

        Ok(())
    }
}

/// Tables shared by a store (or a unit of work) and its repositories.
#[derive(Debug, Default)]
struct Shared(RwLock<Tables>);

impl Shared {
    // A poisoned lock only means another test thread panicked mid-operation;
    // every operation below leaves the tables consistent, so keep using them.
    fn read(&self) -> RwLockReadGuard<'_, Tables> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Tables> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Committed data lives in one set of tables; each unit of work edits a
/// private copy and commits it only if nobody committed a conflicting change
/// meanwhile (snapshot isolation, first committer wins).
#[derive(Debug, Clone, Default)]
pub struct InMemoryStore {
    committed: Arc<Shared>,
{%- if message_bus == "rabbitmq" %}
    outbox: Arc<InMemoryOutbox>,
{%- endif %}
}

impl InMemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Store for InMemoryStore {
    // Repositories, one per aggregate.
    fn {{aggregates}}(&self) -> Box<dyn {{Aggregate}}Repository + '_> {
        Box::new(InMemory{{Aggregate}}Repository::new(&self.committed))
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>> {
        let snapshot = self.committed.read().clone();
        let working = Shared(RwLock::new(snapshot.clone()));
        Ok(Box::new(InMemoryUnitOfWork {
            committed: self.committed.clone(),
{%- if message_bus == "rabbitmq" %}
            outbox: self.outbox.clone(),
{%- endif %}
            snapshot,
            working,
            events: PendingEvents::default(),
        }))
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
{%- if message_bus == "rabbitmq" %}

    fn outbox(&self) -> &dyn Outbox {
        self.outbox.as_ref()
    }

    fn {{aggregate}}_activity(&self) -> Box<dyn ActivityRepository + '_> {
        Box::new(InMemoryActivityRepository::new(&self.committed))
    }

    async fn purge_inbox(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut tables = self.committed.write();
        let count = tables.inbox.len();
        tables.inbox.retain(|received_at| *received_at >= before);
        Ok((count - tables.inbox.len()) as u64)
    }
{%- endif %}
}

#[derive(Debug)]
struct InMemoryUnitOfWork {
    committed: Arc<Shared>,
{%- if message_bus == "rabbitmq" %}
    outbox: Arc<InMemoryOutbox>,
{%- endif %}
    snapshot: Tables,
    working: Shared,
    events: PendingEvents,
}

#[async_trait]
impl UnitOfWork for InMemoryUnitOfWork {
    // Repositories, one per aggregate.
    fn {{aggregates}}(&self) -> Box<dyn {{Aggregate}}Repository + '_> {
        Box::new(InMemory{{Aggregate}}Repository::new(&self.working))
    }

    fn record(&mut self, events: Vec<DomainEvent>) {
        self.events.record(events);
    }
{%- if message_bus == "rabbitmq" %}

    fn {{aggregate}}_activity(&self) -> Box<dyn ActivityRepository + '_> {
        Box::new(InMemoryActivityRepository::new(&self.working))
    }

    async fn accept_message(
        &mut self,
        consumer: &str,
        message_id: Uuid,
        received_at: DateTime<Utc>,
    ) -> Result<bool> {
        check_consumer(consumer)?;
        let key = (consumer.to_owned(), message_id);
        Ok(self.working.write().inbox.insert(key, received_at))
    }
{%- endif %}

    async fn commit(self: Box<Self>) -> Result<()> {
        let working = self.working.read();
        let mut committed = self.committed.write();
        // All tables or none: merge into a copy, then swap it in.
        let mut next = committed.clone();
        next.commit(&self.snapshot, &working)?;
        *committed = next;
{%- if message_bus == "rabbitmq" %}
        // Still under the tables' lock: no unit of work commits in between.
        self.outbox.append(self.events.to_outbox());
{%- else %}
        drop((committed, working));
        self.events.committed();
{%- endif %}
        Ok(())
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}
