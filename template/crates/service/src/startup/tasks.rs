//! Startup tasks ("run sequentially"): work every instance does before it
//! serves, such as applying migrations. They run one instance at a time under
//! the [`GlobalLock`], so must be idempotent: every instance runs them.

use async_trait::async_trait;

{%- if migrations %}

use {{crate_name}}_migration::{Migrator, MigratorTrait};
use {{crate_name}}_persistence_model::{{backend}}::Connection;
{%- else %}

use {{crate_name}}_persistence_model::{{backend}}::Connection;
use {{crate_name}}_persistence_model::{{backend}}::{check_schema, ensure_schema};
{%- endif %}

use super::GlobalLock;
use crate::config::{Settings, StartupSettings};
use crate::diagnostics::describe;
use crate::readiness::ReadinessCheck;

#[async_trait]
pub trait StartupTask: Send + Sync {
    fn name(&self) -> &'static str;

    /// Tasks run in ascending order.
    fn order(&self) -> u32;

    async fn run(&self, db: &Connection) -> anyhow::Result<()>;
}

/// The tasks this configuration runs at startup.
pub fn startup_tasks(settings: &Settings) -> Vec<Box<dyn StartupTask>> {
    let mut tasks: Vec<Box<dyn StartupTask>> = Vec::new();
{%- if migrations %}
    // Off when migrations run as a separate deployment job (`migrate up`).
    if settings.startup.migrate {
        tasks.push(Box::new(PrepareSchema));
    }
{%- else %}
    let _ = settings; // every configuration prepares the schema
    tasks.push(Box::new(PrepareSchema));
{%- endif %}
    tasks
}

/// Runs `tasks` in order while holding the global startup lock.
pub async fn run_startup_tasks(
    db: &Connection,
    settings: &StartupSettings,
    mut tasks: Vec<Box<dyn StartupTask>>,
) -> anyhow::Result<()> {
    if tasks.is_empty() {
        return Ok(());
    }
    tasks.sort_by_key(|task| task.order());
    let lock = GlobalLock::acquire(db, settings).await?;
    let mut outcome = Ok(());
    for task in &tasks {
        tracing::info!(task = task.name(), "running startup task");
        outcome = task.run(db).await;
        if outcome.is_err() {
            break;
        }
    }
    // Release even after a failure, so other instances do not wait it out.
    lock.release().await?;
    outcome
}

/// Brings the schema to what this build expects: applies pending
/// migrations, or creates missing tables from the entities.
#[derive(Debug)]
pub struct PrepareSchema;

#[async_trait]
impl StartupTask for PrepareSchema {
    fn name(&self) -> &'static str {
        "prepare schema"
    }

    fn order(&self) -> u32 {
        10
    }

    async fn run(&self, db: &Connection) -> anyhow::Result<()> {
{%- if migrations %}
        Migrator::up(db, None).await?;
{%- else %}
        ensure_schema(db).await?;
{%- endif %}
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

{%- if migrations %}

    /// Every migration of this build is applied.
    pub async fn is_current(&self) -> anyhow::Result<()> {
        let pending = Migrator::get_pending_migrations(&self.db).await?;
        anyhow::ensure!(pending.is_empty(), "{} pending migration(s)", pending.len());
        Ok(())
    }
{%- else %}

    /// The schema the entities need exists.
    pub async fn is_current(&self) -> anyhow::Result<()> {
        check_schema(&self.db).await?;
        Ok(())
    }
{%- endif %}
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
