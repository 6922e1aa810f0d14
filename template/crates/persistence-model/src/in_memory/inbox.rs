//! The in-memory inbox and activity records: insert-only tables, merged on
//! commit like the others, with the keys a database would enforce.

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Shared;
use crate::{Page, PersistenceError, Result};

use crate::{{Aggregate}}ActivityRepository as ActivityRepository;
use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
use {{crate_name}}_entity_model::{{Aggregate}}Id as Id;

/// Inbox entries: (consumer, message id) → received at.
pub(super) type Inbox = InsertOnly<(String, Uuid), DateTime<Utc>>;

/// Activity records by event id.
pub(super) type ActivityTable = InsertOnly<Uuid, Activity>;

/// A table whose rows are only ever added (and purged outside units of
/// work): a unit of work's commit adds the keys it inserted, and fails if
/// another one committed any of them first.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct InsertOnly<K, V>(BTreeMap<K, V>);

impl<K, V> Default for InsertOnly<K, V> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<K: Ord + Clone, V: Clone> InsertOnly<K, V> {
    /// Adds the row unless its key is taken; whether it did.
    pub(super) fn insert(&mut self, key: K, value: V) -> bool {
        if self.0.contains_key(&key) {
            return false;
        }
        self.0.insert(key, value);
        true
    }

    pub(super) fn len(&self) -> usize {
        self.0.len()
    }

    pub(super) fn retain(&mut self, keep: impl Fn(&V) -> bool) {
        self.0.retain(|_, value| keep(value));
    }

    fn values(&self) -> impl Iterator<Item = &V> {
        self.0.values()
    }

    /// Adds the rows `working` has and `snapshot` had not; `clash` if one
    /// of their keys was committed meanwhile.
    pub(super) fn commit(
        &mut self,
        snapshot: &Self,
        working: &Self,
        clash: fn() -> PersistenceError,
    ) -> Result<()> {
        for (key, value) in &working.0 {
            if snapshot.0.contains_key(key) {
                continue;
            }
            if !self.insert(key.clone(), value.clone()) {
                return Err(clash());
            }
        }
        Ok(())
    }
}

/// The activity records over in-memory tables: the committed ones, or a unit
/// of work's private copy.
#[derive(Debug)]
pub(super) struct InMemoryActivityRepository<'a> {
    tables: &'a Shared,
}

impl<'a> InMemoryActivityRepository<'a> {
    pub(super) fn new(tables: &'a Shared) -> Self {
        Self { tables }
    }
}

#[async_trait]
impl ActivityRepository for InMemoryActivityRepository<'_> {
    async fn add(&self, activity: &Activity) -> Result<()> {
        let mut tables = self.tables.write();
        let table = &mut tables.{{aggregate}}_activity;
        if !table.insert(activity.event_id, activity.clone()) {
            return Err(PersistenceError::Duplicate);
        }
        Ok(())
    }

    async fn list(&self, id: Id, skip: u64, take: u64) -> Result<Page<Activity>> {
        let tables = self.tables.read();
        let table = &tables.{{aggregate}}_activity;
        let of_id = table.values().filter(|a| a.{{aggregate}}_id == id);
        let mut found: Vec<&Activity> = of_id.collect();
        found.sort_by_key(|a| (a.version, a.event_id));
        let total = u64::try_from(found.len()).unwrap_or(u64::MAX);
        let skip = usize::try_from(skip).unwrap_or(usize::MAX);
        let take = usize::try_from(take).unwrap_or(usize::MAX);
        let items = found.into_iter().skip(skip).take(take).cloned().collect();
        Ok(Page { items, total })
    }
}
