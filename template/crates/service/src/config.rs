//! Layered configuration: `config/default.toml` as built into the binary, then
//! `config/default.toml` and `config/$APP_ENVIRONMENT.toml` on disk, then
//! `APP__SECTION__KEY` environment variables. Later layers win.
//!
//! The built-in layer is the same file as the one on disk, so the defaults are
//! written once (and the binary runs without a `config/` directory). Unknown
//! keys and out-of-range values are refused with the key and where it came
//! from, so a typo never silently falls back to a default.

use std::fmt;
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::error::Kind;
use figment::providers::{Env, Format, Toml};
use figment::value::{Dict, Map};
use figment::{Figment, Metadata, Profile, Provider, Source};
use serde::Deserialize;

/// The defaults: the generated `config/default.toml`, compiled in.
const DEFAULTS: &str = include_str!("../../../config/default.toml");

/// The prefix of environment variables that override settings.
const ENV_PREFIX: &str = "APP__";

/// The conventional variables that platforms and tools set, and the setting
/// each one sets. They override the files; `APP__…` variables override them
/// (and a later one here overrides an earlier one for the same key).
pub const CONVENTIONAL_VARIABLES: &[(&str, &str)] = &[
    // Set by platforms (Heroku, Cloud Run, Knative) to the port to serve on.
    ("PORT", "server.port"),
    // Read by sqlx, SeaORM's CLI and most hosting platforms.
    ("DATABASE_URL", "database.url"),
{%- if database == "mongodb" %}
    ("MONGODB_URL", "database.url"),
{%- endif %}
{%- if message_bus == "rabbitmq" %}
    ("AMQP_URL", "rabbitmq.url"),
{%- endif %}
    // OpenTelemetry's own: set by the OpenTelemetry Operator and most agents.
    ("OTEL_EXPORTER_OTLP_ENDPOINT", "telemetry.otlp_endpoint"),
    ("OTEL_SERVICE_NAME", "telemetry.service_name"),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub server: ServerSettings,
    pub database: DatabaseSettings,
{%- if database == "mongodb" %}
    pub mongodb: MongoSettings,
{%- endif %}
{%- if message_bus == "rabbitmq" %}
    pub rabbitmq: RabbitMqSettings,
{%- endif %}
    pub startup: StartupSettings,
    pub health: HealthSettings,
    pub telemetry: TelemetrySettings,
    /// Where each value came from, for error messages.
    #[serde(skip)]
    origins: Origins,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    pub host: String,
    /// 0 picks a free port (tests).
    pub port: u16,
    /// Requests taking longer are answered 408.
    pub request_timeout_secs: u64,
    /// Larger bodies are answered 413.
    pub body_limit_bytes: usize,
    /// API requests beyond this many at once are answered 503 at once.
    pub max_concurrent_requests: usize,
    /// After SIGTERM, how long in-flight requests may take to finish.
    pub shutdown_timeout_secs: u64,
    /// Origins (`https://app.example.com`) browsers may call the API from;
    /// `*` for any. Empty: no CORS.
    pub cors_allowed_origins: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    /// Connection URL. May hold a password: set it with `APP__DATABASE__URL`,
    /// never in a committed file. Never logged.
    pub url: Secret,
    pub max_connections: u32,
    /// How long a request waits for a database connection. While the
    /// database is unreachable, requests get their 503 after this long.
    pub acquire_timeout_ms: u64,
    /// Unset: wait for an unreachable database at startup for as long as it
    /// takes (ready answers 503 meanwhile). Set: exit after this many failed
    /// attempts.
    pub connect_attempts: Option<u32>,
}
{%- if database == "mongodb" %}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MongoSettings {
    /// Units of work as multi-document transactions, which need a replica
    /// set. `false` runs on a standalone server, but then a request that
    /// fails halfway keeps the writes it made before failing.
    pub transactions: bool,
}
{%- endif %}

{%- if message_bus == "rabbitmq" %}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RabbitMqSettings {
    /// Broker URL. May hold a password: set it with `APP__RABBITMQ__URL` or
    /// the conventional `AMQP_URL`, never in a committed file. Never logged.
    pub url: Secret,
    /// The durable topic exchange events are published to.
    pub exchange: String,
    /// Outbox messages claimed per relay round.
    pub batch_size: u32,
    /// How often the relay looks for other instances' commits.
    pub poll_interval_ms: u64,
    /// How long a relay holds a claimed message before another may take it.
    pub lease_secs: u64,
    /// How long published messages stay in the outbox.
    pub retention_hours: u64,
    /// How long a publish waits for the broker's confirm.
    pub confirm_timeout_ms: u64,
    pub subscriber: SubscriberSettings,
}

