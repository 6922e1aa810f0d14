//! Command-line interface.

use clap::{Parser, Subcommand};
{%- if migrations %}

use crate::config::Settings;
use crate::readiness::Readiness;
use crate::startup::{GlobalLock, PrepareSchema, StartupTask};
use crate::startup::{connect, run_startup_tasks, wait_for_database};

use {{crate_name}}_migration::{Migrator, MigratorTrait};
{%- if backend == "sql" %}
use {{crate_name}}_persistence_sql::SqlStore;
{%- else %}
use {{crate_name}}_persistence_mongo::MongoStore;
{%- endif %}

/// A command gives up on an unreachable database after this many attempts,
/// unless `database.connect_attempts` says otherwise: unlike a service, a
/// command has no readiness probe to report through.
const COMMAND_CONNECT_ATTEMPTS: u32 = 5;
{%- endif %}

#[derive(Debug, Parser)]
#[command(version, about = "The {{project-name}} service")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP service (the default).
    Serve,
{%- if migrations %}
    /// Manage the database schema, e.g. from a deployment job.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
{%- endif %}
}
{%- if migrations %}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Revert the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
}

/// Runs a migration command under the same global lock as startup, so it is
/// safe while instances are starting.
pub async fn migrate(mut settings: Settings, action: MigrateAction) -> anyhow::Result<()> {
    let attempts = &mut settings.database.connect_attempts;
    attempts.get_or_insert(COMMAND_CONNECT_ATTEMPTS);
    let settings = &settings;
    let db = connect(settings).await?;
{%- if backend == "sql" %}
    let store = SqlStore::new(db.clone());
{%- else %}
    let store = MongoStore::new(db.clone(), settings.mongodb.transactions);
{%- endif %}
    wait_for_database(&store, settings, &Readiness::new()).await?;
    match action {
        MigrateAction::Up => {
            let tasks: Vec<Box<dyn StartupTask>> = vec![Box::new(PrepareSchema)];
            run_startup_tasks(&db, &settings.startup, tasks).await?;
            println!("all migrations applied");
        }
        MigrateAction::Down => {
            let lock = GlobalLock::acquire(&db, &settings.startup).await?;
            let result = Migrator::down(&db, Some(1)).await;
            lock.release().await?;
            result?;
            println!("reverted the last migration");
        }
        MigrateAction::Status => {
            let applied = Migrator::get_applied_migrations_read_only(&db).await?;
            let pending = Migrator::get_pending_migrations_read_only(&db).await?;
            for migration in &applied {
                println!("applied  {}", migration.name());
            }
            for migration in &pending {
                println!("pending  {}", migration.name());
            }
        }
    }
    Ok(())
}
{%- endif %}
