//! `{{project-name}}`: serves the API (default) or manages the schema.

use clap::Parser;

use {{crate_name}}_service::cli::{Cli, Command};
use {{crate_name}}_service::config::Settings;
use {{crate_name}}_service::startup::Application;
use {{crate_name}}_service::telemetry;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let settings = Settings::load()?;
    telemetry::init(&settings.telemetry)?;
    match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => {
            let app = Application::build(settings).await?;
            app.run_until_stopped().await?;
        }
{%- if migrations %}
        Command::Migrate { action } => {
            {{crate_name}}_service::cli::migrate(&settings, action).await?;
        }
{%- endif %}
    }
    Ok(())
}