/// The example subscriber: the activity feed, built from events.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriberSettings {
    /// false: no queue is declared and nothing is consumed.
    pub enabled: bool,
    /// The topic exchange to read; absent: this service's own exchange.
    pub source_exchange: Option<String>,
    /// The durable queue; also this subscriber's name in the inbox.
    pub queue: String,
    /// Messages handled at once (the broker's prefetch).
    pub prefetch: u16,
    /// A transient failure is retried this many times, then dead-lettered.
    pub max_retries: u32,
    /// The wait before each retry.
    pub retry_delay_ms: u64,
    /// How long a message held by another transaction is retried.
    pub busy_timeout_secs: u64,
    /// How long handled message ids are remembered.
    pub inbox_retention_hours: u64,
}
{%- endif %}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StartupSettings {
{%- if migrations %}
    /// Apply pending migrations at startup (false: run `migrate up` as a job).
    pub migrate: bool,
{%- endif %}
    /// How long an instance waits for another one's startup tasks.
    pub lock_timeout_secs: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSettings {
    /// Each readiness check (they run at once) gives up after this long, so
    /// `/health/ready` answers within it even when a dependency hangs.
    pub check_timeout_ms: u64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelemetrySettings {
    /// `pretty` for people, `json` for log collectors.
    pub format: LogFormat,
    /// A `tracing` filter, e.g. `info,sqlx=warn`; `RUST_LOG` wins when set.
    pub filter: String,
    /// The OTLP/HTTP collector traces are exported to, e.g.
    /// `http://localhost:4318` (`/v1/traces` is appended); empty: no export.
    pub otlp_endpoint: String,
    /// `service.name` of the exported spans.
    pub service_name: String,
}

impl TelemetrySettings {
    /// The OTLP traces URL, when export is on.
    pub fn otlp_traces_url(&self) -> Option<String> {
        let endpoint = self.otlp_endpoint.trim().trim_end_matches('/');
        (!endpoint.is_empty()).then(|| format!("{endpoint}/v1/traces"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A string that must not appear in logs: `Debug` prints a mask.
#[derive(Clone, Deserialize)]
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

type Range = RangeInclusive<u64>;

/// A setting that cannot be used, with the key and where its value came from.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {0}")]
pub struct ConfigError(String);

impl Settings {
    /// Loads the layers from `APP_CONFIG_DIR` (default `config/`) and the
    /// environment.
    pub fn load() -> Result<Self, ConfigError> {
        let dir = std::env::var_os("APP_CONFIG_DIR")
            .map_or_else(|| PathBuf::from("config"), PathBuf::from);
        let environment = std::env::var("APP_ENVIRONMENT").unwrap_or_else(|_| "local".into());
        let figment = Figment::from(BuiltIn)
            .merge(Toml::file(dir.join("default.toml")))
            .merge(Toml::file(dir.join(format!("{environment}.toml"))));
        let figment = CONVENTIONAL_VARIABLES
            .iter()
            .fold(figment, |figment, &(variable, key)| {
                figment.merge(Conventional { variable, key })
            })
            .merge(Env::prefixed(ENV_PREFIX).split("__"));
        Self::from_figment(figment)
    }

    /// The built-in defaults alone, ignoring files and the environment (tests).
    pub fn defaults() -> Result<Self, ConfigError> {
        Self::from_figment(Figment::from(BuiltIn))
    }

    fn from_figment(figment: Figment) -> Result<Self, ConfigError> {
        let mut settings: Self = figment.extract().map_err(describe)?;
        settings.origins = Origins(Some(figment));
        settings.check_ranges()?;
        Ok(settings)
    }

    /// Where the value of `key` (`database.url`) came from, for messages.
    pub fn origin(&self, key: &str) -> String {
        self.origins.of(key)
    }

    /// Values that deserialize but cannot work.
    fn check_ranges(&self) -> Result<(), ConfigError> {
        let server = &self.server;
        let database = &self.database;
        let body_limit = u64::try_from(server.body_limit_bytes).unwrap_or(u64::MAX);
        let attempts = database.connect_attempts.map(u64::from);
        let timeout = server.request_timeout_secs;
        self.in_range("server.request_timeout_secs", timeout, 1..=3600)?;
        self.in_range("server.body_limit_bytes", body_limit, 1024..=1 << 30)?;
        let concurrent = u64::try_from(server.max_concurrent_requests).unwrap_or(u64::MAX);
        self.in_range("server.max_concurrent_requests", concurrent, 1..=1_000_000)?;
        let shutdown = server.shutdown_timeout_secs;
        self.in_range("server.shutdown_timeout_secs", shutdown, 1..=3600)?;
        self.check_origins()?;
        self.check_telemetry()?;
        let connections = u64::from(database.max_connections);
        self.in_range("database.max_connections", connections, 1..=1000)?;
        let acquire = database.acquire_timeout_ms;
        self.in_range("database.acquire_timeout_ms", acquire, 10..=600_000)?;
        if let Some(attempts) = attempts {
            self.in_range("database.connect_attempts", attempts, 1..=u64::MAX)?;
        }
        let lock = self.startup.lock_timeout_secs;
        self.in_range("startup.lock_timeout_secs", lock, 1..=86_400)?;
        let check = self.health.check_timeout_ms;
{%- if message_bus == "rabbitmq" %}
        self.in_range("health.check_timeout_ms", check, 10..=60_000)?;
        let rabbitmq = &self.rabbitmq;
        let batch = u64::from(rabbitmq.batch_size);
        self.in_range("rabbitmq.batch_size", batch, 1..=10_000)?;
        let poll = rabbitmq.poll_interval_ms;
        self.in_range("rabbitmq.poll_interval_ms", poll, 10..=3_600_000)?;
        self.in_range("rabbitmq.lease_secs", rabbitmq.lease_secs, 1..=86_400)?;
        let retention = rabbitmq.retention_hours;
        self.in_range("rabbitmq.retention_hours", retention, 0..=24 * 365)?;
        let confirm = rabbitmq.confirm_timeout_ms;
        self.in_range("rabbitmq.confirm_timeout_ms", confirm, 10..=600_000)?;
        self.check_subscriber()
{%- else %}
        self.in_range("health.check_timeout_ms", check, 10..=60_000)
{%- endif %}
    }

{%- if message_bus == "rabbitmq" %}

    fn check_subscriber(&self) -> Result<(), ConfigError> {
        let subscriber = &self.rabbitmq.subscriber;
        let prefetch = u64::from(subscriber.prefetch);
        self.in_range("rabbitmq.subscriber.prefetch", prefetch, 1..=1000)?;
        let retries = u64::from(subscriber.max_retries);
        self.in_range("rabbitmq.subscriber.max_retries", retries, 0..=100)?;
        let delay = subscriber.retry_delay_ms;
        self.in_range("rabbitmq.subscriber.retry_delay_ms", delay, 10..=86_400_000)?;
        let busy = subscriber.busy_timeout_secs;
        self.in_range("rabbitmq.subscriber.busy_timeout_secs", busy, 1..=86_400)?;
        // At least as long as a message can take through all its retries.
        let retention = subscriber.inbox_retention_hours;
        let key = "rabbitmq.subscriber.inbox_retention_hours";
        self.in_range(key, retention, 1..=24 * 365)?;
        self.not_blank("rabbitmq.subscriber.queue", &subscriber.queue)?;
        match &subscriber.source_exchange {
            Some(exchange) => self.not_blank("rabbitmq.subscriber.source_exchange", exchange),
            None => Ok(()),
        }
    }

    /// AMQP names are at most 255 bytes, and a blank one means "generate one".
    fn not_blank(&self, key: &str, value: &str) -> Result<(), ConfigError> {
        if !value.trim().is_empty() && value.len() <= 200 {
            return Ok(());
        }
        let origin = self.origin(key);
        let message = format!("{key} must be 1 to 200 bytes and not blank ({origin})");
        Err(ConfigError(message))
    }
{%- endif %}

    /// Each origin is `*` or a scheme and host (and port), as browsers send
    /// it in `Origin`: nothing after the host, not even a `/`.
    fn check_origins(&self) -> Result<(), ConfigError> {
        let key = "server.cors_allowed_origins";
        for origin in &self.server.cors_allowed_origins {
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"));
            let valid = origin == "*"
                || host.is_some_and(|host| {
                    let allowed = |c: char| c.is_ascii_alphanumeric() || "-.:[]".contains(c);
                    !host.is_empty() && host.chars().all(allowed)
                });
            if !valid {
                let origin_of = self.origin(key);
                let message = format!(
                    "{key}: {origin:?} is not an origin like \"https://app.example.com\" \
                     (no path, no trailing slash) or \"*\" ({origin_of})"
                );
                return Err(ConfigError(message));
            }
        }
        Ok(())
    }

    /// The exporter speaks plain HTTP only: a collector beside the service
    /// (an agent on the node, a sidecar) forwards over TLS if it must.
    fn check_telemetry(&self) -> Result<(), ConfigError> {
        let telemetry = &self.telemetry;
        let endpoint = telemetry.otlp_endpoint.trim();
        let host = endpoint.strip_prefix("http://").unwrap_or_default();
        if !endpoint.is_empty() && (host.is_empty() || host.starts_with('/')) {
            let key = "telemetry.otlp_endpoint";
            let origin = self.origin(key);
            let message = format!(
                "{key}: {endpoint:?} is not an http:// URL like \"http://localhost:4318\" \
                 (OTLP over HTTP without TLS: send to a collector beside the service) ({origin})"
            );
            return Err(ConfigError(message));
        }
        if telemetry.service_name.trim().is_empty() {
            let key = "telemetry.service_name";
            let origin = self.origin(key);
            return Err(ConfigError(format!("{key} must not be blank ({origin})")));
        }
        Ok(())
    }

    fn in_range(&self, key: &str, value: u64, range: Range) -> Result<(), ConfigError> {
        if range.contains(&value) {
            return Ok(());
        }
        let (min, max) = (range.start(), range.end());
        let origin = self.origin(key);
        let message = format!("{key} = {value} is out of range {min}..={max} ({origin})");
        Err(ConfigError(message))
    }
}

impl ServerSettings {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_timeout_secs)
    }

    pub fn shutdown_timeout(&self) -> Duration {
        Duration::from_secs(self.shutdown_timeout_secs)
    }
}

impl DatabaseSettings {
    pub fn acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.acquire_timeout_ms)
    }
}

impl StartupSettings {
    pub fn lock_timeout(&self) -> Duration {
        Duration::from_secs(self.lock_timeout_secs)
    }
}

impl HealthSettings {
    pub fn check_timeout(&self) -> Duration {
        Duration::from_millis(self.check_timeout_ms)
    }
}

/// The built-in `config/default.toml`, named as such in error messages.
struct BuiltIn;

impl Provider for BuiltIn {
    fn metadata(&self) -> Metadata {
        Metadata::named("built-in defaults")
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        Toml::string(DEFAULTS).data()
    }
}

/// One conventional variable (`PORT`) setting one key (`server.port`), named
/// as itself in error messages.
struct Conventional {
    variable: &'static str,
    key: &'static str,
}

impl Provider for Conventional {
    fn metadata(&self) -> Metadata {
        Metadata::named(format!("{CONVENTIONAL_NAME}{}", self.variable))
    }

    fn data(&self) -> Result<Map<Profile, Dict>, figment::Error> {
        let key = self.key;
        Env::raw()
            .only(&[self.variable])
            .map(move |_| key.into())
            .data()
    }
}

/// How [`Conventional`] layers are named (figment's own is "`APP__`
/// environment variable(s)").
const CONVENTIONAL_NAME: &str = "environment variable ";

/// The merged layers, kept to say where a value came from.
#[derive(Clone, Default)]
struct Origins(Option<Figment>);

impl fmt::Debug for Origins {
    /// The layers hold every raw value, secrets included: never print them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Origins(..)")
    }
}

impl Origins {
    fn of(&self, key: &str) -> String {
        let metadata = self.0.as_ref().and_then(|f| f.find_metadata(key));
        let path: Vec<&str> = key.split('.').collect();
        metadata.map_or_else(|| "built-in defaults".to_owned(), |m| origin(m, &path))
    }
}

/// "environment variable APP__SERVER__PORT", "file config/local.toml", ...
fn origin<S: AsRef<str>>(metadata: &Metadata, path: &[S]) -> String {
    match &metadata.source {
        Some(Source::File(file)) => format!("in file {}", display_path(file)),
        _ if metadata.name.starts_with(CONVENTIONAL_NAME) => format!("from {}", metadata.name),
        _ if metadata.name.contains("environment") => {
            let keys: Vec<String> = path.iter().map(|k| k.as_ref().to_uppercase()).collect();
            format!("from environment variable {ENV_PREFIX}{}", keys.join("__"))
        }
        _ => format!("from {}", metadata.name),
    }
}

fn display_path(path: &Path) -> String {
    let relative = std::env::current_dir()
        .ok()
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf));
    let shown = relative.unwrap_or_else(|| path.to_path_buf());
    shown.display().to_string()
}

