//! Layered configuration: built-in defaults, then `config/default.toml`, then
//! `config/$APP_ENVIRONMENT.toml`, then `APP__SECTION__KEY` environment variables.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
{%- if database == "mongodb" %}
    pub mongodb: MongoSettings,
{%- endif %}
    pub startup: StartupSettings,
    pub telemetry: TelemetrySettings,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ServerSettings {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// Requests taking longer are answered 408.
    pub request_timeout_secs: u64,
    /// Larger bodies are answered 413.
    pub body_limit_bytes: usize,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DatabaseSettings {
    /// Connection URL. May hold a password: set it with `APP__DATABASE__URL`,
    /// never in a committed file. Never logged.
    pub url: Secret,
    pub max_connections: u32,
    pub connect_timeout_secs: u64,
    /// Attempts to reach the database at startup, with exponential backoff.
    pub connect_attempts: u32,
}
{%- if database == "mongodb" %}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MongoSettings {
    /// Units of work as multi-document transactions, which need a replica
    /// set. `false` runs on a standalone server, but then a request that
    /// fails halfway keeps the writes it made before failing.
    pub transactions: bool,
}
{%- endif %}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StartupSettings {
{%- if migrations %}
    /// Apply pending migrations at startup (false: run `migrate up` as a job).
    pub migrate: bool,
{%- endif %}
    /// How long an instance waits for another one's startup tasks.
    pub lock_timeout_secs: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TelemetrySettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info,sqlx=warn`; `RUST_LOG` wins when set.
    pub filter: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A string that must not appear in logs: `Debug` and `Display` print a mask.
#[derive(Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            server: ServerSettings {
                host: "127.0.0.1".into(),
                port: 8080,
                request_timeout_secs: 30,
                body_limit_bytes: 64 * 1024,
            },
            database: DatabaseSettings {
{%- if database == "sqlite" %}
                url: Secret::new("sqlite://{{crate_name}}.db?mode=rwc"),
{%- elsif database == "postgres" %}
                url: Secret::new("postgres://postgres@127.0.0.1:5432/{{crate_name}}"),
{%- elsif database == "mysql" %}
                url: Secret::new("mysql://root@127.0.0.1:3306/{{crate_name}}"),
{%- else %}
                url: Secret::new("mongodb://127.0.0.1:27017/{{crate_name}}?directConnection=true"),
{%- endif %}
                max_connections: 10,
                connect_timeout_secs: 5,
                connect_attempts: 5,
            },
{%- if database == "mongodb" %}
            mongodb: MongoSettings { transactions: true },
{%- endif %}
            startup: StartupSettings {
{%- if migrations %}
                migrate: true,
{%- endif %}
                lock_timeout_secs: 60,
            },
            telemetry: TelemetrySettings {
                format: LogFormat::Pretty,
                filter: "info".into(),
            },
        }
    }
}

impl Settings {
    /// Loads the layers from `APP_CONFIG_DIR` (default `config/`).
    pub fn load() -> anyhow::Result<Self> {
        let dir = std::env::var_os("APP_CONFIG_DIR")
            .map_or_else(|| PathBuf::from("config"), PathBuf::from);
        let environment = std::env::var("APP_ENVIRONMENT").unwrap_or_else(|_| "local".into());
        Figment::from(Serialized::defaults(Self::default()))
            .merge(Toml::file(dir.join("default.toml")))
            .merge(Toml::file(dir.join(format!("{environment}.toml"))))
            .merge(Env::prefixed("APP__").split("__"))
            .extract()
            .map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
    }
}

impl ServerSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }
}

impl StartupSettings {
    pub fn lock_timeout(&self) -> Duration {
        Duration::from_secs(self.lock_timeout_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_masked_in_debug_output() {
        let settings = Settings::default();
        let printed = format!("{settings:?}");
        assert!(printed.contains("Secret(****)"));
        assert!(!printed.contains(settings.database.url.expose()));
    }

    // `Jail`'s closure must return figment's (large) error type.
    #[allow(clippy::result_large_err)]
    #[test]
    fn environment_overrides_files_and_defaults() {
        figment::Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file("config/default.toml", "[server]\nport = 9000\n")?;
            jail.set_env("APP__SERVER__HOST", "0.0.0.0");
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings.server.port, 9000);
            assert_eq!(settings.server.host, "0.0.0.0");
            Ok(())
        });
    }
}
