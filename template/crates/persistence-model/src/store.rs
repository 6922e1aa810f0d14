use async_trait::async_trait;
{%- if message_bus == "rabbitmq" %}
use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Outbox;
use crate::Result;
{%- else %}

use crate::Result;
{%- endif %}

use {{crate_name}}_entity_model::DomainEvent;
{%- if message_bus == "rabbitmq" %}

use crate::{{Aggregate}}ActivityRepository as ActivityRepository;
{%- endif %}

// Repositories, one per aggregate.
use crate::{{Aggregate}}Repository;

/// A set of changes that commit or roll back together: one database
/// transaction, which the unit of work owns and its repositories borrow, so
/// that every repository (and, later, an outbox) joins the same transaction.
///
/// Dropping a unit of work without calling [`commit`](Self::commit) rolls it
/// back, so an early `?` return can never leave half a change behind. The
/// rollback of a dropped unit of work may finish in the background; call
/// [`rollback`](Self::rollback) to wait for it.
#[async_trait]
pub trait UnitOfWork: Send + std::fmt::Debug {
    // Repositories inside this unit of work, one per aggregate.
    fn {{aggregates}}(&self) -> Box<dyn {{Aggregate}}Repository + '_>;

    /// Events to make known if, and only if, this unit of work commits.
    /// Processors hand them over before committing.
    fn record(&mut self, events: Vec<DomainEvent>);
{%- if message_bus == "rabbitmq" %}

    /// The activity records, inside this unit of work.
    fn {{aggregate}}_activity(&self) -> Box<dyn ActivityRepository + '_>;

    /// Records `message_id` as received by `consumer` in this unit of work.
    /// `false`: a committed unit of work accepted it already (a duplicate
    /// delivery), and the caller rolls back without any effect.
    ///
    /// Two units of work accepting the same message never both commit: the
    /// second one waits for the first and gets `false`, or fails here or at
    /// its commit ([`VersionConflict`](crate::PersistenceError::VersionConflict),
    /// [`Duplicate`](crate::PersistenceError::Duplicate)), depending on the
    /// backend. `consumer` has at most [`MAX_CONSUMER_CHARS`](crate::MAX_CONSUMER_CHARS)
    /// characters.
    async fn accept_message(
        &mut self,
        consumer: &str,
        message_id: Uuid,
        received_at: DateTime<Utc>,
    ) -> Result<bool>;
{%- endif %}

    async fn commit(self: Box<Self>) -> Result<()>;

    async fn rollback(self: Box<Self>) -> Result<()>;
}

/// Entry point to a storage backend: repositories for reads, units of work for
/// writes, and a health check.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    // Repositories for reads outside any unit of work, one per aggregate.
    fn {{aggregates}}(&self) -> Box<dyn {{Aggregate}}Repository + '_>;

    /// Starts a unit of work.
    async fn begin(&self) -> Result<Box<dyn UnitOfWork>>;

    /// Succeeds when the backend answers and can do the store's work.
    async fn ping(&self) -> Result<()>;
{%- if message_bus == "rabbitmq" %}

    /// The outbox its units of work write events to.
    fn outbox(&self) -> &dyn Outbox;

    /// The activity records, for reads outside any unit of work.
    fn {{aggregate}}_activity(&self) -> Box<dyn ActivityRepository + '_>;

    /// Deletes the inbox entries received before `before`; returns how many.
    async fn purge_inbox(&self, before: DateTime<Utc>) -> Result<u64>;
{%- endif %}
}
