//! MongoDB: the server comes from `TEST_DATABASE_URL` (default: the local
//! server on its standard port); each test gets its own database on it,
//! dropped afterwards.

use mongodb::bson::doc;

use crate::{ConnectionSettings, connect};

use {{crate_name}}_persistence_model::test_support::on_own_runtime;

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
            .unwrap_or_else(|e| panic!("cannot use the test server URL {server}: {e}"));
        // The client connects lazily: ask once, so a missing server fails
        // here with a message that says what to do.
        let ping = connection.run_command(doc! { "ping": 1 }).await;
        if let Err(e) = ping {
            panic!(
                "no usable MongoDB server answers at {server} ({e}). Start one \
                 (a replica set), or set TEST_DATABASE_URL to a server URL."
            );
        }
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
    /// Drops the database with a client of its own, on a runtime of its own.
    fn drop(&mut self) {
        let url = self.url.clone();
        let dropped = on_own_runtime(async move {
            let settings = ConnectionSettings {
                transactions: false,
                ..ConnectionSettings::default()
            };
            let database = connect(&url, &settings).await.ok()?;
            database.drop().await.ok()
        });
        // A database left behind is harmless (its name is unique), but say so.
        if dropped.flatten().is_none() {
            eprintln!("warning: test database {} was not dropped", self.url);
        }
    }
}
