//! The outbox on {{database}}: a table written in the unit of work's
//! transaction, claimed by relays with leases.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query};
{%- unless database == "sqlite" %}
use sea_orm::sea_query::{LockBehavior, LockType};
{%- endunless %}
use sea_orm::{ActiveValue, ColumnTrait, Condition, ConnectionTrait, EntityTrait};
{%- if database == "mysql" %}
use sea_orm::{IsolationLevel, TransactionTrait};
{%- endif %}
use sea_orm::{PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;
{% if database == "mysql" %}
use crate::SqlStore;
use crate::entity::outbox_message::{ActiveModel, Column, Entity, Model};
use crate::error::from_db;
{%- else %}
use crate::entity::outbox_message::{ActiveModel, Column, Entity, Model};
use crate::error::from_db;
use crate::{SqlStore, begin_write};
{%- endif %}

use {{crate_name}}_persistence_model::{Backlog, Outbox, OutboxMessage, OutboxSignal, Result};

/// SQL `NULL` in the lease columns: no relay holds the message.
const NO_RELAY: Option<Uuid> = None;
const NO_TIME: Option<DateTime<Utc>> = None;

/// Inserts `messages` through `db` (the unit of work's transaction).
pub(crate) async fn write(db: &impl ConnectionTrait, messages: Vec<OutboxMessage>) -> Result<()> {
    if messages.is_empty() {
        return Ok(());
    }
    let rows = messages.into_iter().map(|message| ActiveModel {
        id: ActiveValue::Set(message.id),
        aggregate_type: ActiveValue::Set(message.aggregate_type),
        aggregate_id: ActiveValue::Set(message.aggregate_id),
        aggregate_version: ActiveValue::Set(message.aggregate_version),
        event_type: ActiveValue::Set(message.event_type),
        data: ActiveValue::Set(message.data),
        trace_parent: ActiveValue::Set(message.trace_parent),
        attempts: ActiveValue::Set(0),
        claimed_by: ActiveValue::Set(None),
        occurred_at: ActiveValue::Set(message.occurred_at),
        available_at: ActiveValue::Set(message.occurred_at),
        lease_until: ActiveValue::Set(None),
        published_at: ActiveValue::Set(None),
    });
    let inserted = Entity::insert_many(rows).exec_without_returning(db).await;
    inserted.map_err(from_db)?;
    Ok(())
}

fn message(row: Model) -> OutboxMessage {
    OutboxMessage {
        id: row.id,
        aggregate_type: row.aggregate_type,
        aggregate_id: row.aggregate_id,
        aggregate_version: row.aggregate_version,
        event_type: row.event_type,
        data: row.data,
        occurred_at: row.occurred_at,
        trace_parent: row.trace_parent,
        attempts: u32::try_from(row.attempts).unwrap_or(0),
    }
}

/// No unpublished message of the same aggregate with a lower version: the
/// message is its aggregate's next one to publish.
fn is_head() -> Condition {
    let earlier = Alias::new("earlier");
    let table = Alias::new("outbox_messages");
    let mut older = Query::select();
    older
        .expr(Expr::val(1))
        .from_as(Entity, earlier.clone())
        .and_where(
            Expr::col((earlier.clone(), Column::AggregateId))
                .equals((table.clone(), Column::AggregateId)),
        )
        .and_where(Expr::col((earlier.clone(), Column::PublishedAt)).is_null())
        .and_where(
            Expr::col((earlier, Column::AggregateVersion))
                .lt(Expr::col((table, Column::AggregateVersion))),
        );
    Condition::all().add(Expr::exists(older).not())
}

#[async_trait]
impl Outbox for SqlStore {
    async fn claim(
        &self,
        relay: Uuid,
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxMessage>> {
        let until = now + lease;
{%- if database == "sqlite" %}
        // SQLite has no row locks: its write lock, taken at the start, makes
        // claims run one at a time.
        let txn = begin_write(self.connection()).await.map_err(from_db)?;
{%- elsif database == "mysql" %}
        // READ COMMITTED: InnoDB's locking read then locks the rows it reads
        // and no gaps between them. Under REPEATABLE READ it also locks the
        // gap after the newest pending message, where every unit of work
        // inserts its events: writes would wait for claims, and could
        // deadlock with them.
        let isolation = Some(IsolationLevel::ReadCommitted);
        let txn = self.connection().begin_with_config(isolation, None).await;
        let txn = txn.map_err(from_db)?;
{%- else %}
        let txn = begin_write(self.connection()).await.map_err(from_db)?;
{%- endif %}
        let free = Condition::any()
            .add(Column::LeaseUntil.is_null())
            .add(Column::LeaseUntil.lte(now));
        let due = Entity::find()
            .filter(Column::PublishedAt.is_null())
            .filter(Column::AvailableAt.lte(now))
            .filter(free)
            .filter(is_head())
            .order_by_asc(Column::OccurredAt)
            .order_by_asc(Column::Id)
{%- if database == "sqlite" %}
            .limit(u64::from(limit));
{%- else %}
            .limit(u64::from(limit))
            // Rows another relay is claiming right now are skipped, not waited for.
            .lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
{%- endif %}
        let rows = due.all(&txn).await.map_err(from_db)?;
        if !rows.is_empty() {
            let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
            let leased = Entity::update_many()
                .col_expr(Column::ClaimedBy, Expr::value(relay))
                .col_expr(Column::LeaseUntil, Expr::value(until))
                .filter(Column::Id.is_in(ids))
                .exec(&txn)
                .await;
            leased.map_err(from_db)?;
        }
        // Ended here even when nothing was claimed: a dropped transaction
        // rolls back in the background, and until then it still holds the
        // row locks its SELECT took (MySQL locks every row it examined).
        txn.commit().await.map_err(from_db)?;
        Ok(rows.into_iter().map(message).collect())
    }

    async fn mark_published(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        let published = Entity::update_many()
            .col_expr(Column::PublishedAt, Expr::value(now))
            .col_expr(Column::ClaimedBy, Expr::value(NO_RELAY))
            .col_expr(Column::LeaseUntil, Expr::value(NO_TIME))
            .filter(Column::Id.eq(id))
            .exec(self.connection())
            .await;
        published.map_err(from_db)?;
        Ok(())
    }

    async fn mark_failed(&self, id: Uuid, retry_at: DateTime<Utc>) -> Result<()> {
        let failed = Entity::update_many()
            .col_expr(Column::Attempts, Expr::col(Column::Attempts).add(1))
            .col_expr(Column::AvailableAt, Expr::value(retry_at))
            .col_expr(Column::ClaimedBy, Expr::value(NO_RELAY))
            .col_expr(Column::LeaseUntil, Expr::value(NO_TIME))
            .filter(Column::Id.eq(id))
            .exec(self.connection())
            .await;
        failed.map_err(from_db)?;
        Ok(())
    }

    async fn purge_published(&self, before: DateTime<Utc>) -> Result<u64> {
        let purged = Entity::delete_many()
            .filter(Column::PublishedAt.lt(before))
            .exec(self.connection())
            .await;
        Ok(purged.map_err(from_db)?.rows_affected)
    }

    async fn backlog(&self) -> Result<Backlog> {
        let pending = Entity::find().filter(Column::PublishedAt.is_null());
        let count = pending.clone().count(self.connection()).await;
        let oldest = pending
            .order_by_asc(Column::OccurredAt)
            .one(self.connection())
            .await;
        Ok(Backlog {
            pending: count.map_err(from_db)?,
            oldest: oldest.map_err(from_db)?.map(|row| row.occurred_at),
        })
    }

    fn signal(&self) -> &OutboxSignal {
        &self.signal
    }
}
