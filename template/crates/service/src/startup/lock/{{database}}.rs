{% comment -%}
PostgreSQL's and MySQL's lock, rendered as `postgres.rs` or `mysql.rs`
(cargo-generate.toml drops this file for SQLite and MongoDB): both hold a
named lock of the server on one pooled connection, pinned by a transaction.
{%- endcomment -%}
{%- if database == "postgres" -%}
//! PostgreSQL: a transaction-scoped advisory lock. It lives on the one
//! connection of that transaction (a session lock taken through a pool could
//! be released on another connection) and is freed by commit, rollback or a
//! dropped connection, so a crashed instance never leaves it behind.
{%- else -%}
//! MySQL: `GET_LOCK` on one connection held open (pinned by a transaction)
//! until release. MySQL frees it if that connection dies, so a crashed
//! instance never leaves it behind. Tasks run on other connections: MySQL DDL
//! commits implicitly and must not run inside the lock's transaction.
{%- endif %}

use sea_orm::{ConnectionTrait, DatabaseConnection, DatabaseTransaction};
use sea_orm::{Statement, TransactionTrait};

use super::wait_for;
use crate::config::StartupSettings;
{%- if database == "postgres" %}

/// The advisory lock key: a hash of the service name, so services sharing a
/// database server do not block each other.
const LOCK_KEY: i64 = fnv1a(b"{{crate_name}}:startup");

/// 1 when this session got the lock, 0 when another session holds it.
const TRY_LOCK: &str =
    "SELECT CASE WHEN pg_try_advisory_xact_lock($1) THEN 1 ELSE 0 END::bigint AS locked";
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
{%- if database == "postgres" %}

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
{%- endif %}
