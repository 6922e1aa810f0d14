//! Maps driver errors onto [`PersistenceError`] by server error code and
//! error label, never by message text.

use mongodb::error::{Error, ErrorKind, WriteFailure};

use crate::PersistenceError;

/// E11000: a unique index refused the write.
const DUPLICATE_KEY: i32 = 11000;
/// Another transaction changed the document after this one's snapshot.
const WRITE_CONFLICT: i32 = 112;

pub(super) fn from_mongo(err: Error) -> PersistenceError {
    let code = match err.kind.as_ref() {
        ErrorKind::Write(WriteFailure::WriteError(e)) => Some(e.code),
        ErrorKind::Command(e) => Some(e.code),
        _ => None,
    };
    if code == Some(DUPLICATE_KEY) {
        return PersistenceError::Duplicate;
    }
    // Checked before the transient label, which the driver also puts on
    // network errors inside a transaction: an unreachable server is a 503.
    // The driver labels errors worth retrying on another attempt (a primary
    // stepping down, a server shutting down) `RetryableWriteError`.
    if matches!(
        err.kind.as_ref(),
        ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
    ) || err.contains_label("RetryableWriteError")
    {
        return PersistenceError::Unavailable(Box::new(err));
    }
    // Otherwise a transient transaction error means a concurrent transaction
    // won; retrying the whole use case from a fresh read may succeed.
    if code == Some(WRITE_CONFLICT) || err.contains_label("TransientTransactionError") {
        return PersistenceError::VersionConflict;
    }
    PersistenceError::Backend(Box::new(err))
}
