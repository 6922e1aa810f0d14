//! Maps SeaORM errors onto [`PersistenceError`] by kind, never by message text.

use sea_orm::{DbErr, SqlErr};

use crate::PersistenceError;

pub(super) fn from_db(err: DbErr) -> PersistenceError {
    if let Some(SqlErr::UniqueConstraintViolation(_)) = err.sql_err() {
        return PersistenceError::Duplicate;
    }
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => {
            PersistenceError::Unavailable(Box::new(err))
        }
{%- if database == "sqlite" %}
        // SQLITE_BUSY: another writer holds the database. With WAL and a busy
        // timeout this only surfaces when two transactions that both read
        // want to write, i.e. a write-write conflict.
        ref e if is_sqlite_busy(e) => PersistenceError::VersionConflict,
{%- endif %}
        other => PersistenceError::Backend(Box::new(other)),
    }
}
{%- if database == "sqlite" %}

fn is_sqlite_busy(err: &DbErr) -> bool {
    use sea_orm::RuntimeErr;
    let (DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e))) = err
    else {
        return false;
    };
    // 5 = SQLITE_BUSY, 6 = SQLITE_LOCKED; extended codes keep them in the low byte.
    e.as_database_error()
        .and_then(|db| db.code())
        .and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, 5 | 6))
}
{%- endif %}
