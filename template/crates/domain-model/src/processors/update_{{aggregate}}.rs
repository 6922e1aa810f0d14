use std::sync::Arc;

use chrono::Utc;

use super::{check_expected_version, save_failed};
use crate::{DomainError, Result};

use {{crate_name}}_entity_model::Version;
use {{crate_name}}_persistence_model::Store;

use crate::{{Aggregate}}Input;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_persistence_model::{{Aggregate}}Specification;

/// Replaces the writable fields of {{an_aggregate}} (PUT semantics).
#[derive(Debug, Clone)]
pub struct Update{{Aggregate}}Processor {
    store: Arc<dyn Store>,
}

impl Update{{Aggregate}}Processor {
    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// `expected_version` comes from `If-Match`; `None` means "any version",
    /// and a concurrent writer still makes this fail with `Conflict`.
    #[tracing::instrument(name = "Update{{Aggregate}}Processor", skip(self, input))]
    pub async fn process(
        &self,
        id: {{Aggregate}}Id,
        expected_version: Option<Version>,
        input: {{Aggregate}}Input,
    ) -> Result<{{Aggregate}}> {
        let changes = input.parse()?;
        let mut uow = self.store.begin().await?;
        let found = uow.{{aggregates}}().get_by_id(id).await?;
        let mut aggregate = found.ok_or_else(|| DomainError::not_found::<{{Aggregate}}>(id))?;
        check_expected_version(&aggregate, expected_version)?;
        let renamed = changes.name != *aggregate.name();
        let name = {{Aggregate}}Specification::named(&changes.name);
        if renamed && uow.{{aggregates}}().exists(&name).await? {
            return Err(DomainError::AlreadyExists { field: "name" });
        }
        aggregate.apply(changes, Utc::now())?;
        let saved = uow.{{aggregates}}().update(&aggregate).await;
        let saved = saved.map_err(save_failed::<{{Aggregate}}>(id))?;
        uow.record(aggregate.take_domain_events());
        uow.commit().await?;
        Ok(saved)
    }
}
