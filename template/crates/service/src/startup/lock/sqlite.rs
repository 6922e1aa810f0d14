//! SQLite: an exclusive lock on a file next to the database, which the OS
//! frees when the process exits. An in-memory database needs none.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, DatabaseConnection, DbErr, Statement};

use super::{RETRY_EVERY, wait_for};
use crate::config::StartupSettings;

/// Held while the file stays open.
#[derive(Debug)]
pub struct GlobalLock {
    file: Option<File>,
}

impl GlobalLock {
    pub async fn acquire(
        db: &DatabaseConnection,
        settings: &StartupSettings,
    ) -> anyhow::Result<Self> {
        let Some(path) = lock_path(db, settings.lock_timeout()).await? else {
            return Ok(Self { file: None });
        };
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        wait_for(settings.lock_timeout(), || {
            std::future::ready(match file.try_lock() {
                Ok(()) => Ok(true),
                Err(TryLockError::WouldBlock) => Ok(false),
                Err(TryLockError::Error(err)) => Err(err.into()),
            })
        })
        .await?;
        Ok(Self { file: Some(file) })
    }

    pub async fn release(self) -> anyhow::Result<()> {
        if let Some(file) = self.file {
            file.unlock()?;
        }
        Ok(())
    }
}

/// `<database file>.startup.lock`, or `None` for an in-memory database.
///
/// This may be the instance's first statement, opening the first connection
/// to a new database file, which switches the file to WAL. That switch cannot
/// wait on the busy timeout: while another instance's connection makes it,
/// this one fails at once ("database is locked"). So a connection that cannot
/// be opened is tried again, as the lock is, until `timeout`.
async fn lock_path(db: &DatabaseConnection, timeout: Duration) -> anyhow::Result<Option<PathBuf>> {
    let backend = db.get_database_backend();
    let statement = Statement::from_string(backend, "PRAGMA database_list");
    let started = Instant::now();
    let rows = loop {
        match db.query_all_raw(statement.clone()).await {
            Err(DbErr::Conn(_)) if started.elapsed() < timeout => {
                tokio::time::sleep(RETRY_EVERY).await;
            }
            outcome => break outcome?,
        }
    };
    let main = rows.iter().find_map(|row| {
        let name: String = row.try_get("", "name").ok()?;
        let file: String = row.try_get("", "file").ok()?;
        (name == "main").then_some(file)
    });
    Ok(main
        .filter(|file| !file.is_empty())
        .map(|file| format!("{file}.startup.lock").into()))
}
