//! Creates the collection and its indexes when the service runs without
//! versioned migrations. Idempotent: every instance runs it at start.

use mongodb::bson::doc;
use mongodb::options::IndexOptions;
use mongodb::{Database, IndexModel};

use crate::COLLECTION;
use crate::error::from_mongo;

use {{crate_name}}_persistence_model::{PersistenceError, Result};

/// Creates the collection if missing and its unique name index (creating an
/// index that already exists with the same definition is a no-op).
pub async fn ensure_schema(db: &Database) -> Result<()> {
    let existing = db.list_collection_names().await.map_err(from_mongo)?;
    if !existing.iter().any(|name| name == COLLECTION) {
        let created = db.create_collection(COLLECTION).await;
        // Another instance may have created it between the two calls.
        if let Err(err) = created.map_err(from_mongo) {
            let names = db.list_collection_names().await.map_err(from_mongo)?;
            if !names.iter().any(|name| name == COLLECTION) {
                return Err(err);
            }
        }
    }
    let unique = IndexOptions::builder()
        .name("name_unique".to_owned())
        .unique(true)
        .build();
    let index = IndexModel::builder()
        .keys(doc! { "name": 1 })
        .options(unique)
        .build();
    let collection = db.collection::<mongodb::bson::Document>(COLLECTION);
    collection.create_index(index).await.map_err(from_mongo)?;
    Ok(())
}

/// Succeeds when the collection exists.
pub async fn check_schema(db: &Database) -> Result<()> {
    let names = db.list_collection_names().await.map_err(from_mongo)?;
    if names.iter().any(|name| name == COLLECTION) {
        Ok(())
    } else {
        let missing = format!("collection {COLLECTION} does not exist");
        Err(PersistenceError::Backend(missing.into()))
    }
}
