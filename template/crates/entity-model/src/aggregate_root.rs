use chrono::{DateTime, Utc};

/// Optimistic-concurrency version of a stored aggregate.
///
/// A new aggregate starts at [`AggregateRoot::INITIAL_VERSION`]; every successful
/// save stores [`next_version`] on condition that the stored version is still the
/// one that was read, so two writers can never silently overwrite each other.
pub type Version = i64;

/// The version a save stores: the one place a version grows.
pub const fn next_version(version: Version) -> Version {
    version + 1
}

/// What every aggregate root offers to the layers above it.
pub trait AggregateRoot {
    /// The aggregate's identity type.
    type Id: Copy + Eq + std::fmt::Display;

    /// The aggregate in prose, for messages ("order").
    const TITLE: &'static str;

    /// The version first stored for a new aggregate.
    const INITIAL_VERSION: Version = 1;

    fn id(&self) -> Self::Id;
    fn version(&self) -> Version;
    fn created_at(&self) -> DateTime<Utc>;
    fn updated_at(&self) -> DateTime<Utc>;
}

/// A change that an aggregate's status rules forbid; it names the aggregate
/// in prose (its `TITLE`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleViolation {
    #[error("an archived {0} cannot be changed")]
    Archived(&'static str),
    #[error("the {0} cannot go back to draft once active")]
    BackToDraft(&'static str),
}

/// Every backend keeps at least milliseconds (BSON dates; PostgreSQL and MySQL
/// `DATETIME(6)` keep microseconds), so timestamps are cut to that once, here,
/// and read back unchanged from any of them.
pub(crate) fn truncate_to_millis(at: DateTime<Utc>) -> DateTime<Utc> {
    let millis = at.timestamp_millis();
    DateTime::from_timestamp_millis(millis).unwrap_or(at)
}
