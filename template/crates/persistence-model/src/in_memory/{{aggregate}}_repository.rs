//! The {{aggregate_title}} repository over in-memory tables.

use std::cmp::Ordering;

use async_trait::async_trait;

use super::Shared;
use super::query::{self, Queryable};
use super::table::Row;
use crate::Result;

use {{crate_name}}_entity_model::AggregateRoot;

use crate::{{Aggregate}}Condition as Condition;
use crate::{{Aggregate}}Repository;
use crate::{{Aggregate}}SortKey as SortKey;
use crate::{{Aggregate}}Specification;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_entity_model::{{Aggregate}}State;

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

impl Row for {{Aggregate}}State {
    type Id = {{Aggregate}}Id;

    fn id(&self) -> Self::Id {
        self.id
    }

    fn unique_key(&self) -> &str {
        self.name.as_str()
    }
}

impl Queryable for {{Aggregate}}State {
    type Condition = Condition;
    type SortKey = SortKey;

    fn holds(&self, condition: &Condition) -> bool {
        match condition {
            Condition::Status(status) => self.status == *status,
            Condition::Name(name) => self.name == *name,
            Condition::NameContains(text) => {
                let name = self.name.as_str().to_lowercase();
                name.contains(&text.to_lowercase())
            }
            Condition::AmountBetween { min, max } => (*min..=*max).contains(&self.amount),
        }
    }

    fn compare_by(&self, other: &Self, key: SortKey) -> Ordering {
        match key {
            SortKey::Name => self.name.as_str().cmp(other.name.as_str()),
            SortKey::Status => self.status.as_str().cmp(other.status.as_str()),
            SortKey::AmountCents => self.amount.cmp(&other.amount),
            SortKey::CreatedAt => self.created_at.cmp(&other.created_at),
            SortKey::UpdatedAt => self.updated_at.cmp(&other.updated_at),
        }
    }

    fn compare_ids(&self, other: &Self) -> Ordering {
        self.id.cmp(&other.id)
    }
}