/// One line per figment error, naming the key and its origin.
fn describe(error: figment::Error) -> ConfigError {
    let lines: Vec<String> = error
        .into_iter()
        .map(|e| {
            let what = match &e.kind {
                // serde's message names the unknown key; the path is its parent.
                Kind::UnknownField(field, _) => format!("unknown key {field:?}"),
                other => other.to_string(),
            };
            let mut path = e.path.clone();
            if let Kind::UnknownField(field, _) = &e.kind {
                path.push(field.clone());
            }
            let key = if path.is_empty() {
                "the file".to_owned()
            } else {
                path.join(".")
            };
            let from = e
                .metadata
                .as_ref()
                .map_or_else(String::new, |m| format!(" ({})", origin(m, &path)));
            format!("{key}: {what}{from}")
        })
        .collect();
    ConfigError(lines.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_defaults_load_and_are_in_range() {
        let settings = Settings::defaults().expect("config/default.toml is valid");
        assert_eq!(settings.origin("server.port"), "from built-in defaults");
    }

    #[test]
    fn secrets_are_masked_in_debug_output() {
        let settings = Settings::defaults().unwrap();
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
            let origin = settings.origin("server.host");
            assert_eq!(origin, "from environment variable APP__SERVER__HOST");
            Ok(())
        });
    }

    #[allow(clippy::result_large_err)]
    #[test]
    fn conventional_variables_override_files_and_yield_to_app_variables() {
        figment::Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file("config/default.toml", "[server]\nport = 9000\n")?;
            jail.set_env("PORT", "7000");
            jail.set_env("DATABASE_URL", "{{database}}://from-database-url");
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings.server.port, 7000);
            let origin = settings.origin("server.port");
            assert_eq!(origin, "from environment variable PORT");
            let url = settings.database.url.expose();
            assert_eq!(url, "{{database}}://from-database-url");
{%- if database == "mongodb" %}

            jail.set_env("MONGODB_URL", "mongodb://from-mongodb-url");
            let settings = Settings::load().map_err(|e| e.to_string())?;
            let url = settings.database.url.expose();
            assert_eq!(url, "mongodb://from-mongodb-url", "the specific one wins");
{%- endif %}

            jail.set_env("PORT", "eighty");
            let message = Settings::load().expect_err("not a port").to_string();
            assert!(message.contains("server.port"), "{message}");
            assert!(message.contains("environment variable PORT"), "{message}");

            jail.set_env("APP__SERVER__PORT", "6000");
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings.server.port, 6000, "APP__ variables win");
            Ok(())
        });
    }

    #[allow(clippy::result_large_err)]
    #[test]
    fn mistakes_name_the_key_and_where_it_came_from() {
        figment::Jail::expect_with(|jail| {
            jail.create_dir("config")?;
            jail.create_file("config/default.toml", "[server]\nprot = 1\n")?;
            let unknown = Settings::load().expect_err("an unknown key is refused");
            let message = unknown.to_string();
            assert!(message.contains("server.prot"), "{message}");
            assert!(message.contains("config/default.toml"), "{message}");

            jail.create_file("config/default.toml", "")?;
            jail.set_env("APP__SERVER__PORT", "70000");
            let message = Settings::load().expect_err("too large").to_string();
            assert!(message.contains("server.port"), "{message}");
            assert!(message.contains("APP__SERVER__PORT"), "{message}");

            jail.set_env("APP__SERVER__PORT", "8080");
            let origins = r#"["https://app.example.com/"]"#;
            jail.set_env("APP__SERVER__CORS_ALLOWED_ORIGINS", origins);
            let message = Settings::load().expect_err("a path").to_string();
            assert!(message.contains("server.cors_allowed_origins"), "{message}");
            assert!(message.contains("no trailing slash"), "{message}");
            let origins = r#"["https://app.example.com:8443", "*"]"#;
            jail.set_env("APP__SERVER__CORS_ALLOWED_ORIGINS", origins);
            let settings = Settings::load().map_err(|e| e.to_string())?;
            assert_eq!(settings.server.cors_allowed_origins.len(), 2);

            jail.set_env("APP__SERVER__REQUEST_TIMEOUT_SECS", "0");
            let message = Settings::load().expect_err("out of range").to_string();
            let (key, variable) = ("timeout_secs = 0", "APP__SERVER__REQUEST_TIMEOUT_SECS");
            assert!(message.contains(key), "{message}");
            assert!(message.contains(variable), "{message}");
            Ok(())
        });
    }
}
