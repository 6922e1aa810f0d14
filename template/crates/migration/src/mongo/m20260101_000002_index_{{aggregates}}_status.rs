//! Indexes the status, which list filters use most.

use async_trait::async_trait;
use mongodb::bson::doc;
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use crate::MigrationTrait;

const INDEX: &str = "status_created_at";

#[derive(Debug)]
pub struct Migration;

#[async_trait]
impl MigrationTrait for Migration {
    fn name(&self) -> &'static str {
        "m20260101_000002_index_{{aggregates}}_status"
    }

    async fn up(&self, db: &Database) -> mongodb::error::Result<()> {
        let options = IndexOptions::builder().name(INDEX.to_owned()).build();
        let index = IndexModel::builder()
            .keys(doc! { "status": 1, "created_at": -1 })
            .options(options)
            .build();
        let collection = db.collection::<mongodb::bson::Document>("{{aggregates}}");
        collection.create_index(index).await?;
        Ok(())
    }

    async fn down(&self, db: &Database) -> mongodb::error::Result<()> {
        let collection = db.collection::<mongodb::bson::Document>("{{aggregates}}");
        collection.drop_index(INDEX).await
    }
}
