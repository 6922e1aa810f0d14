//! Driver calls in the unit of work's session when there is one, so that
//! they join its transaction; outside any unit of work, plain calls.

use mongodb::bson::Document;
use mongodb::options::FindOptions;
use mongodb::{ClientSession, Collection};
use tokio::sync::Mutex;

use crate::error::from_mongo;

use {{crate_name}}_persistence_model::Result;

/// Runs a driver action on `session` (an `Option<&Mutex<ClientSession>>`)
/// when there is one; driver errors become persistence errors.
macro_rules! run {
    ($session:expr, $action:expr) => {
        match $session {
            Some(session) => {
                let mut session = session.lock().await;
                $action.session(&mut *session).await
            }
            None => $action.await,
        }
        .map_err($crate::error::from_mongo)
    };
}

pub(crate) use run;

/// Every document `filter` finds in `collection`, converted. A session
/// cursor must be driven with its session, hence two loops.
pub(crate) async fn find_all<T>(
    collection: &Collection<Document>,
    filter: Document,
    options: FindOptions,
    session: Option<&Mutex<ClientSession>>,
    convert: impl Fn(&Document) -> Result<T>,
) -> Result<Vec<T>> {
    let find = collection.find(filter).with_options(options);
    let mut found = Vec::new();
    match session {
        Some(session) => {
            let mut session = session.lock().await;
            let mut cursor = find.session(&mut *session).await.map_err(from_mongo)?;
            while cursor.advance(&mut session).await.map_err(from_mongo)? {
                let document = cursor.deserialize_current().map_err(from_mongo)?;
                found.push(convert(&document)?);
            }
        }
        None => {
            let mut cursor = find.await.map_err(from_mongo)?;
            while cursor.advance().await.map_err(from_mongo)? {
                let document = cursor.deserialize_current().map_err(from_mongo)?;
                found.push(convert(&document)?);
            }
        }
    }
    Ok(found)
}
