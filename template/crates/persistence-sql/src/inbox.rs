//! The inbox and the activity records on {{database}}: rows written in the
//! unit of work's transaction, with the effect of the message.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
{%- if database == "mysql" %}
use sea_orm::{ActiveValue, ConnectionTrait, DbBackend, Statement};
{%- else %}
use sea_orm::{ActiveValue, ConnectionTrait, TryInsertResult};
{%- endif %}
use sea_orm::{ColumnTrait, DatabaseExecutor, EntityTrait, PaginatorTrait};
use sea_orm::{QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::activity::{ActiveModel, Column, Entity, Model};
use crate::entity::inbox_message;
use crate::error::from_db;

use {{crate_name}}_entity_model::InvalidRecord;
use {{crate_name}}_persistence_model::{Page, PersistenceError, Result, check_consumer};

use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
use {{crate_name}}_entity_model::{{Aggregate}}EventKind as Kind;
use {{crate_name}}_entity_model::{{Aggregate}}Id as Id;
use {{crate_name}}_persistence_model::{{Aggregate}}ActivityRepository as ActivityRepository;
{% if database == "mysql" %}
/// `INSERT IGNORE`: SeaORM's "do nothing" on MySQL is `ON DUPLICATE KEY
/// UPDATE pk = pk`, which counts the existing row as affected (sqlx asks
/// for found rows), so a duplicate could not be told from an insert.
const ACCEPT: &str = "INSERT IGNORE INTO inbox_messages \
    (consumer, message_id, received_at) VALUES (?, ?, ?)";

/// Inserts the inbox row through `db` (the unit of work's transaction)
/// unless it exists; whether it did. A concurrent transaction's row is
/// waited for: once that one commits this is a duplicate, and the
/// transaction stays usable either way.
pub(crate) async fn accept(
    db: &impl ConnectionTrait,
    consumer: &str,
    message_id: Uuid,
    received_at: DateTime<Utc>,
) -> Result<bool> {
    check_consumer(consumer)?;
    let values = [consumer.into(), message_id.into(), received_at.into()];
    let statement = Statement::from_sql_and_values(DbBackend::MySql, ACCEPT, values);
    let inserted = db.execute_raw(statement).await.map_err(from_db)?;
    Ok(inserted.rows_affected() > 0)
}
{%- else %}
/// Inserts the inbox row through `db` (the unit of work's transaction)
/// unless it exists; whether it did. `ON CONFLICT DO NOTHING` rather than a
/// unique violation: PostgreSQL aborts a transaction on any error, and the
/// caller must still be able to roll back cleanly. A concurrent
/// transaction's row is waited for: once that one commits this is a
/// duplicate.
pub(crate) async fn accept(
    db: &impl ConnectionTrait,
    consumer: &str,
    message_id: Uuid,
    received_at: DateTime<Utc>,
) -> Result<bool> {
    check_consumer(consumer)?;
    let row = inbox_message::ActiveModel {
        consumer: ActiveValue::Set(consumer.to_owned()),
        message_id: ActiveValue::Set(message_id),
        received_at: ActiveValue::Set(received_at),
    };
    let insert = inbox_message::Entity::insert(row).on_conflict_do_nothing();
    let inserted = insert.exec_without_returning(db).await.map_err(from_db)?;
    Ok(matches!(inserted, TryInsertResult::Inserted(rows) if rows > 0))
}
{%- endif %}

/// Deletes the inbox rows received before `before`; how many.
pub(crate) async fn purge(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64> {
    let old = inbox_message::Column::ReceivedAt.lt(before);
    let purged = inbox_message::Entity::delete_many().filter(old);
    let purged = purged.exec(db).await;
    Ok(purged.map_err(from_db)?.rows_affected)
}

/// The activity records, on the pool for reads or on a unit of work's
/// transaction.
#[derive(Debug)]
pub(crate) struct SqlActivityRepository<'c> {
    conn: DatabaseExecutor<'c>,
}

impl<'c> SqlActivityRepository<'c> {
    pub(crate) fn new(conn: impl Into<DatabaseExecutor<'c>>) -> Self {
        Self { conn: conn.into() }
    }
}

#[async_trait]
impl ActivityRepository for SqlActivityRepository<'_> {
    #[tracing::instrument(name = "ActivityRepository::add", skip_all, fields(event_id = %activity.event_id))]
    async fn add(&self, activity: &Activity) -> Result<()> {
        let {{aggregate}}_id = activity.{{aggregate}}_id.as_uuid();
        let row = ActiveModel {
            event_id: ActiveValue::Set(activity.event_id),
            {{aggregate}}_id: ActiveValue::Set({{aggregate}}_id),
            kind: ActiveValue::Set(activity.kind.as_str().to_owned()),
            version: ActiveValue::Set(activity.version),
            occurred_at: ActiveValue::Set(activity.occurred_at),
            recorded_at: ActiveValue::Set(activity.recorded_at),
        };
        let inserted = Entity::insert(row).exec_without_returning(&self.conn).await;
        inserted.map_err(from_db)?;
        Ok(())
    }

    #[tracing::instrument(name = "ActivityRepository::list", skip(self))]
    async fn list(&self, id: Id, skip: u64, take: u64) -> Result<Page<Activity>> {
        let of_id = Column::{{Aggregate}}Id.eq(id.as_uuid());
        let of_id = Entity::find().filter(of_id);
        let total = of_id.clone().count(&self.conn).await.map_err(from_db)?;
        // Ties on the version are broken by event id: pages never overlap.
        let page = of_id
            .order_by_asc(Column::Version)
            .order_by_asc(Column::EventId)
            .offset(skip)
            .limit(take);
        let rows = page.all(&self.conn).await.map_err(from_db)?;
        let items = rows.into_iter().map(to_activity).collect::<Result<_>>()?;
        Ok(Page { items, total })
    }
}

fn to_activity(row: Model) -> Result<Activity> {
    let Some(kind) = Kind::parse(&row.kind) else {
        let reason = format!("unknown event kind {:?}", row.kind);
        let (id, field) = (row.event_id, "kind");
        let invalid = InvalidRecord { id, field, reason };
        return Err(PersistenceError::Corrupt(invalid));
    };
    Ok(Activity {
        event_id: row.event_id,
        {{aggregate}}_id: Id::from_uuid(row.{{aggregate}}_id),
        kind,
        version: row.version,
        occurred_at: row.occurred_at,
        recorded_at: row.recorded_at,
    })
}
