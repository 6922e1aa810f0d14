use {{crate_name}}_entity_model::{AggregateRoot, RuleViolation, ValueError, Version};
use {{crate_name}}_persistence_model::PersistenceError;

/// One invalid input field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// The error of a value object, reported on `field`.
pub(crate) fn on(field: &'static str) -> impl Fn(ValueError) -> FieldError {
    move |err| FieldError::new(field, err.to_string())
}

/// Every way a use case can fail. The HTTP layer maps each variant to one
/// status code; nothing else decides what the client sees.
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    /// `what` names the aggregate in prose: see [`DomainError::not_found`].
    #[error("{what} {id} was not found")]
    NotFound { what: &'static str, id: String },
    #[error("this {field} is already taken")]
    AlreadyExists { field: &'static str },
    /// The caller's expected version (`If-Match`) is not the stored one.
    #[error("expected version {expected}, but the stored version is {actual}")]
    PreconditionFailed { expected: Version, actual: Version },
    /// Another writer changed the aggregate between our read and our write.
    #[error("it was changed concurrently; read it again and retry")]
    Conflict,
    /// The change breaks a rule of the aggregate.
    #[error(transparent)]
    RuleViolation(#[from] RuleViolation),
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("storage is unavailable")]
    Unavailable(#[source] PersistenceError),
    #[error("internal error")]
    Internal(#[source] PersistenceError),
}

impl DomainError {
    /// No `A` has this id.
    pub fn not_found<A: AggregateRoot>(id: A::Id) -> Self {
        Self::NotFound {
            what: A::TITLE,
            id: id.to_string(),
        }
    }
}

impl From<PersistenceError> for DomainError {
    /// The mapping when the use case has nothing more specific to say.
    fn from(err: PersistenceError) -> Self {
        match err {
            PersistenceError::VersionConflict => Self::Conflict,
            PersistenceError::Duplicate => Self::AlreadyExists { field: "name" },
            PersistenceError::Unavailable(_) => Self::Unavailable(err),
            PersistenceError::NotFound
            | PersistenceError::Configuration(_)
            | PersistenceError::Corrupt(_)
            | PersistenceError::Backend(_) => Self::Internal(err),
        }
    }
}
