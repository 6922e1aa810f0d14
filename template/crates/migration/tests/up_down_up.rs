//! Every migration must apply, revert and re-apply cleanly on a real database.

use {{crate_name}}_migration::{Migrator, MigratorTrait};
use {{crate_name}}_persistence_model::test_support::TestDatabase;
use sea_orm_migration::SchemaManager;

#[tokio::test]
async fn migrations_go_up_down_and_up_again() {
    let database = TestDatabase::create().await;
    let db = database.connection();
    let manager = SchemaManager::new(db);

    Migrator::up(db, None).await.expect("up from empty");
    assert!(manager.has_table("{{aggregates}}").await.unwrap());
    assert!(
        Migrator::get_pending_migrations(db)
            .await
            .unwrap()
            .is_empty()
    );

    Migrator::down(db, None).await.expect("down to empty");
    assert!(!manager.has_table("{{aggregates}}").await.unwrap());
    let pending = Migrator::get_pending_migrations(db).await.unwrap();
    assert_eq!(pending.len(), Migrator::migrations().len());

    Migrator::up(db, None).await.expect("up again");
    assert!(manager.has_table("{{aggregates}}").await.unwrap());
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
