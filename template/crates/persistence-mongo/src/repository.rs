use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::{ClientSession, Collection, Database};
use tokio::sync::Mutex;

use crate::document::{to_aggregate, to_document, uuid};
use crate::session::{find_all, run};
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
        match run!(self.session, self.collection.count_documents(by_id.clone())) {
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
        run!(self.session, self.collection.insert_one(document.clone()))?;
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
        let result = run!(self.session, replace)?;
        if result.matched_count == 0 {
            return Err(self.missing_or_conflict(saved.id).await);
        }
        Ok({{Aggregate}}::restore(saved))
    }

    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
    async fn delete(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let id = aggregate.id();
        let stored = doc! { "_id": uuid(id.as_uuid()), "version": aggregate.version() };
        let result = run!(self.session, self.collection.delete_one(stored.clone()))?;
        if result.deleted_count == 0 {
            return Err(self.missing_or_conflict(id).await);
        }
        Ok(())
    }

    #[tracing::instrument(skip(self))]
    async fn get_by_id(&self, id: {{Aggregate}}Id) -> Result<Option<{{Aggregate}}>> {
        let by_id = doc! { "_id": uuid(id.as_uuid()) };
        let found = run!(self.session, self.collection.find_one(by_id.clone()))?;
        found.as_ref().map(to_aggregate).transpose()
    }

    #[tracing::instrument(skip(self))]
    async fn find(&self, spec: &{{Aggregate}}Specification) -> Result<Vec<{{Aggregate}}>> {
        let filter = query::filter(spec);
        let options = query::find_options(spec);
        let session = self.session;
        find_all(&self.collection, filter, options, session, to_aggregate).await
    }

    #[tracing::instrument(skip(self))]
    async fn count(&self, spec: &{{Aggregate}}Specification) -> Result<u64> {
        let filter = query::filter(spec);
        let count = self.collection.count_documents(filter.clone());
        run!(self.session, count)
    }
}
