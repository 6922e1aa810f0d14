{%- if database == "postgres" -%}
//! PostgreSQL: the server comes from `TEST_DATABASE_URL` (default: the local
{%- else -%}
//! MySQL: the server comes from `TEST_DATABASE_URL` (default: the local
{%- endif %}
//! server on its standard port); each test gets its own database on it,
//! dropped afterwards.

use std::time::Duration;

use sea_orm::{ConnectionTrait, DatabaseConnection};

use crate::{ConnectionSettings, connect};

use {{crate_name}}_persistence_model::test_support::on_own_runtime;

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
        admin.execute_unprepared(&create).await.unwrap_or_else(|e| {
            panic!(
                "cannot create a test database on {server} ({e}). Start the server, \
                 or set TEST_DATABASE_URL to a server URL without a database name."
            )
        });
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
    // Generous: many tests create their databases at once.
    let settings = ConnectionSettings {
        max_connections: 1,
        acquire_timeout: Duration::from_secs(10),
    };
    connect(&url, &settings)
        .await
        .unwrap_or_else(|e| panic!("cannot use the test server URL {server}: {e}"))
}

impl Drop for TestDatabase {
    /// Drops the database on a runtime of its own. The test's own
    /// connections are ended first: the
    /// test's runtime is blocked here, so a transaction it abandoned cannot be
    /// rolled back and would hold locks that block the drop forever.
    fn drop(&mut self) {
        let dropped = on_own_runtime(drop_database(self.name.clone()));
        // A database left behind is harmless (its name is unique), but say so.
        if !matches!(dropped, Some(Ok(()))) {
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
