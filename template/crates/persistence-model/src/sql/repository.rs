use async_trait::async_trait;
use sea_orm::{ActiveValue, ColumnTrait, ConnectionTrait, EntityTrait};
use sea_orm::{PaginatorTrait, QueryFilter};

use super::{error::from_db, query};
use crate::{PersistenceError, Result};
use {{crate_name}}_entity_model::{AggregateRoot, Amount, Description, Name};

use super::entity::{{aggregate}}::{ActiveModel, Column, Entity, Model};
use crate::{{Aggregate}}Repository;
use crate::{{Aggregate}}Specification;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_entity_model::{{Aggregate}}State;

/// The SeaORM repository, over a pool (`DatabaseConnection`) for reads or a
/// transaction (`DatabaseTransaction`) inside a unit of work.
#[derive(Debug, Clone)]
pub(super) struct Sql{{Aggregate}}Repository<C> {
    conn: C,
}

impl<C> Sql{{Aggregate}}Repository<C> {
    pub(super) fn new(conn: C) -> Self {
        Self { conn }
    }

    pub(super) fn into_connection(self) -> C {
        self.conn
    }
}

impl<C: ConnectionTrait> Sql{{Aggregate}}Repository<C> {
    /// Tells a missing row from a stale version after a conditional write
    /// changed nothing.
    async fn missing_or_conflict(&self, id: {{Aggregate}}Id) -> PersistenceError {
        match Entity::find_by_id(id.as_uuid()).count(&self.conn).await {
            Ok(0) => PersistenceError::NotFound,
            Ok(_) => PersistenceError::VersionConflict,
            Err(err) => from_db(err),
        }
    }
}

#[async_trait]
impl<C> {{Aggregate}}Repository for Sql{{Aggregate}}Repository<C>
where
    C: ConnectionTrait + Send + Sync,
{
    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
    async fn insert(&self, aggregate: &{{Aggregate}}) -> Result<()> {
        let model = to_active_model(aggregate.state());
        Entity::insert(model)
            .exec_without_returning(&self.conn)
            .await
            .map_err(from_db)?;
        Ok(())
    }

    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
    async fn update(&self, aggregate: &{{Aggregate}}) -> Result<{{Aggregate}}> {
        let mut saved = aggregate.state().clone();
        saved.version += 1;
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

    #[tracing::instrument(skip_all, fields(id = %aggregate.id()))]
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

    #[tracing::instrument(skip(self))]
    async fn get_by_id(&self, id: {{Aggregate}}Id) -> Result<Option<{{Aggregate}}>> {
        let found = Entity::find_by_id(id.as_uuid())
            .one(&self.conn)
            .await
            .map_err(from_db)?;
        found.map(to_aggregate).transpose()
    }

    #[tracing::instrument(skip(self))]
    async fn find(&self, spec: &{{Aggregate}}Specification) -> Result<Vec<{{Aggregate}}>> {
        let select = query::select(spec);
        let models = select.all(&self.conn).await.map_err(from_db)?;
        models.into_iter().map(to_aggregate).collect()
    }

    #[tracing::instrument(skip(self))]
    async fn count(&self, spec: &{{Aggregate}}Specification) -> Result<u64> {
        // Sort and paging do not change a total: count over the filter only.
        Entity::find()
            .filter(query::condition(spec))
            .count(&self.conn)
            .await
            .map_err(from_db)
    }
}

fn to_active_model(state: &{{Aggregate}}State) -> ActiveModel {
    let description = state.description.as_ref();
    ActiveModel {
        id: ActiveValue::Set(state.id.as_uuid()),
        name: ActiveValue::Set(state.name.as_str().to_owned()),
        description: ActiveValue::Set(description.map(|d| d.as_str().to_owned())),
        status: ActiveValue::Set(state.status.as_str().to_owned()),
        amount_cents: ActiveValue::Set(state.amount.cents()),
        version: ActiveValue::Set(state.version),
        created_at: ActiveValue::Set(state.created_at),
        updated_at: ActiveValue::Set(state.updated_at),
    }
}

/// Rows are checked against the entity model's rules on the way in, so a
/// hand-edited row shows up as an error instead of an invalid aggregate.
fn to_aggregate(model: Model) -> Result<{{Aggregate}}> {
    let corrupt = |what: &str, err: &dyn std::fmt::Display| {
        PersistenceError::Corrupt(format!("{what} of {}: {err}", model.id))
    };
    let name = Name::parse(&model.name).map_err(|e| corrupt("name", &e))?;
    let description = match &model.description {
        Some(text) => Some(Description::parse(text).map_err(|e| corrupt("description", &e))?),
        None => None,
    };
    let status = model.status.parse().map_err(|e| corrupt("status", &e))?;
    let amount = Amount::from_cents(model.amount_cents).map_err(|e| corrupt("amount", &e))?;
    Ok({{Aggregate}}::restore({{Aggregate}}State {
        id: {{Aggregate}}Id::from_uuid(model.id),
        name,
        description,
        status,
        amount,
        version: model.version,
        created_at: model.created_at,
        updated_at: model.updated_at,
    }))
}
