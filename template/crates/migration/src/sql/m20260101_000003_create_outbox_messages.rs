//! Creates the transactional outbox: one row per domain event, written in the
//! same transaction as the change, deleted after publishing and retention.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{big_integer, integer, pk_uuid, string_len, string_len_null};
use sea_orm_migration::schema::{text, uuid_null};

use crate::columns::{timestamp, timestamp_null};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::create()
            .table(OutboxMessages::Table)
            .col(pk_uuid(OutboxMessages::Id))
            .col(string_len(OutboxMessages::AggregateType, 64))
            .col(string_len(OutboxMessages::AggregateId, 64))
            .col(big_integer(OutboxMessages::AggregateVersion))
            .col(string_len(OutboxMessages::EventType, 32))
            .col(text(OutboxMessages::Data))
            .col(string_len_null(OutboxMessages::TraceParent, 64))
            .col(integer(OutboxMessages::Attempts))
            .col(uuid_null(OutboxMessages::ClaimedBy))
            .col(timestamp(OutboxMessages::OccurredAt))
            .col(timestamp(OutboxMessages::AvailableAt))
            .col(timestamp_null(OutboxMessages::LeaseUntil))
            .col(timestamp_null(OutboxMessages::PublishedAt))
            .to_owned();
        manager.create_table(table).await?;
        // The relay's claim: pending messages, oldest first.
        let pending = Index::create()
            .name("idx_outbox_messages_pending")
            .table(OutboxMessages::Table)
            .col(OutboxMessages::PublishedAt)
            .col(OutboxMessages::OccurredAt)
            .to_owned();
        manager.create_index(pending).await?;
        // One event per aggregate version; also finds an aggregate's older messages.
        let per_aggregate = Index::create()
            .name("idx_outbox_messages_aggregate_version")
            .table(OutboxMessages::Table)
            .col(OutboxMessages::AggregateId)
            .col(OutboxMessages::AggregateVersion)
            .col(OutboxMessages::AggregateType)
            .unique()
            .to_owned();
        manager.create_index(per_aggregate).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::drop().table(OutboxMessages::Table).to_owned();
        manager.drop_table(table).await
    }
}

#[derive(DeriveIden)]
enum OutboxMessages {
    Table,
    Id,
    AggregateType,
    AggregateId,
    AggregateVersion,
    EventType,
    Data,
    TraceParent,
    Attempts,
    ClaimedBy,
    OccurredAt,
    AvailableAt,
    LeaseUntil,
    PublishedAt,
}
