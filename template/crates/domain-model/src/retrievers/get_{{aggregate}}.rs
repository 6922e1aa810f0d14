use std::sync::Arc;

use {{crate_name}}_persistence_model::Store;

use crate::{DomainError, Result};

use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// Loads one {{aggregate_title}} by id.
#[derive(Debug, Clone)]
pub struct Get{{Aggregate}}Retriever {
    store: Arc<dyn Store>,
}

impl Get{{Aggregate}}Retriever {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    #[tracing::instrument(name = "Get{{Aggregate}}Retriever", skip(self))]
    pub async fn retrieve(&self, id: {{Aggregate}}Id) -> Result<{{Aggregate}}> {
        let found = self.store.{{aggregates}}().get_by_id(id).await?;
        found.ok_or_else(|| DomainError::not_found::<{{Aggregate}}>(id))
    }
}
