use std::sync::Arc;

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::{ClientSession, Collection, Database};
use tokio::sync::Mutex;

use super::document::{to_aggregate, to_document, uuid};
use super::error::from_mongo;
use super::{COLLECTION, query};
use crate::{PersistenceError, Result};
use {{crate_name}}_entity_model::AggregateRoot;

use crate::{{Aggregate}}Repository;
use crate::{{Aggregate}}Specification;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// The session of a unit of work, shared by its operations one at a time.
type Session = Arc<Mutex<ClientSession>>;

/// The MongoDB repository, outside any unit of work or on its session.
#[derive(Debug, Clone)]
pub(super) struct Mongo{{Aggregate}}Repository {
    collection: Collection<Document>,
    session: Option<Session>,
}

/// Runs a driver action on the unit of work's session when there is one.
macro_rules! run {
    ($self:ident, $action:expr) => {
        match &$self.session {
            Some(session) => {
                let mut session = session.lock().await;
                $action.session(&mut *session).await
            }
            None => $action.await,
        }
        .map_err(from_mongo)
    };
}

impl Mongo{{Aggregate}}Repository {
    pub(super) fn new(db: &Database, session: Option<Session>) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            session,
        }
    }

    pub(super) fn database(&self) -> Database {
        let namespace = self.collection.namespace();
        self.collection.client().database(&namespace.db)
    }

    pub(super) fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Tells a missing document from a stale version after a conditional
    /// write matched nothing.
    async fn missing_or_conflict(&self, id: {{Aggregate}}Id) -> PersistenceError {
        let by_id = doc! { "_id": uuid(id.as_uuid()) };
        match run!(self, self.collection.count_documents(by_id.clone())) {
            Ok(0) => PersistenceError::NotFound,
            Ok(_) => PersistenceError::VersionConflict,
            Err(err) => err,
        }
    }
}

#[async_trait]
impl {{Aggregate}}Repository for Mongo{{Aggregate}}Repository {
    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
    async fn insert(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let document = to_document(aggregate.state());
        run!(self, self.collection.insert_one(document.clone()))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
    async fn update(&self, aggregate: &{{Aggregate}}) -> Result<{{Aggregate}}> {
        let mut saved = aggregate.state().clone();
        saved.version += 1;
        // One conditional write: the version check and the change cannot be
        // separated by another writer.
        let id = uuid(saved.id.as_uuid());
        let stored = doc! { "_id": id, "version": aggregate.version() };
        let replacement = to_document(&saved);
        let replace = self
            .collection
            .replace_one(stored.clone(), replacement.clone());
        let result = run!(self, replace)?;
        if result.matched_count == 0 {
            return Err(self.missing_or_conflict(saved.id).await);
        }
        Ok({{Aggregate}}::restore(saved))
    }

    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
    async fn delete(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let id = aggregate.id();
        let stored = doc! { "_id": uuid(id.as_uuid()), "version": aggregate.version() };
        let result = run!(self, self.collection.delete_one(stored.clone()))?;
        if result.deleted_count == 0 {
            return Err(self.missing_or_conflict(id).await);
        }
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    async fn get_by_id(&self, id: {{Aggregate}}Id) -> Result<Option<{{Aggregate}}>> {
        let by_id = doc! { "_id": uuid(id.as_uuid()) };
        let found = run!(self, self.collection.find_one(by_id.clone()))?;
        found.as_ref().map(to_aggregate).transpose()
    }

    #[tracing::instrument(skip(self))]
    async fn find(&self, spec: &{{Aggregate}}Specification) -> Result<Vec<{{Aggregate}}>> {
        let filter = query::filter(spec);
        let options = query::find_options(spec);
        let find = self.collection.find(filter).with_options(options);
        let mut found = Vec::new();
        // A session cursor must be driven with its session: two loops.
        match &self.session {
            Some(session) => {
                let mut session = session.lock().await;
                let mut cursor = find.session(&mut *session).await.map_err(from_mongo)?;
                while cursor.advance(&mut session).await.map_err(from_mongo)? {
                    let document = cursor.deserialize_current().map_err(from_mongo)?;
                    found.push(to_aggregate(&document)?);
                }
            }
            None => {
                let mut cursor = find.await.map_err(from_mongo)?;
                while cursor.advance().await.map_err(from_mongo)? {
                    let document = cursor.deserialize_current().map_err(from_mongo)?;
                    found.push(to_aggregate(&document)?);
                }
            }
        }
        Ok(found)
    }

    #[tracing::instrument(skip(self))]
    async fn count(&self, spec: &{{Aggregate}}Specification) -> Result<u64> {
        let filter = query::filter(spec);
        run!(self, self.collection.count_documents(filter.clone()))
    }
}
