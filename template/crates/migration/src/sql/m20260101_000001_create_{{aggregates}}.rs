//! Creates the {{aggregates}} table and its unique name index.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, pk_uuid, string_len, text_null};

use crate::columns::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table({{Aggregates}}::Table)
            .col(pk_uuid({{Aggregates}}::Id))
            .col(string_len({{Aggregates}}::Name, 200))
            .col(text_null({{Aggregates}}::Description))
            .col(string_len({{Aggregates}}::Status, 16))
            .col(big_integer({{Aggregates}}::AmountCents))
            .col(big_integer({{Aggregates}}::Version))
            .col(timestamp({{Aggregates}}::CreatedAt))
            .col(timestamp({{Aggregates}}::UpdatedAt))
            .to_owned();
        manager.create_table(table).await?;
        let unique_name = Index::create()
            .name("idx_{{aggregates}}_name")
            .table({{Aggregates}}::Table)
            .col({{Aggregates}}::Name)
            .unique()
            .to_owned();
        manager.create_index(unique_name).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::drop().table({{Aggregates}}::Table).to_owned();
        manager.drop_table(table).await
    }
}

#[derive(DeriveIden)]
enum {{Aggregates}} {
    Table,
    Id,
    Name,
    Description,
    Status,
    AmountCents,
    Version,
    CreatedAt,
    UpdatedAt,
}
