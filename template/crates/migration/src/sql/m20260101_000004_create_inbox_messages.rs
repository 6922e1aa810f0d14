//! Creates the inbox: one row per message a subscriber accepted, written in
//! the same transaction as its effect, deleted after the retention period.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::{string_len, uuid};

use crate::columns::timestamp;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Each subscriber accepts a message once: the key is both.
        let mut key = Index::create();
        key.col(InboxMessages::Consumer);
        key.col(InboxMessages::MessageId);
        let table = Table::create()
            .table(InboxMessages::Table)
            .col(string_len(InboxMessages::Consumer, 128))
            .col(uuid(InboxMessages::MessageId))
            .col(timestamp(InboxMessages::ReceivedAt))
            .primary_key(&mut key)
            .to_owned();
        manager.create_table(table).await?;
        // The purge deletes by age.
        let received_at = Index::create()
            .name("idx_inbox_messages_received_at")
            .table(InboxMessages::Table)
            .col(InboxMessages::ReceivedAt)
            .to_owned();
        manager.create_index(received_at).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let table = Table::drop().table(InboxMessages::Table).to_owned();
        manager.drop_table(table).await
    }
}

#[derive(DeriveIden)]
enum InboxMessages {
    Table,
    Consumer,
    MessageId,
    ReceivedAt,
}
