//! The events of {{an_aggregate}}.

use chrono::{DateTime, Utc};

use crate::{AggregateEvent, DomainEvent, Version};

use crate::{{Aggregate}}Id;
use crate::{{Aggregate}}Record;

/// Something that happened to {{an_aggregate}}, recorded by the aggregate itself when it
/// changes, and handed by the processor to the unit of work that saves the change.
///
/// Each event carries what a subscriber needs without calling back: the
/// aggregate's id, the version the change stores, and (but for a deletion)
/// every field as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum {{Aggregate}}Event {
    /// A new {{aggregate_title}}, at its first version.
    Created({{Aggregate}}Record),
    /// The writable fields replaced: the state as the save stores it.
    Updated({{Aggregate}}Record),
    /// Deleted; `version` is the one after the last stored version, so the
    /// events of one {{aggregate_title}} have strictly growing versions.
    Deleted {
        id: {{Aggregate}}Id,
        version: Version,
        occurred_at: DateTime<Utc>,
    },
}

/// What happened to {{an_aggregate}}, without the data: what a subscriber keeps,
/// and the last part of a routing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum {{Aggregate}}EventKind {
    Created,
    Updated,
    Deleted,
}

impl {{Aggregate}}EventKind {
    /// The lowercase word of routing keys and stored records.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Created => "created",
            Self::Updated => "updated",
            Self::Deleted => "deleted",
        }
    }

    /// The kind [`as_str`](Self::as_str) wrote; `None` for any other text.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "created" => Some(Self::Created),
            "updated" => Some(Self::Updated),
            "deleted" => Some(Self::Deleted),
            _ => None,
        }
    }
}

impl {{Aggregate}}Event {
    /// What happened, without the data.
    pub fn event_kind(&self) -> {{Aggregate}}EventKind {
        match self {
            Self::Created(_) => {{Aggregate}}EventKind::Created,
            Self::Updated(_) => {{Aggregate}}EventKind::Updated,
            Self::Deleted { .. } => {{Aggregate}}EventKind::Deleted,
        }
    }

    /// The id of the {{aggregate_title}} it happened to.
    pub fn id(&self) -> {{Aggregate}}Id {
        let id = match self {
            Self::Created(record) | Self::Updated(record) => record.id,
            Self::Deleted { id, .. } => id.as_uuid(),
        };
        {{Aggregate}}Id::from_uuid(id)
    }
}

impl AggregateEvent for {{Aggregate}}Event {
    fn name(&self) -> &'static str {
        match self {
            Self::Created(_) => "{{Aggregate}}Created",
            Self::Updated(_) => "{{Aggregate}}Updated",
            Self::Deleted { .. } => "{{Aggregate}}Deleted",
        }
    }

    fn aggregate_type(&self) -> &'static str {
        "{{aggregate}}"
    }

    fn kind(&self) -> &'static str {
        self.event_kind().as_str()
    }

    fn aggregate_id(&self) -> String {
        self.id().to_string()
    }

    fn version(&self) -> Version {
        match self {
            Self::Created(record) | Self::Updated(record) => record.version,
            Self::Deleted { version, .. } => *version,
        }
    }

    fn occurred_at(&self) -> DateTime<Utc> {
        match self {
            Self::Created(record) | Self::Updated(record) => record.updated_at,
            Self::Deleted { occurred_at, .. } => *occurred_at,
        }
    }
}

impl From<{{Aggregate}}Event> for DomainEvent {
    fn from(event: {{Aggregate}}Event) -> Self {
        Self::{{Aggregate}}(event)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    type Kind = {{Aggregate}}EventKind;

    #[test]
    fn an_event_kind_parses_back_from_its_text() {
        for kind in [Kind::Created, Kind::Updated, Kind::Deleted] {
            assert_eq!(Kind::parse(kind.as_str()), Some(kind));
        }
        assert_eq!(Kind::parse("Created"), None);
        assert_eq!(Kind::parse(""), None);
    }
}
