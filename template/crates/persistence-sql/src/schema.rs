//! Creates the schema from the entity definitions when the service runs
//! without versioned migrations. Idempotent: every instance runs it at start.
{% if message_bus == "rabbitmq" %}
use sea_orm::sea_query::{Index, IndexCreateStatement, TableCreateStatement};
{%- else %}
use sea_orm::sea_query::TableCreateStatement;
{%- endif %}
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, Schema};

use crate::entity;
{%- if message_bus == "rabbitmq" %}
use crate::entity::{activity, inbox_message, outbox_message};
{%- endif %}
use crate::error::from_db;

use {{crate_name}}_persistence_model::Result;

/// Creates missing tables (with their unique constraints); existing ones are
/// left as they are, so changing a column later needs a migration.
pub async fn ensure_schema(db: &DatabaseConnection) -> Result<()> {
    let backend = db.get_database_backend();
    let schema = Schema::new(backend);
    // Tables, one per aggregate.
    let table = schema.create_table_from_entity(entity::{{aggregate}}::Entity);
    create(db, table).await?;
{%- if message_bus == "rabbitmq" %}

    // The relay's claim (pending messages, oldest first), and one event per
    // aggregate version: the indexes of the outbox's migration.
    let outbox = schema.create_table_from_entity(outbox_message::Entity);
    let pending = Index::create()
        .name("idx_outbox_messages_pending")
        .table(outbox_message::Entity)
        .col(outbox_message::Column::PublishedAt)
        .col(outbox_message::Column::OccurredAt)
        .to_owned();
    let per_aggregate = Index::create()
        .name("idx_outbox_messages_aggregate_version")
        .table(outbox_message::Entity)
        .col(outbox_message::Column::AggregateId)
        .col(outbox_message::Column::AggregateVersion)
        .col(outbox_message::Column::AggregateType)
        .unique()
        .to_owned();
    create_with_indexes(db, outbox, [pending, per_aggregate]).await?;
    // The purge deletes by age.
    let inbox = schema.create_table_from_entity(inbox_message::Entity);
    let received_at = Index::create()
        .name("idx_inbox_messages_received_at")
        .table(inbox_message::Entity)
        .col(inbox_message::Column::ReceivedAt)
        .to_owned();
    create_with_indexes(db, inbox, [received_at]).await?;
    // The feed of one {{aggregate_title}}, in version order.
    let activity = schema.create_table_from_entity(activity::Entity);
    let per_version = Index::create()
        .name("idx_{{aggregate}}_activity_version")
        .table(activity::Entity)
        .col(activity::Column::{{Aggregate}}Id)
        .col(activity::Column::Version)
        .to_owned();
    create_with_indexes(db, activity, [per_version]).await?;
{%- endif %}

    Ok(())
}

/// Creates `table` unless it exists.
async fn create(db: &DatabaseConnection, mut table: TableCreateStatement) -> Result<()> {
    table.if_not_exists();
    db.execute(&table).await.map_err(from_db)?;
    Ok(())
}
{%- if message_bus == "rabbitmq" %}

/// Creates `table` and its `indexes` unless they exist.
async fn create_with_indexes<const N: usize>(
    db: &DatabaseConnection,
    mut table: TableCreateStatement,
    indexes: [IndexCreateStatement; N],
) -> Result<()> {
    table.if_not_exists();
{%- if database == "mysql" %}
    // MySQL has no `CREATE INDEX IF NOT EXISTS`: the indexes are created
    // with the table, in its statement.
    for mut index in indexes {
        table.index(&mut index);
    }
    db.execute(&table).await.map_err(from_db)?;
{%- else %}
    db.execute(&table).await.map_err(from_db)?;
    for mut index in indexes {
        index.if_not_exists();
        db.execute(&index).await.map_err(from_db)?;
    }
{%- endif %}
    Ok(())
}
{%- endif %}

/// Succeeds when the tables exist and can be read.
pub async fn check_schema(db: &DatabaseConnection) -> Result<()> {
    // Tables, one per aggregate.
    probe(db, entity::{{aggregate}}::Entity).await?;
{%- if message_bus == "rabbitmq" %}

    probe(db, outbox_message::Entity).await?;
    probe(db, inbox_message::Entity).await?;
    probe(db, activity::Entity).await?;
{%- endif %}

    Ok(())
}

/// Reads at most one row of `table`.
async fn probe<E: EntityTrait>(db: &DatabaseConnection, _table: E) -> Result<()> {
    E::find().limit(1).all(db).await.map_err(from_db)?;
    Ok(())
}
