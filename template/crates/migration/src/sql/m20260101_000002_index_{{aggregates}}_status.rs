//! Indexes the status, which list filters use most.

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
