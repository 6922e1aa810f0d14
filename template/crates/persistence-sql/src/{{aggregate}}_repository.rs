//! The {{aggregate_title}} repository on SeaORM.

use std::sync::OnceLock;

use async_trait::async_trait;
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, SimpleExpr};
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, DatabaseExecutor, DbBackend};
use sea_orm::{EntityTrait, PaginatorTrait, QueryFilter, QueryTrait, Statement};
use uuid::Uuid;

use crate::error::from_db;
use crate::query::{self, Translation, escape_like};

use {{crate_name}}_entity_model::AggregateRoot;
use {{crate_name}}_persistence_model::{PersistenceError, Result};

use crate::entity::{{aggregate}}::{ActiveModel, Column, Entity, Model};
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_entity_model::{{Aggregate}}Record;
use {{crate_name}}_entity_model::{{Aggregate}}State;
use {{crate_name}}_persistence_model::{{Aggregate}}Condition as Condition;
use {{crate_name}}_persistence_model::{{Aggregate}}Repository;
use {{crate_name}}_persistence_model::{{Aggregate}}SortKey as SortKey;
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

/// The SeaORM repository, borrowing the pool for reads or a unit of work's
/// transaction for changes that commit together.
#[derive(Debug)]
pub(crate) struct Sql{{Aggregate}}Repository<'c> {
    conn: DatabaseExecutor<'c>,
}

impl<'c> Sql{{Aggregate}}Repository<'c> {
    pub(crate) fn new(conn: impl Into<DatabaseExecutor<'c>>) -> Self {
        Self { conn: conn.into() }
    }

    /// Tells a missing row from a stale version after a conditional write
    /// changed nothing.
    async fn missing_or_conflict(&self, id: {{Aggregate}}Id) -> PersistenceError {
        let stored = Entity::find_by_id(id.as_uuid()).count(&self.conn).await;
        match stored {
            Ok(count) => PersistenceError::missing_or_conflict(count > 0),
            Err(err) => from_db(err),
        }
    }
}

