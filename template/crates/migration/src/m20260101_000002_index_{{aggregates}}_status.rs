//! Indexes the status, which list filters use most.
{%- if database == "mongodb" %}

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
{%- else %}

use sea_orm_migration::prelude::*;

const INDEX: &str = "idx_{{aggregates}}_status_created_at";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let index = Index::create()
            .name(INDEX)
            .table({{Aggregates}}::Table)
            .col({{Aggregates}}::Status)
            .col({{Aggregates}}::CreatedAt)
            .to_owned();
        manager.create_index(index).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let mut index = Index::drop();
        index.name(INDEX).table({{Aggregates}}::Table);
        manager.drop_index(index).await
    }
}

#[derive(DeriveIden)]
enum {{Aggregates}} {
    Table,
    Status,
    CreatedAt,
}
{%- endif %}
