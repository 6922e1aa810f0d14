//! `{{project-name}}`: serves the API (default) or manages the schema.

use std::process::ExitCode;

use clap::Parser;

use {{crate_name}}_service::cli::{Cli, Command};
use {{crate_name}}_service::config::Settings;
use {{crate_name}}_service::diagnostics::describe;
use {{crate_name}}_service::startup::Application;
use {{crate_name}}_service::telemetry;

/// mimalloc instead of the system allocator: the service allocates on many
/// threads at once (runtime workers, SQLite's connection threads), where
/// glibc's arenas spend the time locking and consolidating.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line with the whole cause chain: what an operator reads
            // first in a crash log, without a backtrace to scroll past.
            let message = describe(err.as_ref()).replace('\n', " ");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let settings = Settings::load()?;
    let telemetry = telemetry::init(&settings.telemetry)?;
    let outcome = execute(cli.command.unwrap_or(Command::Serve), settings).await;
    // The last spans, those of the shutdown included, leave before the process does.
    telemetry.shutdown().await;
    outcome
}

async fn execute(command: Command, settings: Settings) -> anyhow::Result<()> {
    match command {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
{%- if migrations %}
        Command::Migrate { action } => {
            {{crate_name}}_service::cli::migrate(settings, action).await?;
        }
{%- endif %}
    }
    Ok(())
}
