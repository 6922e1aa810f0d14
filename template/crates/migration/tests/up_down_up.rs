//! Every migration must apply, revert and re-apply cleanly on a real database.

// Test code: a panic is how a failed expectation is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use {{crate_name}}_migration::{Migrator, MigratorTrait};
use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;
{%- if database == "mongodb" %}

async fn has_collection(db: &mongodb::Database, name: &str) -> bool {
    let names = db.list_collection_names().await.unwrap();
    names.iter().any(|n| n == name)
}
{%- else %}

use sea_orm_migration::SchemaManager;

async fn has_collection(db: &sea_orm_migration::sea_orm::DatabaseConnection, name: &str) -> bool {
    SchemaManager::new(db).has_table(name).await.unwrap()
}
{%- endif %}

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let database = TestDatabase::create().await;
    let db = database.connection();

    Migrator::up(db, None).await.expect("up from empty");
    assert!(has_collection(db, "{{aggregates}}").await);
    let pending = Migrator::get_pending_migrations(db).await.unwrap();
    assert!(pending.is_empty());

    Migrator::down(db, Some(1)).await.expect("down one step");
    let pending = Migrator::get_pending_migrations(db).await.unwrap();
    assert_eq!(pending.len(), 1, "only the last migration is reverted");

    Migrator::down(db, None).await.expect("down to empty");
    assert!(!has_collection(db, "{{aggregates}}").await);
    let pending = Migrator::get_pending_migrations(db).await.unwrap();
    assert_eq!(pending.len(), Migrator::migrations().len());

    Migrator::up(db, None).await.expect("up again");
    assert!(has_collection(db, "{{aggregates}}").await);
}

#[tokio::test]
async fn up_is_idempotent() {
    let database = TestDatabase::create().await;
    let db = database.connection();
    Migrator::up(db, None).await.expect("first up");
    Migrator::up(db, None).await.expect("second up is a no-op");
    let applied = Migrator::get_applied_migrations(db).await.unwrap();
    assert_eq!(applied.len(), Migrator::migrations().len());
}
