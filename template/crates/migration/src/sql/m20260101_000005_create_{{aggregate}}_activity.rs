//! Creates the activity records: one row per event of {{an_aggregate}}, written
//! by the subscriber with its inbox entry.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, pk_uuid, string_len, uuid};

use crate::columns::timestamp;

const INDEX: &str = "idx_{{aggregate}}_activity_version";

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(Activity::Table)
            .col(pk_uuid(Activity::EventId))
            .col(uuid(Activity::AggregateId))
            .col(string_len(Activity::Kind, 16))
            .col(big_integer(Activity::Version))
            .col(timestamp(Activity::OccurredAt))
            .col(timestamp(Activity::RecordedAt))
            .to_owned();
        manager.create_table(table).await?;
        // The feed of one {{aggregate_title}}, in version order.
        let per_version = Index::create()
            .name(INDEX)
            .table(Activity::Table)
            .col(Activity::AggregateId)
            .col(Activity::Version)
            .to_owned();
        manager.create_index(per_version).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::drop().table(Activity::Table).to_owned();
        manager.drop_table(table).await
    }
}

/// The table and its columns, named explicitly: the names hold the
/// aggregate's, which an identifier derived from the variant might spell
/// differently.
#[derive(DeriveIden)]
enum Activity {
    #[sea_orm(iden = "{{aggregate}}_activity")]
    Table,
    EventId,
    #[sea_orm(iden = "{{aggregate}}_id")]
    AggregateId,
    Kind,
    Version,
    OccurredAt,
    RecordedAt,
}
