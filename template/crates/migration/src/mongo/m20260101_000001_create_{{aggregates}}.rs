//! Creates the {{aggregates}} collection, with a JSON-schema validator and a
//! unique name index.

use async_trait::async_trait;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use crate::MigrationTrait;

const COLLECTION: &str = "{{aggregates}}";

#[derive(Debug)]
pub struct Migration;

#[async_trait]
impl MigrationTrait for Migration {
    fn name(&self) -> &'static str {
        "m20260101_000001_create_{{aggregates}}"
    }

    async fn up(&self, db: &Database) -> mongodb::error::Result<()> {
        // Idempotent, so a run that failed after this step can be repeated.
        let existing = db.list_collection_names().await?;
        if !existing.iter().any(|name| name == COLLECTION) {
            let create = db.create_collection(COLLECTION).validator(validator());
            create.await?;
        }
        let unique = IndexOptions::builder()
            .name("name_unique".to_owned())
            .unique(true)
            .build();
        let index = IndexModel::builder()
            .keys(doc! { "name": 1 })
            .options(unique)
            .build();
        let collection = db.collection::<Document>(COLLECTION);
        collection.create_index(index).await?;
        Ok(())
    }

    async fn down(&self, db: &Database) -> mongodb::error::Result<()> {
        db.collection::<Document>(COLLECTION).drop().await
    }
}

/// The server refuses documents that do not have this shape, whoever writes
/// them (the service checks the same rules before writing).
fn validator() -> Document {
    doc! {
        "$jsonSchema": {
            "bsonType": "object",
            "required": [
                "_id", "name", "status", "amount_cents", "version",
                "created_at", "updated_at",
            ],
            "properties": {
                "_id": { "bsonType": "binData" },
                "name": { "bsonType": "string", "minLength": 1, "maxLength": 200 },
                "description": { "bsonType": ["string", "null"], "maxLength": 2000 },
                "status": { "enum": ["draft", "active", "archived"] },
                "amount_cents": { "bsonType": "long", "minimum": 0 },
                "version": { "bsonType": "long", "minimum": 1 },
                "created_at": { "bsonType": "date" },
                "updated_at": { "bsonType": "date" },
            },
        }
    }
}
