//! Maps SeaORM errors onto [`PersistenceError`] by kind and code, never by
//! message text.

use sea_orm::sqlx;
use sea_orm::{DbErr, RuntimeErr, SqlErr};

use {{crate_name}}_persistence_model::PersistenceError;

pub(crate) fn from_db(err: DbErr) -> PersistenceError {
    if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
        return PersistenceError::Duplicate;
    }
    let kind = match &err {
        // No connection could be had within the acquire timeout, or the
        // server refused one: the database is down or unreachable.
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => Kind::Unavailable,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            classify(e)
        }
        _ => Kind::Other,
    };
    match kind {
        Kind::Unavailable => PersistenceError::Unavailable(Box::new(err)),
        Kind::Conflict => PersistenceError::VersionConflict,
        Kind::Other => PersistenceError::Backend(Box::new(err)),
    }
}

enum Kind {
    /// Retrying later may work: report 503.
    Unavailable,
    /// Another transaction won a race: the caller may re-read and retry (409).
    Conflict,
    Other,
}

fn classify(err: &sqlx::Error) -> Kind {
    match err {
        // The connection broke during the statement (server gone, network
        // cut): the same as not getting one.
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => Kind::Unavailable,
        sqlx::Error::Database(db) => match db.code() {
            Some(code) => classify_code(&code),
            None => Kind::Other,
        },
        _ => Kind::Other,
    }
}
{%- if database == "sqlite" %}

/// SQLite's result code. 5 = SQLITE_BUSY, 6 = SQLITE_LOCKED (extended codes
/// keep them in the low byte): with WAL and a busy timeout these only surface
/// when two transactions that both read want to write, a write-write conflict.
fn classify_code(code: &str) -> Kind {
    match code.parse::<i32>() {
        Ok(code) if matches!(code & 0xff, 5 | 6) => Kind::Conflict,
        _ => Kind::Other,
    }
}
{%- else %}

/// The SQLSTATE: 40001 is a serialization failure (a MySQL deadlock too),
/// 40P01 a PostgreSQL deadlock; class 08 is a broken connection and 57P01 to
/// 57P03 a server shutting down, crashing or starting.
fn classify_code(code: &str) -> Kind {
    match code {
        "40001" | "40P01" => Kind::Conflict,
        "57P01" | "57P02" | "57P03" => Kind::Unavailable,
        _ if code.starts_with("08") => Kind::Unavailable,
        _ => Kind::Other,
    }
}
{%- endif %}
