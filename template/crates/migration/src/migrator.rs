//! A small versioned-migration runner for MongoDB, shaped like
//! `sea_orm_migration`'s so the service drives both the same way.

use async_trait::async_trait;
use mongodb::Database;
use mongodb::bson::{DateTime, Document, doc};
use mongodb::error::Result;

/// Where applied migrations are recorded: `{ _id: name, applied_at }`.
pub const MIGRATIONS_COLLECTION: &str = "_migrations";

/// One reversible schema change.
#[async_trait]
pub trait MigrationTrait: Send + Sync {
    /// Unique and stable: it is the record of the migration having run.
    fn name(&self) -> &'static str;

    async fn up(&self, db: &Database) -> Result<()>;

    async fn down(&self, db: &Database) -> Result<()>;
}

/// Applies and reverts [`MigrationTrait`]s in their listed order.
///
/// Callers serialise runs (the service's startup lock); the runner itself
/// only guarantees that a migration is recorded after its `up` succeeded.
#[async_trait]
pub trait MigratorTrait {
    /// Every migration, oldest first.
    fn migrations() -> Vec<Box<dyn MigrationTrait>>;

    async fn get_applied_migrations(db: &Database) -> Result<Vec<Box<dyn MigrationTrait>>> {
        let applied = applied_names(db).await?;
        let all = Self::migrations().into_iter();
        Ok(all
            .filter(|m| applied.iter().any(|name| name == m.name()))
            .collect())
    }

    async fn get_pending_migrations(db: &Database) -> Result<Vec<Box<dyn MigrationTrait>>> {
        let applied = applied_names(db).await?;
        let all = Self::migrations().into_iter();
        Ok(all
            .filter(|m| !applied.iter().any(|name| name == m.name()))
            .collect())
    }

    /// Like SeaORM's: the status without writing anything. Reading the
    /// `_migrations` collection never creates it, so these are the same
    /// functions; readiness and `migrate status` call these names on every
    /// backend.
    async fn get_applied_migrations_read_only(
        db: &Database,
    ) -> Result<Vec<Box<dyn MigrationTrait>>> {
        Self::get_applied_migrations(db).await
    }

    async fn get_pending_migrations_read_only(
        db: &Database,
    ) -> Result<Vec<Box<dyn MigrationTrait>>> {
        Self::get_pending_migrations(db).await
    }

    /// Applies the next `steps` pending migrations (all of them for `None`).
    async fn up(db: &Database, steps: Option<u32>) -> Result<()> {
        let pending = Self::get_pending_migrations(db).await?;
        let steps = steps.map_or(usize::MAX, |n| n as usize);
        for migration in pending.into_iter().take(steps) {
            migration.up(db).await?;
            let record = doc! { "_id": migration.name(), "applied_at": DateTime::now() };
            records(db).insert_one(record).await?;
        }
        Ok(())
    }

    /// Reverts the last `steps` applied migrations (all of them for `None`).
    async fn down(db: &Database, steps: Option<u32>) -> Result<()> {
        let applied = Self::get_applied_migrations(db).await?;
        let steps = steps.map_or(usize::MAX, |n| n as usize);
        for migration in applied.into_iter().rev().take(steps) {
            migration.down(db).await?;
            let record = doc! { "_id": migration.name() };
            records(db).delete_one(record).await?;
        }
        Ok(())
    }
}

fn records(db: &Database) -> mongodb::Collection<Document> {
    db.collection(MIGRATIONS_COLLECTION)
}

async fn applied_names(db: &Database) -> Result<Vec<String>> {
    let mut cursor = records(db).find(doc! {}).await?;
    let mut names = Vec::new();
    while cursor.advance().await? {
        let record = cursor.deserialize_current()?;
        if let Ok(name) = record.get_str("_id") {
            names.push(name.to_owned());
        }
    }
    Ok(names)
}
