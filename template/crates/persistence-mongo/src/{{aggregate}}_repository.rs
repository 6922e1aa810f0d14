//! The {{aggregate_title}} repository on MongoDB.

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::{ClientSession, Collection, Database};
use tokio::sync::Mutex;

use crate::document::uuid;
use crate::query::{self, Translation, escape_regex};
use crate::session::{find_all, run};

use {{crate_name}}_entity_model::AggregateRoot;
use {{crate_name}}_persistence_model::{PersistenceError, Result};

use crate::{{aggregate}}_document::{to_aggregate, to_document};
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_persistence_model::{{Aggregate}}Condition as Condition;
use {{crate_name}}_persistence_model::{{Aggregate}}Repository;
use {{crate_name}}_persistence_model::{{Aggregate}}SortKey as SortKey;
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

/// The collection holding the {{aggregates}}.
const COLLECTION: &str = "{{aggregates}}";

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
    #[tracing::instrument(name = "{{Aggregate}}Repository::insert", skip_all, fields(id = %aggregate.id()))]
    async fn insert(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let document = to_document(aggregate.state());
        run!(self.session, self.collection.insert_one(document.clone()))?;
        Ok(())
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::update", skip_all, fields(id = %aggregate.id()))]
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

    #[tracing::instrument(name = "{{Aggregate}}Repository::delete", skip_all, fields(id = %aggregate.id()))]
    async fn delete(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let id = aggregate.id();
        let stored = doc! { "_id": uuid(id.as_uuid()), "version": aggregate.version() };
        let result = run!(self.session, self.collection.delete_one(stored.clone()))?;
        if result.deleted_count == 0 {
            return Err(self.missing_or_conflict(id).await);
        }
        Ok(())
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::get_by_id", skip(self))]
    async fn get_by_id(&self, id: {{Aggregate}}Id) -> Result<Option<{{Aggregate}}>> {
        let by_id = doc! { "_id": uuid(id.as_uuid()) };
        let found = run!(self.session, self.collection.find_one(by_id.clone()))?;
        found.as_ref().map(to_aggregate).transpose()
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::find", skip(self))]
    async fn find(&self, spec: &{{Aggregate}}Specification) -> Result<Vec<{{Aggregate}}>> {
        let filter = query::filter::<Self>(spec);
        let options = query::find_options::<Self>(spec);
        let session = self.session;
        find_all(&self.collection, filter, options, session, to_aggregate).await
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::count", skip(self))]
    async fn count(&self, spec: &{{Aggregate}}Specification) -> Result<u64> {
        let filter = query::filter::<Self>(spec);
        let count = self.collection.count_documents(filter.clone());
        run!(self.session, count)
    }
}

impl Translation for Mongo{{Aggregate}}Repository<'_> {
    type Condition = Condition;
    type SortKey = SortKey;

    fn translate(condition: &Condition) -> Document {
        match condition {
            Condition::Status(status) => doc! { "status": { "$eq": status.as_str() } },
            Condition::Name(name) => doc! { "name": { "$eq": name.as_str() } },
            Condition::NameContains(text) => {
                let pattern = escape_regex(text);
                doc! { "name": { "$regex": pattern, "$options": "i" } }
            }
            Condition::AmountBetween { min, max } => {
                doc! { "amount_cents": { "$gte": min.cents(), "$lte": max.cents() } }
            }
        }
    }

    fn key(key: SortKey) -> &'static str {
        match key {
            SortKey::Name => "name",
            SortKey::Status => "status",
            SortKey::AmountCents => "amount_cents",
            SortKey::CreatedAt => "created_at",
            SortKey::UpdatedAt => "updated_at",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use {{crate_name}}_entity_model::Name;
    use {{crate_name}}_persistence_model::SortDirection;

    type Repository = Mongo{{Aggregate}}Repository<'static>;
    type Spec = {{Aggregate}}Specification;

    fn filter(spec: &Spec) -> Document {
        query::filter::<Repository>(spec)
    }

    #[test]
    fn operators_in_values_stay_data() {
        let name = Name::parse("{\"$ne\": null}").unwrap();
        let filter = filter(&Spec::named(&name));
        let expected = doc! { "name": { "$eq": "{\"$ne\": null}" } };
        assert_eq!(filter, expected);
    }

    #[test]
    fn regex_metacharacters_are_escaped() {
        assert_eq!(escape_regex("a.b*(c)"), "a\\.b\\*\\(c\\)");
        let spec = Spec::name_contains(".*");
        let expected = doc! { "name": { "$regex": "\\.\\*", "$options": "i" } };
        assert_eq!(filter(&spec), expected);
    }

    #[test]
    fn sort_ends_with_the_id() {
        let spec = Spec::all().sorted_by(SortKey::Name, SortDirection::Descending);
        let options = query::find_options::<Repository>(&spec);
        assert_eq!(options.sort, Some(doc! { "name": -1, "_id": 1 }));
    }
}
