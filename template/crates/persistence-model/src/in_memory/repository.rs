use async_trait::async_trait;

use {{crate_name}}_entity_model::AggregateRoot;

use super::{SharedTable, query};
use crate::{PersistenceError, Result};

use crate::{{Aggregate}}Repository;
use crate::{{Aggregate}}Specification;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// A repository over one in-memory table (committed data or a unit of work's copy).
#[derive(Debug, Clone, Default)]
pub(super) struct InMemory{{Aggregate}}Repository {
    pub(super) table: SharedTable,
}

#[async_trait]
impl {{Aggregate}}Repository for InMemory{{Aggregate}}Repository {
    async fn insert(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let mut table = self.table.write();
        let state = aggregate.state();
        let name_taken = table.values().any(|s| s.name == state.name);
        if table.contains_key(&state.id) || name_taken {
            return Err(PersistenceError::Duplicate);
        }
        table.insert(state.id, state.clone());
        Ok(())
    }

    async fn update(&self, aggregate: &{{Aggregate}}) -> Result<{{Aggregate}}> {
        let mut table = self.table.write();
        let state = aggregate.state();
        let stored = table.get(&state.id).ok_or(PersistenceError::NotFound)?;
        if stored.version != state.version {
            return Err(PersistenceError::VersionConflict);
        }
        let name_taken = table
            .values()
            .any(|s| s.name == state.name && s.id != state.id);
        if name_taken {
            return Err(PersistenceError::Duplicate);
        }
        let mut saved = state.clone();
        saved.version += 1;
        table.insert(saved.id, saved.clone());
        Ok({{Aggregate}}::restore(saved))
    }

    async fn delete(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let mut table = self.table.write();
        let id = aggregate.id();
        let stored = table.get(&id).ok_or(PersistenceError::NotFound)?;
        if stored.version != aggregate.version() {
            return Err(PersistenceError::VersionConflict);
        }
        table.remove(&id);
        Ok(())
    }

    async fn get_by_id(&self, id: {{Aggregate}}Id) -> Result<Option<{{Aggregate}}>> {
        let table = self.table.read();
        Ok(table.get(&id).cloned().map({{Aggregate}}::restore))
    }

    async fn find(&self, spec: &{{Aggregate}}Specification) -> Result<Vec<{{Aggregate}}>> {
        let table = self.table.read();
        let found = query::select(table.values(), spec);
        Ok(found.into_iter().map({{Aggregate}}::restore).collect())
    }

    async fn count(&self, spec: &{{Aggregate}}Specification) -> Result<u64> {
        let table = self.table.read();
        Ok(query::count(table.values(), spec))
    }
}
