//! The schema from versioned migrations (the `migration` crate): applied at
//! startup unless a deployment job runs `migrate up` instead, and checked by
//! readiness.

use async_trait::async_trait;

use super::StartupTask;
use crate::config::StartupSettings;
use crate::diagnostics::describe;
use crate::readiness::ReadinessCheck;

use {{crate_name}}_migration::{Migrator, MigratorTrait};
use {{crate_name}}_persistence_{{backend}}::Connection;

/// Brings the schema to what this build expects: applies pending migrations.
#[derive(Debug)]
pub struct PrepareSchema;

impl PrepareSchema {
    /// Off when migrations run as a separate deployment job (`migrate up`).
    pub(super) fn runs_at_startup(settings: &StartupSettings) -> bool {
        settings.migrate
    }
}

#[async_trait]
impl StartupTask for PrepareSchema {
    fn name(&self) -> &'static str {
        "prepare schema"
    }

    fn order(&self) -> u32 {
        10
    }

    async fn run(&self, db: &Connection) -> anyhow::Result<()> {
        Migrator::up(db, None).await?;
        Ok(())
    }
}

/// Readiness: is the schema what this build expects?
#[derive(Debug, Clone)]
pub struct SchemaCheck {
    db: Connection,
}

impl SchemaCheck {
    pub fn new(db: Connection) -> Self {
        Self { db }
    }

    /// Every migration of this build is applied. Read-only: SeaORM's other
    /// status functions create its migrations table when missing, which on
    /// PostgreSQL races the startup's own (a duplicate key error) and logs a
    /// notice on every probe.
    pub async fn is_current(&self) -> anyhow::Result<()> {
        let pending = Migrator::get_pending_migrations_read_only(&self.db).await?;
        anyhow::ensure!(pending.is_empty(), "{} pending migration(s)", pending.len());
        Ok(())
    }
}

#[async_trait]
impl ReadinessCheck for SchemaCheck {
    fn name(&self) -> &'static str {
        "schema"
    }

    async fn check(&self) -> Result<(), String> {
        let current = self.is_current().await;
        current.map_err(|err| describe(err.as_ref()))
    }
}
