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
{%- elsif database == "mongodb" %}
//!
//! MongoDB: a lease document (`_locks`, id `startup`) with an owner and an
//! expiry. Taking it is one atomic upsert; the holder renews it while its
//! tasks run, so a crashed instance's lease simply expires.
{%- else %}
//!
//! SQLite: an exclusive lock on a file next to the database, which the OS
//! frees when the process exits. An in-memory database needs none.
{%- endif %}

use std::time::{Duration, Instant};
{% if database == "mongodb" %}
use mongodb::bson::{DateTime, Document, doc};
use mongodb::error::{Error, ErrorKind, WriteFailure};
use mongodb::{Collection, Database};
use tokio::task::JoinHandle;
{%- else %}
use sea_orm::DatabaseConnection;
{%- endif %}
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
        let (pinned, try_lock) = (&transaction, &try_lock);
        wait_for(settings.lock_timeout(), move || async move {
            let row = pinned.query_one_raw(try_lock.clone()).await?;
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
{%- elsif database == "mongodb" %}

/// The lease: one document per database, so one per service.
const LOCKS: &str = "_locks";
const LOCK_ID: &str = "startup";

/// A holder that stops renewing (it crashed) loses the lease after this long.
const LEASE_MILLIS: i64 = 30_000;

/// E11000: the upsert met a live lease of another owner.
const DUPLICATE_KEY: i32 = 11000;

/// Held while the lease document names this owner and is renewed.
#[derive(Debug)]
pub struct GlobalLock {
    locks: Collection<Document>,
    owner: String,
    renewal: JoinHandle<()>,
}

impl GlobalLock {
    pub async fn acquire(db: &Database, settings: &StartupSettings) -> anyhow::Result<Self> {
        let locks = db.collection::<Document>(LOCKS);
        let owner = uuid::Uuid::now_v7().to_string();
        let (lease, me) = (&locks, owner.as_str());
        wait_for(settings.lock_timeout(), move || try_take(lease, me)).await?;
        let renewal = tokio::spawn(renew(locks.clone(), owner.clone()));
        Ok(Self {
            locks,
            owner,
            renewal,
        })
    }

    pub async fn release(self) -> anyhow::Result<()> {
        self.renewal.abort();
        let mine = doc! { "_id": LOCK_ID, "owner": &self.owner };
        self.locks.delete_one(mine).await?;
        Ok(())
    }
}

/// Takes the lease if it is free or expired, in one atomic upsert: a live
/// lease of another owner does not match the filter, so the upsert tries to
/// insert a second document with the same id and fails with a duplicate key.
async fn try_take(locks: &Collection<Document>, owner: &str) -> anyhow::Result<bool> {
    let expired = doc! { "_id": LOCK_ID, "expires_at": { "$lt": DateTime::now() } };
    let take = doc! { "$set": { "owner": owner, "expires_at": expiry() } };
    match locks.update_one(expired, take).upsert(true).await {
        Ok(_) => Ok(true),
        Err(err) if is_duplicate_key(&err) => Ok(false),
        Err(err) => Err(err.into()),
    }
}

/// Extends the lease every third of its length until aborted by `release`.
async fn renew(locks: Collection<Document>, owner: String) {
    let every = Duration::from_millis(LEASE_MILLIS.unsigned_abs() / 3);
    loop {
        tokio::time::sleep(every).await;
        let mine = doc! { "_id": LOCK_ID, "owner": &owner };
        let extend = doc! { "$set": { "expires_at": expiry() } };
        if let Err(err) = locks.update_one(mine, extend).await {
            tracing::warn!(error = %err, "cannot renew the startup lease");
        }
    }
}

fn expiry() -> DateTime {
    DateTime::from_millis(DateTime::now().timestamp_millis() + LEASE_MILLIS)
}

fn is_duplicate_key(err: &Error) -> bool {
    match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => e.code == DUPLICATE_KEY,
        ErrorKind::Command(e) => e.code == DUPLICATE_KEY,
        _ => false,
    }
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
        wait_for(settings.lock_timeout(), || {
            std::future::ready(match file.try_lock() {
                Ok(()) => Ok(true),
                Err(std::fs::TryLockError::WouldBlock) => Ok(false),
                Err(std::fs::TryLockError::Error(err)) => Err(err.into()),
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
///
/// `try_lock` returns a plain future (not an async closure) so that the whole
/// startup stays `Send` and can run on a spawned task.
async fn wait_for<F, Fut>(timeout: Duration, mut try_lock: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
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
