use async_trait::async_trait;

use super::{Shared, query};
use crate::Result;

use {{crate_name}}_entity_model::AggregateRoot;

use crate::{{Aggregate}}Repository;
use crate::{{Aggregate}}Specification;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// A repository over in-memory tables: the committed ones, or a unit of
/// work's private copy.
#[derive(Debug)]
pub(super) struct InMemory{{Aggregate}}Repository<'a> {
    tables: &'a Shared,
}

impl<'a> InMemory{{Aggregate}}Repository<'a> {
    pub(super) fn new(tables: &'a Shared) -> Self {
        Self { tables }
    }
}

#[async_trait]
impl {{Aggregate}}Repository for InMemory{{Aggregate}}Repository<'_> {
    async fn insert(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let state = aggregate.state().clone();
        self.tables.write().{{aggregates}}.insert(state)
    }

    async fn update(&self, aggregate: &{{Aggregate}}) -> Result<{{Aggregate}}> {
        let saved = aggregate.state().saved();
        let read = aggregate.version();
        let table = &mut self.tables.write().{{aggregates}};
        table.replace(saved.clone(), |stored| stored.version == read)?;
        Ok({{Aggregate}}::restore(saved))
    }

    async fn delete(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let read = aggregate.version();
        let table = &mut self.tables.write().{{aggregates}};
        table.remove(aggregate.id(), |stored| stored.version == read)
    }

    async fn get_by_id(&self, id: {{Aggregate}}Id) -> Result<Option<{{Aggregate}}>> {
        let tables = self.tables.read();
        let found = tables.{{aggregates}}.get(&id).cloned();
        Ok(found.map({{Aggregate}}::restore))
    }

    async fn find(&self, spec: &{{Aggregate}}Specification) -> Result<Vec<{{Aggregate}}>> {
        let tables = self.tables.read();
        let found = query::select(tables.{{aggregates}}.rows(), spec);
        Ok(found.into_iter().map({{Aggregate}}::restore).collect())
    }

    async fn count(&self, spec: &{{Aggregate}}Specification) -> Result<u64> {
        let tables = self.tables.read();
        Ok(query::count(tables.{{aggregates}}.rows(), spec))
    }
}
