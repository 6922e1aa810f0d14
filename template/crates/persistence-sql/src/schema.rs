//! Creates the schema from the entity definitions when the service runs
//! without versioned migrations. Idempotent: every instance runs it at start.

use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, QuerySelect, Schema};
{% if message_bus == "rabbitmq" %}
use crate::entity::outbox_message;
{%- endif %}
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
{%- if message_bus == "rabbitmq" %}
    let mut outbox = schema.create_table_from_entity(outbox_message::Entity);
    outbox.if_not_exists();
    db.execute(&outbox).await.map_err(from_db)?;
{%- endif %}
    Ok(())
}

/// Succeeds when the tables exist and can be read.
pub async fn check_schema(db: &DatabaseConnection) -> Result<()> {
    let probe = Entity::find().limit(1);
    probe.all(db).await.map_err(from_db)?;
{%- if message_bus == "rabbitmq" %}
    let outbox = outbox_message::Entity::find().limit(1);
    outbox.all(db).await.map_err(from_db)?;
{%- endif %}
    Ok(())
}
