//! The schema without versioned migrations: created from the entities at
//! startup where missing, and checked by readiness.

use async_trait::async_trait;

use super::StartupTask;
use crate::config::StartupSettings;
use crate::diagnostics::describe;
use crate::readiness::ReadinessCheck;

use {{crate_name}}_persistence_{{backend}}::Connection;
use {{crate_name}}_persistence_{{backend}}::{check_schema, ensure_schema};

/// Brings the schema to what this build expects: creates missing
/// {% if backend == "sql" %}tables{% else %}collections and indexes{% endif %} from the entities.
#[derive(Debug)]
pub struct PrepareSchema;

impl PrepareSchema {
    /// Always: without migrations, nothing else creates the schema.
    pub(super) fn runs_at_startup(_settings: &StartupSettings) -> bool {
        true
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
        ensure_schema(db).await?;
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

    /// The schema the entities need exists.
    pub async fn is_current(&self) -> anyhow::Result<()> {
        check_schema(&self.db).await?;
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
