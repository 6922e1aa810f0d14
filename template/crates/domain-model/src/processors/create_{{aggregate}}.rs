use std::sync::Arc;

use chrono::Utc;

use crate::{DomainError, Result};

use {{crate_name}}_persistence_model::Store;

use crate::{{Aggregate}}Input;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

/// Creates {{an_aggregate}} in `Draft`.
#[derive(Debug, Clone)]
pub struct Create{{Aggregate}}Processor {
    store: Arc<dyn Store>,
}

impl Create{{Aggregate}}Processor {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    #[tracing::instrument(name = "Create{{Aggregate}}Processor", skip_all, fields(name = %input.name))]
    pub async fn process(&self, input: {{Aggregate}}Input) -> Result<{{Aggregate}}> {
        let changes = input.parse()?;
        let description = changes.description;
        let now = Utc::now();
        let mut aggregate = {{Aggregate}}::create(changes.name, description, changes.amount, now);
        let mut uow = self.store.begin().await?;
        // A friendly check first; the unique index still decides under races.
        let same_name = {{Aggregate}}Specification::named(aggregate.name());
        if uow.{{aggregates}}().exists(&same_name).await? {
            return Err(DomainError::AlreadyExists { field: "name" });
        }
        uow.{{aggregates}}().insert(&aggregate).await?;
        uow.record(aggregate.take_domain_events());
        uow.commit().await?;
        Ok(aggregate)
    }
}
