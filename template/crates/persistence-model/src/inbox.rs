//! The inbox and the activity records of subscribers.
//!
//! Delivery is at least once, so a subscriber accepts each message in the
//! inbox ([`UnitOfWork::accept_message`](crate::UnitOfWork::accept_message))
//! in the same unit of work as its effect: a message accepted by a committed
//! unit of work is never accepted again, and its effect exists exactly once.
//! Inbox entries are kept for a retention period (longer than a broker can
//! redeliver), then purged ([`Store::purge_inbox`](crate::Store::purge_inbox)).

use async_trait::async_trait;

use crate::{Page, PersistenceError, Result};

use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// The longest consumer name an inbox keeps: the width of its column.
pub const MAX_CONSUMER_CHARS: usize = 128;

/// The activity records of {{aggregates}}: one per event, written by a
/// subscriber, read as a feed. Obtained from a [`crate::Store`] for reads, or
/// from a [`crate::UnitOfWork`] to write with the inbox entry.
#[async_trait]
pub trait {{Aggregate}}ActivityRepository: Send + Sync {
    /// Stores a record; [`Duplicate`](crate::PersistenceError::Duplicate) if
    /// one with its `event_id` exists.
    async fn add(&self, activity: &Activity) -> Result<()>;

    /// The records of `id`, oldest version first (then by event id), skipped
    /// and limited; the total counts all records of `id`.
    async fn list(&self, id: {{Aggregate}}Id, skip: u64, take: u64) -> Result<Page<Activity>>;
}

/// Refuses a consumer name the inbox cannot keep (empty, or longer than
/// [`MAX_CONSUMER_CHARS`]): a configuration error, checked by every store
/// before it writes, so none of them cuts a name short.
pub fn check_consumer(consumer: &str) -> Result<()> {
    let length = consumer.chars().count();
    if length == 0 || length > MAX_CONSUMER_CHARS {
        let message = format!(
            "an inbox consumer name has 1 to {MAX_CONSUMER_CHARS} characters, not {length}"
        );
        return Err(PersistenceError::Configuration(message));
    }
    Ok(())
}
