//! An in-memory [`Store`] for unit tests of domain logic.
//!
//! It keeps the same contract as the SQL store (the contract tests run against
//! both): optimistic versions, unique names, atomic units of work, and the same
//! specification semantics.

mod query;
mod repository;

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};

use async_trait::async_trait;

use crate::{PersistenceError, Result, Store, UnitOfWork};

use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_entity_model::{{Aggregate}}State;

use crate::{{Aggregate}}Repository;
use repository::InMemory{{Aggregate}}Repository;

type Table = BTreeMap<{{Aggregate}}Id, {{Aggregate}}State>;

/// A table shared by a store and its repositories.
#[derive(Debug, Clone, Default)]
struct SharedTable(Arc<RwLock<Table>>);

impl SharedTable {
    // A poisoned lock only means another test thread panicked mid-operation;
    // every operation below leaves the table consistent, so keep using it.
    fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.0
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, Table> {
        self.0
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// Committed data lives in one table; each unit of work edits a private copy
/// and commits it only if nobody committed a conflicting change meanwhile
/// (snapshot isolation, first committer wins).
#[derive(Debug, Clone, Default)]
pub struct InMemoryStore {
    committed: InMemory{{Aggregate}}Repository,
}

impl InMemoryStore {
    pub fn new() -> Self {
        Self::default()
    }
}

#[async_trait]
impl Store for InMemoryStore {
    fn {{aggregates}}(&self) -> &dyn {{Aggregate}}Repository {
        &self.committed
    }

    async fn begin(&self) -> Result<Box<dyn UnitOfWork>> {
        let snapshot = self.committed.table.read().clone();
        let working = SharedTable(Arc::new(RwLock::new(snapshot.clone())));
        Ok(Box::new(InMemoryUnitOfWork {
            committed: self.committed.table.clone(),
            snapshot,
            working: InMemory{{Aggregate}}Repository { table: working },
        }))
    }

    async fn ping(&self) -> Result<()> {
        Ok(())
    }
}

#[derive(Debug)]
struct InMemoryUnitOfWork {
    committed: SharedTable,
    snapshot: Table,
    working: InMemory{{Aggregate}}Repository,
}

#[async_trait]
impl UnitOfWork for InMemoryUnitOfWork {
    fn {{aggregates}}(&self) -> &dyn {{Aggregate}}Repository {
        &self.working
    }

    async fn commit(self: Box<Self>) -> Result<()> {
        let working = self.working.table.read();
        let mut committed = self.committed.write();
        let ids = self.snapshot.keys().chain(working.keys());
        let changed: Vec<_> = ids
            .filter(|id| self.snapshot.get(id) != working.get(id))
            .copied()
            .collect();
        // Every row this unit of work changed must still be as it was read.
        for id in &changed {
            if committed.get(id) != self.snapshot.get(id) {
                return Err(PersistenceError::VersionConflict);
            }
        }
        let mut next = committed.clone();
        for id in changed {
            match working.get(&id) {
                Some(state) => next.insert(id, state.clone()),
                None => next.remove(&id),
            };
        }
        // Names stay unique across what others committed meanwhile.
        let mut names: Vec<_> = next.values().map(|s| s.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(PersistenceError::Duplicate);
        }
        *committed = next;
        Ok(())
    }

    async fn rollback(self: Box<Self>) -> Result<()> {
        Ok(())
    }
}
