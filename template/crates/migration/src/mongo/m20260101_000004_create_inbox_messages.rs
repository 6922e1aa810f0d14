//! Creates the inbox collection and its indexes: one document per message a
//! subscriber accepted, written in the same transaction as its effect.

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use crate::MigrationTrait;

const COLLECTION: &str = "inbox_messages";

#[derive(Debug)]
pub struct Migration;

#[async_trait]
impl MigrationTrait for Migration {
    fn name(&self) -> &'static str {
        "m20260101_000004_create_inbox_messages"
    }

    async fn up(&self, db: &Database) -> mongodb::error::Result<()> {
        // Idempotent, so a run that failed after this step can be repeated.
        // Created here, not by the first insert: a multi-document transaction
        // cannot always create a collection.
        let existing = db.list_collection_names().await?;
        if !existing.iter().any(|name| name == COLLECTION) {
            db.create_collection(COLLECTION).await?;
        }
        // One entry per message and consumer: it makes a concurrent
        // acceptance of the same message a write conflict.
        let unique = IndexOptions::builder().unique(true).build();
        let per_consumer = IndexModel::builder()
            .keys(doc! { "consumer": 1, "message_id": 1 })
            .options(unique)
            .build();
        // The purge deletes by age.
        let received_at = IndexModel::builder()
            .keys(doc! { "received_at": 1 })
            .build();
        let collection = db.collection::<Document>(COLLECTION);
        let indexes = [per_consumer, received_at];
        collection.create_indexes(indexes).await?;
        Ok(())
    }

    async fn down(&self, db: &Database) -> mongodb::error::Result<()> {
        db.collection::<Document>(COLLECTION).drop().await
    }
}
