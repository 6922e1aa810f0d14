//! Every event of the service, whatever the aggregate.

use chrono::{DateTime, Utc};

use crate::Version;

/// What an aggregate's events tell about themselves, for logs, the outbox and
/// routing keys: each aggregate's event type implements it.
pub trait AggregateEvent {
    /// A stable name for logs, e.g. `{{Aggregate}}Created`.
    fn name(&self) -> &'static str;

    /// The aggregate type, in snake_case: the first part of a routing key.
    fn aggregate_type(&self) -> &'static str;

    /// What happened, in one lowercase word (`created`, `updated`, `deleted`):
    /// the last part of a routing key.
    fn kind(&self) -> &'static str;

    /// The id of the aggregate it happened to.
    fn aggregate_id(&self) -> String;

    /// The version of the aggregate the event leads to.
    fn version(&self) -> Version;

    fn occurred_at(&self) -> DateTime<Utc>;
}

/// Every event of the service, whatever the aggregate: what a unit of work
/// collects and saves or announces with the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    // Events, one per aggregate.
    {{Aggregate}}(crate::{{Aggregate}}Event),
}

impl DomainEvent {
    /// The event, as its aggregate's event type describes it.
    fn described(&self) -> &dyn AggregateEvent {
        match self {
            // Event types, one per aggregate.
            Self::{{Aggregate}}(event) => event,
        }
    }

    pub fn name(&self) -> &'static str {
        self.described().name()
    }

    /// The aggregate type, in snake_case: the first part of a routing key.
    pub fn aggregate_type(&self) -> &'static str {
        self.described().aggregate_type()
    }

    /// What happened: `created`, `updated` or `deleted`.
    pub fn kind(&self) -> &'static str {
        self.described().kind()
    }

    /// The id of the aggregate it happened to.
    pub fn aggregate_id(&self) -> String {
        self.described().aggregate_id()
    }

    /// The version of the aggregate the event leads to.
    pub fn version(&self) -> Version {
        self.described().version()
    }

    pub fn occurred_at(&self) -> DateTime<Utc> {
        self.described().occurred_at()
    }
}
