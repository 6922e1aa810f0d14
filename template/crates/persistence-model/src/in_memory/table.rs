//! One in-memory table, with what a database would enforce on it: a primary
//! key, a unique key, and first-committer-wins on commit.

use std::collections::BTreeMap;

use crate::{PersistenceError, Result};

/// A stored state, as a table sees it.
pub(super) trait Row: Clone + PartialEq + std::fmt::Debug {
    type Id: Ord + Copy + std::fmt::Debug;

    fn id(&self) -> Self::Id;

    /// The value a unique index covers (the name).
    fn unique_key(&self) -> &str;
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Table<R: Row>(BTreeMap<R::Id, R>);

impl<R: Row> Default for Table<R> {
    fn default() -> Self {
        Self(BTreeMap::new())
    }
}

impl<R: Row> Table<R> {
    pub(super) fn get(&self, id: &R::Id) -> Option<&R> {
        self.0.get(id)
    }

    pub(super) fn rows(&self) -> impl Iterator<Item = &R> {
        self.0.values()
    }

    /// Whether another row than `id` holds `key`.
    fn key_taken(&self, key: &str, id: R::Id) -> bool {
        self.rows().any(|r| r.unique_key() == key && r.id() != id)
    }

    pub(super) fn insert(&mut self, row: R) -> Result<()> {
        let id = row.id();
        if self.0.contains_key(&id) || self.key_taken(row.unique_key(), id) {
            return Err(PersistenceError::Duplicate);
        }
        self.0.insert(id, row);
        Ok(())
    }

    /// Replaces the row if `check` accepts the stored one (a version check).
    pub(super) fn replace(&mut self, row: R, check: impl Fn(&R) -> bool) -> Result<()> {
        let id = row.id();
        let stored = self.0.get(&id).ok_or(PersistenceError::NotFound)?;
        if !check(stored) {
            return Err(PersistenceError::VersionConflict);
        }
        if self.key_taken(row.unique_key(), id) {
            return Err(PersistenceError::Duplicate);
        }
        self.0.insert(id, row);
        Ok(())
    }

    pub(super) fn remove(&mut self, id: R::Id, check: impl Fn(&R) -> bool) -> Result<()> {
        let stored = self.0.get(&id).ok_or(PersistenceError::NotFound)?;
        if !check(stored) {
            return Err(PersistenceError::VersionConflict);
        }
        self.0.remove(&id);
        Ok(())
    }

    /// Applies the rows a unit of work changed (`working` against the
    /// `snapshot` it started from), if none of them changed in `self`
    /// meanwhile and unique keys stay unique.
    pub(super) fn commit(&mut self, snapshot: &Self, working: &Self) -> Result<()> {
        let ids = snapshot.0.keys().chain(working.0.keys());
        let mut changed: Vec<R::Id> = ids
            .filter(|id| snapshot.0.get(id) != working.0.get(id))
            .copied()
            .collect();
        changed.sort_unstable();
        changed.dedup();
        for id in &changed {
            if self.0.get(id) != snapshot.0.get(id) {
                return Err(PersistenceError::VersionConflict);
            }
        }
        for id in changed {
            match working.0.get(&id) {
                Some(row) => self.0.insert(id, row.clone()),
                None => self.0.remove(&id),
            };
        }
        let mut keys: Vec<&str> = self.rows().map(Row::unique_key).collect();
        keys.sort_unstable();
        if keys.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(PersistenceError::Duplicate);
        }
        Ok(())
    }
}
