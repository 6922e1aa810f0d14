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

    /// The version first stored for a new aggregate.
    const INITIAL_VERSION: Version = 1;

    fn id(&self) -> Self::Id;
    fn version(&self) -> Version;
    fn created_at(&self) -> DateTime<Utc>;
    fn updated_at(&self) -> DateTime<Utc>;
}
