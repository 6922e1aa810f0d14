//! The outbox on MongoDB: a collection written in the unit of work's
//! transaction, claimed by relays with leases set by `findOneAndUpdate`.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::FindOptions;
use mongodb::{ClientSession, Collection, Database};
use uuid::Uuid;

use crate::MongoStore;
use crate::document::{timestamp, uuid};
use crate::error::from_mongo;

use {{crate_name}}_entity_model::InvalidRecord;
use {{crate_name}}_persistence_model::PersistenceError;
use {{crate_name}}_persistence_model::{Backlog, Outbox, OutboxMessage, OutboxSignal, Result};

/// The collection holding the outbox messages.
pub const OUTBOX_COLLECTION: &str = "outbox_messages";

fn collection(db: &Database) -> Collection<Document> {
    db.collection(OUTBOX_COLLECTION)
}

/// Inserts `messages`, in the unit of work's session when it has one.
pub(crate) async fn write(
    db: &Database,
    session: Option<&mut ClientSession>,
    messages: Vec<OutboxMessage>,
) -> Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let documents = messages.iter().map(|message| {
        doc! {
            "_id": uuid(message.id),
            "aggregate_type": &message.aggregate_type,
            "aggregate_id": &message.aggregate_id,
            "aggregate_version": message.aggregate_version,
            "event_type": &message.event_type,
            "data": &message.data,
            "trace_parent": message.trace_parent.as_deref(),
            "attempts": 0_i32,
            "claimed_by": Bson::Null,
            "occurred_at": timestamp(message.occurred_at),
            "available_at": timestamp(message.occurred_at),
            "lease_until": Bson::Null,
            "published_at": Bson::Null,
        }
    });
    let outbox = collection(db);
    let insert = outbox.insert_many(documents);
    match session {
        Some(session) => insert.session(session).await,
        None => insert.await,
    }
    .map_err(from_mongo)?;
    Ok(())
}

fn message(document: &Document) -> Result<OutboxMessage> {
    let invalid = |field: &'static str, reason: &dyn std::fmt::Display| {
        PersistenceError::Corrupt(InvalidRecord {
            id: Uuid::nil(),
            field,
            reason: reason.to_string(),
        })
    };
    let id = match document.get("_id") {
        Some(Bson::Binary(b)) if b.subtype == BinarySubtype::Uuid => {
            Uuid::from_slice(&b.bytes).ok()
        }
        _ => None,
    };
    let id = id.ok_or_else(|| invalid("_id", &"not a UUID"))?;
    let text = |key| {
        let text = document.get_str(key).map_err(|e| invalid(key, &e));
        text.map(str::to_owned)
    };
    let occurred = document.get_datetime("occurred_at");
    let occurred = occurred.map_err(|e| invalid("occurred_at", &e))?;
    let occurred_at = DateTime::from_timestamp_millis(occurred.timestamp_millis());
    let attempts = document.get_i32("attempts");
    let attempts = attempts.map_err(|e| invalid("attempts", &e))?;
    let version = document.get_i64("aggregate_version");
    // Absent in messages saved before the field existed, null when untraced.
    let trace_parent = document.get_str("trace_parent").ok().map(str::to_owned);
    Ok(OutboxMessage {
        id,
        aggregate_type: text("aggregate_type")?,
        aggregate_id: text("aggregate_id")?,
        aggregate_version: version.map_err(|e| invalid("aggregate_version", &e))?,
        event_type: text("event_type")?,
        data: text("data")?,
        occurred_at: occurred_at.ok_or_else(|| invalid("occurred_at", &"out of range"))?,
        trace_parent,
        attempts: u32::try_from(attempts).unwrap_or(0),
    })
}

/// Pending, due and not leased by a running lease at `now`.
fn claimable(now: DateTime<Utc>) -> Document {
    doc! {
        "published_at": Bson::Null,
        "available_at": { "$lte": timestamp(now) },
        "$or": [
            { "lease_until": Bson::Null },
            { "lease_until": { "$lte": timestamp(now) } },
        ],
    }
}

#[async_trait]
impl Outbox for MongoStore {
    async fn claim(
        &self,
        relay: Uuid,
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxMessage>> {
        let outbox = collection(&self.db);
        let oldest_first = FindOptions::builder()
            .sort(doc! { "occurred_at": 1, "_id": 1 })
            .limit(i64::from(limit))
            .build();
        let candidates = outbox.find(claimable(now)).with_options(oldest_first).await;
        let mut candidates = candidates.map_err(from_mongo)?;
        let mut claimed = Vec::new();
        while candidates.advance().await.map_err(from_mongo)? {
            let candidate = candidates.deserialize_current().map_err(from_mongo)?;
            let candidate = message(&candidate)?;
            // Only an aggregate's oldest unpublished message: once it is
            // published it never becomes unpublished again, so checking
            // before leasing cannot let a later version overtake it.
            let older = doc! {
                "aggregate_id": &candidate.aggregate_id,
                "published_at": Bson::Null,
                "aggregate_version": { "$lt": candidate.aggregate_version },
            };
            if outbox.count_documents(older).await.map_err(from_mongo)? > 0 {
                continue;
            }
            // The lease is taken only if nobody took it since the find.
            let mut still_free = claimable(now);
            still_free.insert("_id", uuid(candidate.id));
            let lease = doc! { "$set": {
                "claimed_by": uuid(relay),
                "lease_until": timestamp(now + lease),
            } };
            let taken = outbox.find_one_and_update(still_free, lease).await;
            if taken.map_err(from_mongo)?.is_some() {
                claimed.push(candidate);
            }
        }
        Ok(claimed)
    }

    async fn mark_published(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        let published = doc! { "$set": {
            "published_at": timestamp(now),
            "claimed_by": Bson::Null,
            "lease_until": Bson::Null,
        } };
        let outbox = collection(&self.db);
        let updated = outbox.update_one(doc! { "_id": uuid(id) }, published);
        updated.await.map_err(from_mongo)?;
        Ok(())
    }

    async fn mark_failed(&self, id: Uuid, retry_at: DateTime<Utc>) -> Result<()> {
        let failed = doc! {
            "$inc": { "attempts": 1_i32 },
            "$set": {
                "available_at": timestamp(retry_at),
                "claimed_by": Bson::Null,
                "lease_until": Bson::Null,
            },
        };
        let outbox = collection(&self.db);
        let updated = outbox.update_one(doc! { "_id": uuid(id) }, failed);
        updated.await.map_err(from_mongo)?;
        Ok(())
    }

    async fn purge_published(&self, before: DateTime<Utc>) -> Result<u64> {
        let old = doc! { "published_at": { "$lt": timestamp(before) } };
        let deleted = collection(&self.db).delete_many(old).await;
        Ok(deleted.map_err(from_mongo)?.deleted_count)
    }

    async fn backlog(&self) -> Result<Backlog> {
        let outbox = collection(&self.db);
        let pending = doc! { "published_at": Bson::Null };
        let count = outbox.count_documents(pending.clone()).await;
        let oldest = outbox
            .find_one(pending)
            .sort(doc! { "occurred_at": 1 })
            .await
            .map_err(from_mongo)?;
        let oldest = match oldest {
            Some(document) => Some(message(&document)?.occurred_at),
            None => None,
        };
        Ok(Backlog {
            pending: count.map_err(from_mongo)?,
            oldest,
        })
    }

    fn signal(&self) -> &OutboxSignal {
        &self.signal
    }
}
