//! SQLite: a fresh file in the temporary directory, removed on drop.

use std::path::PathBuf;

use sea_orm::DatabaseConnection;

use crate::{ConnectionSettings, connect};

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
