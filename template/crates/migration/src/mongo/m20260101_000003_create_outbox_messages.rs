//! Creates the transactional outbox collection and its indexes: one document
//! per domain event, written in the same transaction as the change.

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use crate::MigrationTrait;

const COLLECTION: &str = "outbox_messages";

#[derive(Debug)]
pub struct Migration;

#[async_trait]
impl MigrationTrait for Migration {
    fn name(&self) -> &'static str {
        "m20260101_000003_create_outbox_messages"
    }

    async fn up(&self, db: &Database) -> mongodb::error::Result<()> {
        // Idempotent, so a run that failed after this step can be repeated.
        // Created here, not by the first insert: a multi-document transaction
        // cannot always create a collection.
        let existing = db.list_collection_names().await?;
        if !existing.iter().any(|name| name == COLLECTION) {
            db.create_collection(COLLECTION).await?;
        }
        // The relay's claim: pending messages, oldest first.
        let pending = IndexModel::builder()
            .keys(doc! { "published_at": 1, "occurred_at": 1 })
            .build();
        // One event per aggregate version; also finds an aggregate's older messages.
        let unique = IndexOptions::builder().unique(true).build();
        let per_aggregate = IndexModel::builder()
            .keys(doc! { "aggregate_id": 1, "aggregate_version": 1, "aggregate_type": 1 })
            .options(unique)
            .build();
        let collection = db.collection::<Document>(COLLECTION);
        collection.create_indexes([pending, per_aggregate]).await?;
        Ok(())
    }

    async fn down(&self, db: &Database) -> mongodb::error::Result<()> {
        db.collection::<Document>(COLLECTION).drop().await
    }
}
