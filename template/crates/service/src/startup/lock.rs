//! The global startup lock: N instances starting together run their startup
//! tasks one after another, never at once (two migrators racing on the same
//! `CREATE TABLE` fail).
{%- if database == "postgres" %}
//!
//! PostgreSQL: a transaction-scoped advisory lock. It lives on the one
//! connection of that transaction (a session lock taken through a pool could
//! be released on another connection) and is freed by commit, rollback or a
//! dropped connection, so a crashed instance never leaves it behind.
{%- elsif database == "mysql" %}
//!
//! MySQL: `GET_LOCK` on one connection held open (pinned by a transaction)
//! until release. MySQL frees it if that connection dies, so a crashed
//! instance never leaves it behind. Tasks run on other connections: MySQL DDL
//! commits implicitly and must not run inside the lock's transaction.
{%- else %}
//!
//! SQLite: an exclusive lock on a file next to the database, which the OS
//! frees when the process exits. An in-memory database needs none.
{%- endif %}

use std::time::{Duration, Instant};

use sea_orm::DatabaseConnection;
{%- if database == "postgres" or database == "mysql" %}
use sea_orm::{ConnectionTrait, DatabaseTransaction, Statement, TransactionTrait};
{%- endif %}

use crate::config::StartupSettings;

/// How often a waiting instance tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(200);
{%- if database == "postgres" or database == "mysql" %}
{%- if database == "postgres" %}

/// The advisory lock key: a hash of the service name, so services sharing a
/// database server do not block each other.
const LOCK_KEY: i64 = fnv1a(b"{{crate_name}}:startup");

/// 1 when this session got the lock, 0 when another session holds it.
const TRY_LOCK: &str =
    "SELECT CASE WHEN pg_try_advisory_xact_lock($1) THEN 1 ELSE 0 END::bigint AS locked";

const fn fnv1a(bytes: &[u8]) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut i = 0;
    while i < bytes.len() {
        hash ^= bytes[i] as u64;
        hash = hash.wrapping_mul(0x0100_0000_01b3);
        i += 1;
    }
    hash as i64
}
{%- else %}

/// The lock name: per service, so services sharing a server do not block
/// each other.
const LOCK_KEY: &str = "{{crate_name}}:startup";

/// 1 when this session got the lock, 0 when another session holds it.
const TRY_LOCK: &str = "SELECT GET_LOCK(?, 0) AS locked";
{%- endif %}

/// Held while its transaction, which pins one pooled connection, is open.
#[derive(Debug)]
pub struct GlobalLock {
    transaction: DatabaseTransaction,
}

impl GlobalLock {
    pub async fn acquire(
        db: &DatabaseConnection,
        settings: &StartupSettings,
    ) -> anyhow::Result<Self> {
        let transaction = db.begin().await?;
        let try_lock = statement(&transaction, TRY_LOCK);
        wait_for(settings.lock_timeout(), async || {
            let row = transaction.query_one_raw(try_lock.clone()).await?;
            let locked = row.map(|r| r.try_get::<Option<i64>>("", "locked"));
            Ok(locked.transpose()?.flatten() == Some(1))
        })
        .await?;
        Ok(Self { transaction })
    }

    pub async fn release(self) -> anyhow::Result<()> {
{%- if database == "mysql" %}
        // Release before the connection returns to the pool, or the next
        // user of that connection would hold the lock.
        let release = statement(&self.transaction, "SELECT RELEASE_LOCK(?)");
        self.transaction.execute_raw(release).await?;
{%- endif %}
        // Ending the transaction returns its connection to the pool.
        self.transaction.commit().await?;
        Ok(())
    }
}

fn statement(transaction: &DatabaseTransaction, sql: &str) -> Statement {
    let backend = transaction.get_database_backend();
    Statement::from_sql_and_values(backend, sql, [LOCK_KEY.into()])
}
{%- else %}

/// Held while the file stays open.
#[derive(Debug)]
pub struct GlobalLock {
    file: Option<std::fs::File>,
}

impl GlobalLock {
    pub async fn acquire(
        db: &DatabaseConnection,
        settings: &StartupSettings,
    ) -> anyhow::Result<Self> {
        let Some(path) = lock_path(db).await? else {
            return Ok(Self { file: None });
        };
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)?;
        wait_for(settings.lock_timeout(), async || match file.try_lock() {
            Ok(()) => Ok(true),
            Err(std::fs::TryLockError::WouldBlock) => Ok(false),
            Err(std::fs::TryLockError::Error(err)) => Err(err.into()),
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
async fn lock_path(db: &DatabaseConnection) -> anyhow::Result<Option<std::path::PathBuf>> {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.get_database_backend();
    let statement = Statement::from_string(backend, "PRAGMA database_list");
    let rows = db.query_all_raw(statement).await?;
    let main = rows.iter().find_map(|row| {
        let name: String = row.try_get("", "name").ok()?;
        let file: String = row.try_get("", "file").ok()?;
        (name == "main").then_some(file)
    });
    Ok(main
        .filter(|file| !file.is_empty())
        .map(|file| format!("{file}.startup.lock").into()))
}
{%- endif %}

/// Calls `try_lock` until it succeeds or `timeout` passes.
async fn wait_for<F>(timeout: Duration, mut try_lock: F) -> anyhow::Result<()>
where
    F: AsyncFnMut() -> anyhow::Result<bool>,
{
    let started = Instant::now();
    loop {
        if try_lock().await? {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            anyhow::bail!(
                "another instance held the startup lock for more than {timeout:?}; \
                 if none is running, check for a stuck process \
                 (or raise startup.lock_timeout_secs)"
            );
        }
        tokio::time::sleep(RETRY_EVERY).await;
    }
}
