use chrono::{DateTime, Utc};

use crate::Version;

use crate::{{Aggregate}}Id;
use crate::{{Aggregate}}Status;

/// Something that happened to {{an_aggregate}}, recorded by the aggregate itself when it
/// changes, and handed by the processor to the unit of work that saves the change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum {{Aggregate}}Event {
    Created {
        id: {{Aggregate}}Id,
        name: String,
        amount_cents: i64,
        occurred_at: DateTime<Utc>,
    },
    Updated {
        id: {{Aggregate}}Id,
        version: Version,
        status: {{Aggregate}}Status,
        occurred_at: DateTime<Utc>,
    },
    Deleted {
        id: {{Aggregate}}Id,
        occurred_at: DateTime<Utc>,
    },
}

impl {{Aggregate}}Event {
    /// A stable name for logs and, later, message routing keys.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Created { .. } => "{{Aggregate}}Created",
            Self::Updated { .. } => "{{Aggregate}}Updated",
            Self::Deleted { .. } => "{{Aggregate}}Deleted",
        }
    }

    pub fn aggregate_id(&self) -> {{Aggregate}}Id {
        match self {
            Self::Created { id, .. } | Self::Updated { id, .. } | Self::Deleted { id, .. } => *id,
        }
    }
}

/// Every event of the service, whatever the aggregate: what a unit of work
/// collects and, after its commit, makes known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DomainEvent {
    {{Aggregate}}({{Aggregate}}Event),
}

impl DomainEvent {
    pub fn name(&self) -> &'static str {
        match self {
            Self::{{Aggregate}}(event) => event.name(),
        }
    }

    /// The id of the aggregate it happened to.
    pub fn aggregate_id(&self) -> String {
        match self {
            Self::{{Aggregate}}(event) => event.aggregate_id().to_string(),
        }
    }
}

impl From<{{Aggregate}}Event> for DomainEvent {
    fn from(event: {{Aggregate}}Event) -> Self {
        Self::{{Aggregate}}(event)
    }
}
