//! A throw-away database per test, so tests run in parallel without seeing
//! each other's rows.
{%- if database == "sqlite" %}
//!
//! SQLite: a fresh file in the temporary directory, removed on drop.

use std::path::PathBuf;

use sea_orm::DatabaseConnection;

use crate::sql::{ConnectionSettings, connect};

/// A uniquely named, empty database that is removed when dropped.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    path: PathBuf,
    connection: DatabaseConnection,
}

impl TestDatabase {
    /// Creates the database; panics with a clear message if that fails.
    pub async fn create() -> Self {
        let file = format!("{{crate_name}}-test-{}.db", uuid::Uuid::now_v7().simple());
        let path = std::env::temp_dir().join(file);
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let connection = connect(&url, &ConnectionSettings::default())
            .await
            .unwrap_or_else(|e| panic!("cannot create test database {url}: {e}"));
        Self {
            url,
            path,
            connection,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", ".startup.lock"] {
            let mut path = self.path.clone().into_os_string();
            path.push(suffix);
            // Best effort: a leftover file in the temp dir harms nothing.
            let _ = std::fs::remove_file(path);
        }
    }
}
{%- elsif database == "mongodb" %}
//!
//! The server comes from `TEST_DATABASE_URL` (default: the local server on its
//! standard port); each test gets its own database on it, dropped afterwards.

use crate::mongo::{ConnectionSettings, connect};

/// The server tests run against, as a URL without a database name.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
        .unwrap_or_else(|_| "mongodb://127.0.0.1:27017/?directConnection=true".to_owned())
}

/// `mongodb://host:port/NAME?options` from a server URL and a database name.
fn database_url(server: &str, name: &str) -> String {
    let (address, options) = server.split_once('?').unwrap_or((server, ""));
    let address = address.trim_end_matches('/');
    if options.is_empty() {
        format!("{address}/{name}")
    } else {
        format!("{address}/{name}?{options}")
    }
}

/// A uniquely named, empty database that is dropped when this value is.
#[derive(Debug)]
pub struct TestDatabase {
    url: String,
    connection: mongodb::Database,
}

impl TestDatabase {
    /// Connects to a fresh database; panics with a clear message when no
    /// server answers. MongoDB creates the database on first write.
    pub async fn create() -> Self {
        let server = server_url();
        let name = format!("test_{}", uuid::Uuid::now_v7().simple());
        let url = database_url(&server, &name);
        let connection = connect(&url, &ConnectionSettings::default())
            .await
            .unwrap_or_else(|e| {
                panic!(
                    "no usable MongoDB server answers at {server} ({e}). Start one \
                     (a replica set), or set TEST_DATABASE_URL to a server URL."
                )
            });
        Self { url, connection }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn connection(&self) -> &mongodb::Database {
        &self.connection
    }
}

impl Drop for TestDatabase {
    /// Drops the database from a helper thread with its own runtime and
    /// client, since `Drop` cannot await and the test's runtime is blocked.
    fn drop(&mut self) {
        let url = self.url.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread runtime builds");
            runtime.block_on(async move {
                let settings = ConnectionSettings {
                    transactions: false,
                    ..ConnectionSettings::default()
                };
                let database = connect(&url, &settings).await?;
                let dropped = database.drop().await;
                dropped.map_err(|e| crate::PersistenceError::Backend(Box::new(e)))
            })
        })
        .join();
        // A database left behind is harmless (its name is unique), but say so.
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: test database {} was not dropped", self.url);
        }
    }
}
{%- else %}
//!
//! The server comes from `TEST_DATABASE_URL` (default: the local server on its
//! standard port); each test gets its own database on it, dropped afterwards.

use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::sql::{ConnectionSettings, connect};

/// The server tests run against, without a database name.
pub fn server_url() -> String {
    std::env::var("TEST_DATABASE_URL")
{%- if database == "postgres" %}
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".to_owned())
{%- else %}
        .unwrap_or_else(|_| "mysql://root@127.0.0.1:3306".to_owned())
{%- endif %}
        .trim_end_matches('/')
        .to_owned()
}

/// A uniquely named, empty database that is dropped when this value is.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    connection: DatabaseConnection,
}

impl TestDatabase {
    /// Creates the database; panics with a clear message when no server answers.
    pub async fn create() -> Self {
        let server = server_url();
        let name = format!("test_{}", uuid::Uuid::now_v7().simple());
        let admin = admin_connection(&server).await;
        let create = format!("CREATE DATABASE {name}");
        admin
            .execute_unprepared(&create)
            .await
            .unwrap_or_else(|e| panic!("cannot create test database on {server}: {e}"));
        let url = format!("{server}/{name}");
        let connection = connect(&url, &ConnectionSettings::default())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to test database {name}: {e}"));
        Self {
            name,
            url,
            connection,
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    pub fn connection(&self) -> &DatabaseConnection {
        &self.connection
    }
}

async fn admin_connection(server: &str) -> DatabaseConnection {
{%- if database == "postgres" %}
    let url = format!("{server}/postgres");
{%- else %}
    let url = server.to_owned();
{%- endif %}
    let settings = ConnectionSettings {
        max_connections: 1,
        ..ConnectionSettings::default()
    };
    connect(&url, &settings).await.unwrap_or_else(|e| {
        panic!(
            "no database server answers at {server} ({e}). Start one, \
             or set TEST_DATABASE_URL to a server URL without a database name."
        )
    })
}

impl Drop for TestDatabase {
    /// Drops the database from a helper thread with its own runtime, since
    /// `Drop` cannot await. The test's own connections are ended first: the
    /// test's runtime is blocked here, so a transaction it abandoned cannot be
    /// rolled back and would hold locks that block the drop forever.
    fn drop(&mut self) {
        let name = self.name.clone();
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a current-thread runtime builds");
            runtime.block_on(drop_database(name))
        })
        .join();
        // A database left behind is harmless (its name is unique), but say so.
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("warning: test database {} was not dropped", self.name);
        }
    }
}
{%- if database == "postgres" %}

async fn drop_database(name: String) -> Result<(), sea_orm::DbErr> {
    let admin = admin_connection(&server_url()).await;
    // FORCE terminates the sessions still connected to it.
    let drop = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    admin.execute_unprepared(&drop).await?;
    Ok(())
}
{%- else %}

async fn drop_database(name: String) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{DbBackend, Statement};
    let admin = admin_connection(&server_url()).await;
    // MySQL has no DROP ... FORCE: end the sessions using it by hand.
    let sessions = Statement::from_sql_and_values(
        DbBackend::MySql,
        "SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ?",
        [name.clone().into()],
    );
    for row in admin.query_all_raw(sessions).await? {
        let id: u64 = row.try_get("", "id")?;
        // It may have ended meanwhile; the drop below is what must succeed.
        let _ = admin.execute_unprepared(&format!("KILL {id}")).await;
    }
    let drop = format!("DROP DATABASE IF EXISTS {name}");
    admin.execute_unprepared(&drop).await?;
    Ok(())
}
{%- endif %}
{%- endif %}