#[async_trait]
impl {{Aggregate}}Repository for Sql{{Aggregate}}Repository<'_> {
    #[tracing::instrument(name = "{{Aggregate}}Repository::insert", skip_all, fields(id = %aggregate.id()))]
    async fn insert(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let model = to_active_model(aggregate.state());
        Entity::insert(model)
            .exec_without_returning(&self.conn)
            .await
            .map_err(from_db)?;
        Ok(())
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::update", skip_all, fields(id = %aggregate.id()))]
    async fn update(&self, aggregate: &{{Aggregate}}) -> Result<{{Aggregate}}> {
        let saved = aggregate.state().saved();
        // One conditional statement: the version check and the write cannot be
        // separated by another writer.
        let result = Entity::update_many()
            .set(to_active_model(&saved))
            .filter(Column::Id.eq(saved.id.as_uuid()))
            .filter(Column::Version.eq(aggregate.version()))
            .exec(&self.conn)
            .await
            .map_err(from_db)?;
        if result.rows_affected == 0 {
            return Err(self.missing_or_conflict(saved.id).await);
        }
        Ok({{Aggregate}}::restore(saved))
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::delete", skip_all, fields(id = %aggregate.id()))]
    async fn delete(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let id = aggregate.id();
        let result = Entity::delete_many()
            .filter(Column::Id.eq(id.as_uuid()))
            .filter(Column::Version.eq(aggregate.version()))
            .exec(&self.conn)
            .await
            .map_err(from_db)?;
        if result.rows_affected == 0 {
            return Err(self.missing_or_conflict(id).await);
        }
        Ok(())
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::get_by_id", skip(self))]
    async fn get_by_id(&self, id: {{Aggregate}}Id) -> Result<Option<{{Aggregate}}>> {
        let backend = self.conn.get_database_backend();
        let values = [id.as_uuid().into()];
        let statement = Statement::from_sql_and_values(backend, by_id_sql(backend), values);
        let found = Entity::find()
            .from_raw_sql(statement)
            .all(&self.conn)
            .await
            .map_err(from_db)?;
        found.into_iter().next().map(to_aggregate).transpose()
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::find", skip(self))]
    async fn find(&self, spec: &{{Aggregate}}Specification) -> Result<Vec<{{Aggregate}}>> {
        let select = query::select::<Self>(spec);
        let models = select.all(&self.conn).await.map_err(from_db)?;
        models.into_iter().map(to_aggregate).collect()
    }

    #[tracing::instrument(name = "{{Aggregate}}Repository::count", skip(self))]
    async fn count(&self, spec: &{{Aggregate}}Specification) -> Result<u64> {
        // Sort and paging do not change a total: count over the filter only.
        Entity::find()
            .filter(query::condition::<Self>(spec))
            .count(&self.conn)
            .await
            .map_err(from_db)
    }
}

impl Translation for Sql{{Aggregate}}Repository<'_> {
    type Entity = Entity;
    type Condition = Condition;
    type SortKey = SortKey;

    fn expr(condition: &Condition) -> SimpleExpr {
        match condition {
            Condition::Status(status) => Column::Status.eq(status.as_str()),
            Condition::Name(name) => Column::Name.eq(name.as_str()),
            Condition::NameContains(text) => {
                let pattern = format!("%{}%", escape_like(&text.to_lowercase()));
                let lowered = Expr::expr(Func::lower(Expr::col(Column::Name)));
                lowered.like(LikeExpr::new(pattern).escape('\\'))
            }
            Condition::AmountBetween { min, max } => {
                Column::AmountCents.between(min.cents(), max.cents())
            }
        }
    }

    fn column(key: SortKey) -> Column {
        match key {
            SortKey::Name => Column::Name,
            SortKey::Status => Column::Status,
            SortKey::AmountCents => Column::AmountCents,
            SortKey::CreatedAt => Column::CreatedAt,
            SortKey::UpdatedAt => Column::UpdatedAt,
        }
    }

    fn id_column() -> Column {
        Column::Id
    }
}

/// `SELECT … WHERE id = ?`, built and rendered once: building it on every
/// request cost about 5 % of a get by id. Not `one()`, which binds a `LIMIT ?`:
/// SQLite re-prepares a statement whose LIMIT is bound every time it is bound
/// (that halved get-by-id throughput). The key allows one row at most.
fn by_id_sql(backend: DbBackend) -> String {
    static RENDERED: OnceLock<(DbBackend, String)> = OnceLock::new();
    let render = || Entity::find_by_id(Uuid::nil()).build(backend).sql;
    // A service has one backend; another one is rendered, not cached.
    match RENDERED.get_or_init(|| (backend, render())) {
        (cached, sql) if *cached == backend => sql.clone(),
        _ => render(),
    }
}

fn to_active_model(state: &{{Aggregate}}State) -> ActiveModel {
    let record = {{Aggregate}}Record::from(state);
    ActiveModel {
        id: ActiveValue::Set(record.id),
        name: ActiveValue::Set(record.name),
        description: ActiveValue::Set(record.description),
        status: ActiveValue::Set(record.status),
        amount_cents: ActiveValue::Set(record.amount_cents),
        version: ActiveValue::Set(record.version),
        created_at: ActiveValue::Set(record.created_at),
        updated_at: ActiveValue::Set(record.updated_at),
    }
}

/// Rows are checked against the entity model's rules on the way in, so a
/// hand-edited row shows up as an error instead of an invalid aggregate.
fn to_aggregate(model: Model) -> Result<{{Aggregate}}> {
    let record = {{Aggregate}}Record {
        id: model.id,
        name: model.name,
        description: model.description,
        status: model.status,
        amount_cents: model.amount_cents,
        version: model.version,
        created_at: model.created_at,
        updated_at: model.updated_at,
    };
    let state = {{Aggregate}}State::try_from(record)?;
    Ok({{Aggregate}}::restore(state))
}
