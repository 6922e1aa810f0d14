//! The inbox and the activity records on MongoDB: collections written in the
//! unit of work's transaction, with the effect of the message.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::FindOptions;
use mongodb::{ClientSession, Collection, Database};
use tokio::sync::Mutex;
use uuid::Uuid;

use crate::document::{timestamp, uuid};
use crate::error::from_mongo;
use crate::session::{find_all, run};

use {{crate_name}}_entity_model::InvalidRecord;
use {{crate_name}}_persistence_model::{Page, PersistenceError, Result, check_consumer};

use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
use {{crate_name}}_entity_model::{{Aggregate}}EventKind as Kind;
use {{crate_name}}_entity_model::{{Aggregate}}Id as Id;
use {{crate_name}}_persistence_model::{{Aggregate}}ActivityRepository as ActivityRepository;

/// The collection holding the inbox entries.
pub const INBOX_COLLECTION: &str = "inbox_messages";

/// The collection holding the activity records.
pub const ACTIVITY_COLLECTION: &str = "{{aggregate}}_activity";

/// Adds the inbox entry in the unit of work's session unless it exists;
/// whether it did. An upsert rather than an insert that may fail: a
/// duplicate key error would abort the transaction. A concurrent
/// transaction's uncommitted entry makes this a write conflict
/// (`VersionConflict`), thanks to the unique index on (consumer, message id).
pub(crate) async fn accept(
    db: &Database,
    session: Option<&Mutex<ClientSession>>,
    consumer: &str,
    message_id: Uuid,
    received_at: DateTime<Utc>,
) -> Result<bool> {
    check_consumer(consumer)?;
    let inbox = db.collection::<Document>(INBOX_COLLECTION);
    let entry = doc! { "consumer": consumer, "message_id": uuid(message_id) };
    let received = doc! { "$setOnInsert": { "received_at": timestamp(received_at) } };
    let upsert = inbox.update_one(entry, received).upsert(true);
    let result = run!(session, upsert)?;
    Ok(result.upserted_id.is_some())
}

/// Deletes the inbox entries received before `before`; how many.
pub(crate) async fn purge(db: &Database, before: DateTime<Utc>) -> Result<u64> {
    let old = doc! { "received_at": { "$lt": timestamp(before) } };
    let inbox = db.collection::<Document>(INBOX_COLLECTION);
    let deleted = inbox.delete_many(old).await.map_err(from_mongo)?;
    Ok(deleted.deleted_count)
}

/// The activity records: outside any unit of work, or in its session.
#[derive(Debug)]
pub(crate) struct MongoActivityRepository<'s> {
    collection: Collection<Document>,
    session: Option<&'s Mutex<ClientSession>>,
}

impl<'s> MongoActivityRepository<'s> {
    pub(crate) fn new(db: &Database, session: Option<&'s Mutex<ClientSession>>) -> Self {
        Self {
            collection: db.collection(ACTIVITY_COLLECTION),
            session,
        }
    }
}

#[async_trait]
impl ActivityRepository for MongoActivityRepository<'_> {
    #[tracing::instrument(name = "ActivityRepository::add", skip_all, fields(event_id = %activity.event_id))]
    async fn add(&self, activity: &Activity) -> Result<()> {
        let document = to_document(activity);
        run!(self.session, self.collection.insert_one(document.clone()))?;
        Ok(())
    }

    #[tracing::instrument(name = "ActivityRepository::list", skip(self))]
    async fn list(&self, id: Id, skip: u64, take: u64) -> Result<Page<Activity>> {
        let of_id = doc! { "{{aggregate}}_id": uuid(id.as_uuid()) };
        let total = run!(self.session, self.collection.count_documents(of_id.clone()))?;
        // MongoDB reads a limit of 0 as "no limit".
        if take == 0 {
            let items = Vec::new();
            return Ok(Page { items, total });
        }
        let options = FindOptions::builder()
            .sort(doc! { "version": 1, "event_id": 1 })
            .skip(skip)
            .limit(i64::try_from(take).unwrap_or(i64::MAX))
            .build();
        let session = self.session;
        let found = find_all(&self.collection, of_id, options, session, to_activity);
        let items = found.await?;
        Ok(Page { items, total })
    }
}

fn to_document(activity: &Activity) -> Document {
    doc! {
        "event_id": uuid(activity.event_id),
        "{{aggregate}}_id": uuid(activity.{{aggregate}}_id.as_uuid()),
        "kind": activity.kind.as_str(),
        "version": activity.version,
        "occurred_at": timestamp(activity.occurred_at),
        "recorded_at": timestamp(activity.recorded_at),
    }
}

fn uuid_of(document: &Document, key: &str) -> Option<Uuid> {
    match document.get(key) {
        Some(Bson::Binary(b)) if b.subtype == BinarySubtype::Uuid => {
            Uuid::from_slice(&b.bytes).ok()
        }
        _ => None,
    }
}

fn to_activity(document: &Document) -> Result<Activity> {
    let event_id = uuid_of(document, "event_id");
    let invalid = |field: &'static str, reason: &dyn std::fmt::Display| {
        let id = event_id.unwrap_or_default();
        let reason = reason.to_string();
        PersistenceError::Corrupt(InvalidRecord { id, field, reason })
    };
    let event_id = event_id.ok_or_else(|| invalid("event_id", &"not a UUID"))?;
    let id = uuid_of(document, "{{aggregate}}_id");
    let id = id.ok_or_else(|| invalid("{{aggregate}}_id", &"not a UUID"))?;
    let kind = document.get_str("kind").map_err(|e| invalid("kind", &e))?;
    let kind = Kind::parse(kind).ok_or_else(|| invalid("kind", &"unknown event kind"))?;
    let version = document.get_i64("version");
    let date = |key| {
        let at = document.get_datetime(key).map_err(|e| invalid(key, &e))?;
        let millis = at.timestamp_millis();
        DateTime::from_timestamp_millis(millis).ok_or_else(|| invalid(key, &"out of range"))
    };
    Ok(Activity {
        event_id,
        {{aggregate}}_id: Id::from_uuid(id),
        kind,
        version: version.map_err(|e| invalid("version", &e))?,
        occurred_at: date("occurred_at")?,
        recorded_at: date("recorded_at")?,
    })
}
