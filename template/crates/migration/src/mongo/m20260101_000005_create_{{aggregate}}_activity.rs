//! Creates the activity records collection and its indexes: one document per
//! event of {{an_aggregate}}, written by the subscriber with its inbox entry.

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use crate::MigrationTrait;

const COLLECTION: &str = "{{aggregate}}_activity";

#[derive(Debug)]
pub struct Migration;

#[async_trait]
impl MigrationTrait for Migration {
    fn name(&self) -> &'static str {
        "m20260101_000005_create_{{aggregate}}_activity"
    }

    async fn up(&self, db: &Database) -> mongodb::error::Result<()> {
        // Idempotent, so a run that failed after this step can be repeated.
        let existing = db.list_collection_names().await?;
        if !existing.iter().any(|name| name == COLLECTION) {
            db.create_collection(COLLECTION).await?;
        }
        // One record per event.
        let unique = IndexOptions::builder().unique(true).build();
        let per_event = IndexModel::builder()
            .keys(doc! { "event_id": 1 })
            .options(unique)
            .build();
        // The feed of one {{aggregate_title}}, in version order.
        let per_version = IndexModel::builder()
            .keys(doc! { "{{aggregate}}_id": 1, "version": 1 })
            .build();
        let collection = db.collection::<Document>(COLLECTION);
        let indexes = [per_event, per_version];
        collection.create_indexes(indexes).await?;
        Ok(())
    }

    async fn down(&self, db: &Database) -> mongodb::error::Result<()> {
        db.collection::<Document>(COLLECTION).drop().await
    }
}
