//! Creates the collection and its indexes when the service runs without
//! versioned migrations. Idempotent: every instance runs it at start.

use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};
{% if message_bus == "rabbitmq" %}
use crate::ACTIVITY_COLLECTION;
use crate::INBOX_COLLECTION;
use crate::OUTBOX_COLLECTION;
{%- endif %}
use crate::error::from_mongo;

use {{crate_name}}_persistence_model::{PersistenceError, Result};

/// Creates the collections if missing and their indexes (creating an index
/// that already exists with the same definition is a no-op).
pub async fn ensure_schema(db: &Database) -> Result<()> {
    // Collections, one per aggregate.
    ensure_with_unique_names(db, "{{aggregates}}").await?;
{%- if message_bus == "rabbitmq" %}

    // Multi-document transactions cannot always create a collection: the
    // outbox exists before the first unit of work writes to it.
    ensure_collection(db, OUTBOX_COLLECTION).await?;
    let outbox = db.collection::<Document>(OUTBOX_COLLECTION);
    let indexes = outbox_indexes();
    outbox.create_indexes(indexes).await.map_err(from_mongo)?;
    ensure_collection(db, INBOX_COLLECTION).await?;
    let inbox = db.collection::<Document>(INBOX_COLLECTION);
    let indexes = inbox_indexes();
    inbox.create_indexes(indexes).await.map_err(from_mongo)?;
    ensure_collection(db, ACTIVITY_COLLECTION).await?;
    let activity = db.collection::<Document>(ACTIVITY_COLLECTION);
    let indexes = activity_indexes();
    activity.create_indexes(indexes).await.map_err(from_mongo)?;
{%- endif %}

    Ok(())
}

/// An aggregate's collection, whose `name` is unique.
async fn ensure_with_unique_names(db: &Database, collection: &str) -> Result<()> {
    ensure_collection(db, collection).await?;
    let unique = IndexOptions::builder()
        .name("name_unique".to_owned())
        .unique(true)
        .build();
    let index = IndexModel::builder()
        .keys(doc! { "name": 1 })
        .options(unique)
        .build();
    let collection = db.collection::<Document>(collection);
    collection.create_index(index).await.map_err(from_mongo)?;
    Ok(())
}

async fn ensure_collection(db: &Database, collection: &str) -> Result<()> {
    let existing = db.list_collection_names().await.map_err(from_mongo)?;
    if existing.iter().any(|name| name == collection) {
        return Ok(());
    }
    let created = db.create_collection(collection).await;
    // Another instance may have created it between the two calls.
    if let Err(err) = created.map_err(from_mongo) {
        let names = db.list_collection_names().await.map_err(from_mongo)?;
        if !names.iter().any(|name| name == collection) {
            return Err(err);
        }
    }
    Ok(())
}
{%- if message_bus == "rabbitmq" %}

/// The relay's claim (pending, oldest first) and one event per aggregate version.
fn outbox_indexes() -> [IndexModel; 2] {
    let pending = IndexModel::builder()
        .keys(doc! { "published_at": 1, "occurred_at": 1 })
        .build();
    let unique = IndexOptions::builder().unique(true).build();
    let per_aggregate = IndexModel::builder()
        .keys(doc! { "aggregate_id": 1, "aggregate_version": 1, "aggregate_type": 1 })
        .options(unique)
        .build();
    [pending, per_aggregate]
}

/// One entry per message and consumer: the unique index is what makes a
/// concurrent acceptance of the same message a write conflict. The purge
/// deletes by age.
fn inbox_indexes() -> [IndexModel; 2] {
    let unique = IndexOptions::builder().unique(true).build();
    let per_consumer = IndexModel::builder()
        .keys(doc! { "consumer": 1, "message_id": 1 })
        .options(unique)
        .build();
    let received_at = IndexModel::builder()
        .keys(doc! { "received_at": 1 })
        .build();
    [per_consumer, received_at]
}

/// One record per event; the feed of one {{aggregate_title}}, in version order.
fn activity_indexes() -> [IndexModel; 2] {
    let unique = IndexOptions::builder().unique(true).build();
    let per_event = IndexModel::builder()
        .keys(doc! { "event_id": 1 })
        .options(unique)
        .build();
    let per_version = IndexModel::builder()
        .keys(doc! { "{{aggregate}}_id": 1, "version": 1 })
        .build();
    [per_event, per_version]
}
{%- endif %}

/// Succeeds when the collections exist.
pub async fn check_schema(db: &Database) -> Result<()> {
    let names = db.list_collection_names().await.map_err(from_mongo)?;
    let exists = |collection: &str| {
        if names.iter().any(|name| name == collection) {
            return Ok(());
        }
        let missing = format!("collection {collection} does not exist");
        Err(PersistenceError::Backend(missing.into()))
    };
    // Collections, one per aggregate.
    exists("{{aggregates}}")?;
{%- if message_bus == "rabbitmq" %}

    exists(OUTBOX_COLLECTION)?;
    exists(INBOX_COLLECTION)?;
    exists(ACTIVITY_COLLECTION)?;
{%- endif %}

    Ok(())
}
