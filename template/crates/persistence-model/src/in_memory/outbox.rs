//! The in-memory outbox: the same claim, retry and retention rules as the
//! database outboxes, on a list behind a mutex.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::{Backlog, Outbox, OutboxMessage, OutboxSignal, Result};

/// A message and its delivery state, as a row of a database outbox holds them.
#[derive(Debug, Clone)]
struct Entry {
    message: OutboxMessage,
    /// Not claimable before this (the retry backoff).
    available_at: DateTime<Utc>,
    lease: Option<(Uuid, DateTime<Utc>)>,
    published_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default)]
pub(super) struct InMemoryOutbox {
    entries: Mutex<Vec<Entry>>,
    signal: OutboxSignal,
}

impl InMemoryOutbox {
    // A poisoned lock only means another test thread panicked mid-operation;
    // every operation below leaves the list consistent.
    fn entries(&self) -> MutexGuard<'_, Vec<Entry>> {
        self.entries
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called by a unit of work's commit, after its tables were merged.
    pub(super) fn append(&self, messages: Vec<OutboxMessage>) {
        if messages.is_empty() {
            return;
        }
        let mut entries = self.entries();
        entries.extend(messages.into_iter().map(|message| Entry {
            available_at: message.occurred_at,
            message,
            lease: None,
            published_at: None,
        }));
        drop(entries);
        self.signal.notify();
    }
}

/// Whether `entry` is the oldest unpublished message of its aggregate.
fn is_head(entries: &[Entry], entry: &Entry) -> bool {
    !entries.iter().any(|other| {
        other.published_at.is_none()
            && other.message.aggregate_id == entry.message.aggregate_id
            && other.message.aggregate_version < entry.message.aggregate_version
    })
}

#[async_trait]
impl Outbox for InMemoryOutbox {
    async fn claim(
        &self,
        relay: Uuid,
        limit: u32,
        lease: Duration,
        now: DateTime<Utc>,
    ) -> Result<Vec<OutboxMessage>> {
        let until = now + lease;
        let mut entries = self.entries();
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by_key(|&i| (entries[i].message.occurred_at, entries[i].message.id));
        let mut claimed = Vec::new();
        for i in order {
            if claimed.len() >= limit as usize {
                break;
            }
            let entry = &entries[i];
            let free = entry.lease.is_none_or(|(_, until)| until <= now);
            let due = entry.published_at.is_none() && entry.available_at <= now && free;
            if due && is_head(&entries, entry) {
                entries[i].lease = Some((relay, until));
                claimed.push(entries[i].message.clone());
            }
        }
        Ok(claimed)
    }

    async fn mark_published(&self, id: Uuid, now: DateTime<Utc>) -> Result<()> {
        let mut entries = self.entries();
        if let Some(entry) = entries.iter_mut().find(|e| e.message.id == id) {
            entry.published_at = Some(now);
            entry.lease = None;
        }
        Ok(())
    }

    async fn mark_failed(&self, id: Uuid, retry_at: DateTime<Utc>) -> Result<()> {
        let mut entries = self.entries();
        if let Some(entry) = entries.iter_mut().find(|e| e.message.id == id) {
            entry.message.attempts += 1;
            entry.available_at = retry_at;
            entry.lease = None;
        }
        Ok(())
    }

    async fn purge_published(&self, before: DateTime<Utc>) -> Result<u64> {
        let mut entries = self.entries();
        let count = entries.len();
        entries.retain(|e| e.published_at.is_none_or(|at| at >= before));
        Ok((count - entries.len()) as u64)
    }

    async fn backlog(&self) -> Result<Backlog> {
        let entries = self.entries();
        let pending = entries.iter().filter(|e| e.published_at.is_none());
        let oldest = pending.clone().map(|e| e.message.occurred_at).min();
        Ok(Backlog {
            pending: pending.count() as u64,
            oldest,
        })
    }

    fn signal(&self) -> &OutboxSignal {
        &self.signal
    }
}
