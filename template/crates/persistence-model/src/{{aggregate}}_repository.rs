use async_trait::async_trait;

use crate::Result;

use crate::{{Aggregate}}Specification;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// The only way to store and load [`{{Aggregate}}`] aggregates (one repository per
/// aggregate root). Obtained from a [`crate::Store`] for reads, or from a
/// [`crate::UnitOfWork`] for changes that must commit together.
#[async_trait]
pub trait {{Aggregate}}Repository: Send + Sync {
    /// Stores a new aggregate; [`Duplicate`](crate::PersistenceError::Duplicate)
    /// if its id or name is taken.
    async fn insert(&self, aggregate: &{{Aggregate}}) -> Result<()>;

    /// Stores `aggregate` if the stored version is still `aggregate.version()`
    /// and returns it with its new version. Otherwise
    /// [`VersionConflict`](crate::PersistenceError::VersionConflict) or
    /// [`NotFound`](crate::PersistenceError::NotFound), and nothing changes.
    async fn update(&self, aggregate: &{{Aggregate}}) -> Result<{{Aggregate}}>;

    /// Deletes the aggregate if the stored version is still `aggregate.version()`,
    /// with the same errors as [`update`](Self::update).
    async fn delete(&self, aggregate: &{{Aggregate}}) -> Result<()>;

    async fn get_by_id(&self, id: {{Aggregate}}Id) -> Result<Option<{{Aggregate}}>>;

    /// The matching aggregates, sorted, skipped and limited as `spec` says.
    async fn find(&self, spec: &{{Aggregate}}Specification) -> Result<Vec<{{Aggregate}}>>;

    /// How many aggregates match, ignoring sort and paging.
    async fn count(&self, spec: &{{Aggregate}}Specification) -> Result<u64>;

    /// Whether any aggregate matches.
    async fn exists(&self, spec: &{{Aggregate}}Specification) -> Result<bool> {
        Ok(self.count(spec).await? > 0)
    }
}
