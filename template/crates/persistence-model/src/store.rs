use async_trait::async_trait;

use crate::Result;

use crate::{{Aggregate}}Repository;

/// A set of changes that commit or roll back together (one database transaction).
///
/// Dropping a unit of work without calling [`commit`](Self::commit) rolls it
/// back, so an early `?` return can never leave half a change behind. The
/// rollback of a dropped unit of work may finish in the background; call
/// [`rollback`](Self::rollback) to wait for it.
#[async_trait]
pub trait UnitOfWork: Send + std::fmt::Debug {
    /// The repository whose operations belong to this unit of work.
    fn {{aggregates}}(&self) -> &dyn {{Aggregate}}Repository;

    async fn commit(self: Box<Self>) -> Result<()>;

    async fn rollback(self: Box<Self>) -> Result<()>;
}

/// Entry point to a storage backend: repositories for reads, units of work for
/// writes, and a health check.
#[async_trait]
pub trait Store: Send + Sync + std::fmt::Debug {
    /// The repository for reads outside any unit of work.
    fn {{aggregates}}(&self) -> &dyn {{Aggregate}}Repository;

    /// Starts a unit of work.
    async fn begin(&self) -> Result<Box<dyn UnitOfWork>>;

    /// Succeeds when the backend answers.
    async fn ping(&self) -> Result<()>;
}
