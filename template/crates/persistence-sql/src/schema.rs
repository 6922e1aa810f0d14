//! Creates the schema from the entity definitions when the service runs
//! without versioned migrations. Idempotent: every instance runs it at start.

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, Schema};

use crate::error::from_db;

use {{crate_name}}_persistence_model::Result;

use crate::entity::{{aggregate}}::Entity;

/// Creates missing tables (with their unique constraints); existing ones are
/// left as they are, so changing a column later needs a migration.
pub async fn ensure_schema(db: &DatabaseConnection) -> Result<()> {
    let backend = db.get_database_backend();
    let schema = Schema::new(backend);
    let mut table = schema.create_table_from_entity(Entity);
    table.if_not_exists();
    db.execute(&table).await.map_err(from_db)?;
    Ok(())
}

/// Succeeds when the table exists and can be read.
pub async fn check_schema(db: &DatabaseConnection) -> Result<()> {
    let probe = Entity::find().limit(1);
    probe.all(db).await.map_err(from_db)?;
    Ok(())
}
