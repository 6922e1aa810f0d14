//! Versioned schema migrations, one per file, each with `up` and `down`.
//!
//! Applied at startup (inside the startup lock, see the service's `startup`
//! module) or with `<service> migrate up|down|status`. Add a migration by adding
//! a file and listing it in [`Migrator::migrations`], never by editing one that
//! has shipped.

{%- if database == "mongodb" %}
//!
//! MongoDB has no schema tool of its own: [`MigratorTrait`] records applied
//! migrations in the `_migrations` collection, like SeaORM's `seaql_migrations`.

mod migrator;

pub use migrator::{MigrationTrait, MigratorTrait};
{%- else %}

pub use sea_orm_migration::MigratorTrait;
use sea_orm_migration::prelude::*;

mod columns;
{%- endif %}

mod m20260101_000001_create_{{aggregates}};
mod m20260101_000002_index_{{aggregates}}_status;
{%- if message_bus == "rabbitmq" %}
mod m20260101_000003_create_outbox_messages;
mod m20260101_000004_create_inbox_messages;
mod m20260101_000005_create_{{aggregate}}_activity;
{%- endif %}

/// Every migration, oldest first.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            // Oldest first; append new migrations, never reorder.
            Box::new(m20260101_000001_create_{{aggregates}}::Migration),
            Box::new(m20260101_000002_index_{{aggregates}}_status::Migration),
{%- if message_bus == "rabbitmq" %}
            Box::new(m20260101_000003_create_outbox_messages::Migration),
            Box::new(m20260101_000004_create_inbox_messages::Migration),
            Box::new(m20260101_000005_create_{{aggregate}}_activity::Migration),
{%- endif %}
        ]
    }
}
