use std::sync::Arc;

use chrono::Utc;

use super::{check_expected_version, save_failed};
use crate::{DomainError, Result};

use {{crate_name}}_entity_model::Version;
use {{crate_name}}_persistence_model::Store;

use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// Deletes {{an_aggregate}}.
#[derive(Debug, Clone)]
pub struct Delete{{Aggregate}}Processor {
    store: Arc<dyn Store>,
}

impl Delete{{Aggregate}}Processor {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    #[tracing::instrument(name = "Delete{{Aggregate}}Processor", skip(self))]
    pub async fn process(&self, id: {{Aggregate}}Id, expected: Option<Version>) -> Result<()> {
        let mut uow = self.store.begin().await?;
        let found = uow.{{aggregates}}().get_by_id(id).await?;
        let mut aggregate = found.ok_or_else(|| DomainError::not_found::<{{Aggregate}}>(id))?;
        check_expected_version(&aggregate, expected)?;
        aggregate.delete(Utc::now());
        let deleted = uow.{{aggregates}}().delete(&aggregate).await;
        deleted.map_err(save_failed::<{{Aggregate}}>(id))?;
        uow.record(aggregate.take_domain_events());
        uow.commit().await?;
        Ok(())
    }
}
