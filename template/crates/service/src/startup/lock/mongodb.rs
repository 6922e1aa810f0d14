//! MongoDB: a lease document (`_locks`, id `startup`) with an owner and an
//! expiry. Taking it is one atomic upsert; the holder renews it while its
//! tasks run, so a crashed instance's lease simply expires.

use std::time::Duration;

use mongodb::bson::{DateTime, Document, doc};
use mongodb::error::{Error, ErrorKind, WriteFailure};
use mongodb::{Collection, Database};
use tokio::task::JoinHandle;

use super::wait_for;
use crate::config::StartupSettings;

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
