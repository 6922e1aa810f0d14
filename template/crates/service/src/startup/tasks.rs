//! Startup tasks ("run sequentially"): work every instance does before it
//! serves, such as preparing the schema. They run one instance at a time under
//! the [`GlobalLock`], so must be idempotent: every instance runs them.

use async_trait::async_trait;

use super::{GlobalLock, PrepareSchema};
use crate::config::{Settings, StartupSettings};

use {{crate_name}}_persistence_{{backend}}::Connection;

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
    if PrepareSchema::runs_at_startup(&settings.startup) {
        tasks.push(Box::new(PrepareSchema));
    }
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
