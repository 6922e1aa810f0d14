use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::{ClientSession, Collection, Database};
use tokio::sync::Mutex;

use crate::document::{to_aggregate, to_document, uuid};
use crate::error::from_mongo;
use crate::{COLLECTION, query};

use {{crate_name}}_entity_model::AggregateRoot;
use {{crate_name}}_persistence_model::{PersistenceError, Result};

use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_persistence_model::{{Aggregate}}Repository;
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

/// The MongoDB repository: outside any unit of work, or borrowing a unit of
/// work's session so that its operations join that session's transaction.
#[derive(Debug)]
pub(crate) struct Mongo{{Aggregate}}Repository<'s> {
    collection: Collection<Document>,
    session: Option<&'s Mutex<ClientSession>>,
}

/// Runs a driver action on the unit of work's session when there is one.
macro_rules! run {
    ($self:ident, $action:expr) => {
        match $self.session {
            Some(session) => {
                let mut session = session.lock().await;
                $action.session(&mut *session).await
            }
            None => $action.await,
        }
        .map_err(from_mongo)
    };
}

impl<'s> Mongo{{Aggregate}}Repository<'s> {
    pub(crate) fn new(db: &Database, session: Option<&'s Mutex<ClientSession>>) -> Self {
        Self {
            collection: db.collection(COLLECTION),
            session,
        }
    }

    /// Tells a missing document from a stale version after a conditional
    /// write matched nothing.
    async fn missing_or_conflict(&self, id: {{Aggregate}}Id) -> PersistenceError {
        let by_id = doc! { "_id": uuid(id.as_uuid()) };
        match run!(self, self.collection.count_documents(by_id.clone())) {
            Ok(count) => PersistenceError::missing_or_conflict(count > 0),
            Err(err) => err,
        }
    }
}

#[async_trait]
impl {{Aggregate}}Repository for Mongo{{Aggregate}}Repository<'_> {
    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
    async fn insert(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let document = to_document(aggregate.state());
        run!(self, self.collection.insert_one(document.clone()))?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
    async fn update(&self, aggregate: &{{Aggregate}}) -> Result<{{Aggregate}}> {
        let saved = aggregate.state().saved();
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
        match self.session {
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
