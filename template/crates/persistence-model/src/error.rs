use {{crate_name}}_entity_model::InvalidRecord;

/// Why a storage operation failed, in terms the domain model can act on.
#[derive(Debug, thiserror::Error)]
pub enum PersistenceError {
    /// The row or document to change does not exist (any more).
    #[error("not found")]
    NotFound,
    /// The stored version is not the one the caller read: someone else
    /// changed it in between (optimistic concurrency).
    #[error("the stored version changed since it was read")]
    VersionConflict,
    /// A unique key (id or name) is already taken.
    #[error("a unique key is already taken")]
    Duplicate,
    /// The backend cannot be reached or refused service; retrying later may work.
    #[error("storage unavailable")]
    Unavailable(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// The connection settings cannot work (a malformed URL, a MongoDB URL
    /// without a database, a server without transactions): retrying will
    /// not help, the configuration must change.
    #[error("{0}")]
    Configuration(String),
    /// Stored data that does not satisfy the entity model's rules.
    #[error(transparent)]
    Corrupt(#[from] InvalidRecord),
    /// Anything else the backend reported.
    #[error("storage error")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl PersistenceError {
    /// After a conditional write (`WHERE id AND version`) changed nothing:
    /// the aggregate is gone, or another writer saved it first.
    pub fn missing_or_conflict(still_stored: bool) -> Self {
        if still_stored {
            Self::VersionConflict
        } else {
            Self::NotFound
        }
    }
}
