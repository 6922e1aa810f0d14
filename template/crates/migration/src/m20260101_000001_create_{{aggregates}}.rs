//! Creates the {{aggregates}} table and its unique name index.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table({{Aggregates}}::Table)
            .col(ColumnDef::new({{Aggregates}}::Id).uuid().not_null().primary_key())
            .col(ColumnDef::new({{Aggregates}}::Name).string_len(200).not_null())
            .col(ColumnDef::new({{Aggregates}}::Description).text().null())
            .col(ColumnDef::new({{Aggregates}}::Status).string_len(16).not_null())
            .col(ColumnDef::new({{Aggregates}}::AmountCents).big_integer().not_null())
            .col(ColumnDef::new({{Aggregates}}::Version).big_integer().not_null())
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

{%- if database == "mysql" %}

/// MySQL's plain TIMESTAMP keeps whole seconds; DATETIME(6) keeps microseconds
/// (values are always UTC).
fn timestamp(column: {{Aggregates}}) -> ColumnDef {
    ColumnDef::new(column)
        .custom(Alias::new("DATETIME(6)"))
        .not_null()
        .to_owned()
}
{%- else %}

fn timestamp(column: {{Aggregates}}) -> ColumnDef {
    ColumnDef::new(column)
        .timestamp_with_time_zone()
        .not_null()
        .to_owned()
}
{%- endif %}

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
