use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::Version;

use crate::{{Aggregate}}EventKind;
use crate::{{Aggregate}}Id;

/// One event of one {{aggregate_title}}, as a subscriber recorded it: what
/// happened and when, without the data, so the feed stays small and is never
/// mistaken for the {{aggregate_title}}'s state.
///
/// Stores keep the times to the millisecond at least (MongoDB keeps no
/// more), so a record reads back unchanged when its times are cut to that.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct {{Aggregate}}Activity {
    /// The event's id: the message id the publisher gave it, the same on
    /// every delivery, so one event is recorded once.
    pub event_id: Uuid,
    pub {{aggregate}}_id: {{Aggregate}}Id,
    pub kind: {{Aggregate}}EventKind,
    /// The {{aggregate_title}}'s version after the event: orders its records.
    pub version: Version,
    pub occurred_at: DateTime<Utc>,
    /// When the subscriber recorded it.
    pub recorded_at: DateTime<Utc>,
}
