use std::sync::Arc;

use {{crate_name}}_persistence_model::{Page, Store};

use crate::{DomainError, Result, paging};

use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// The events one {{aggregate_title}} went through, as the activity subscriber
/// recorded them: oldest version first, paged like every list.
#[derive(Debug, Clone)]
pub struct List{{Aggregate}}ActivityRetriever {
    store: Arc<dyn Store>,
}

impl List{{Aggregate}}ActivityRetriever {
    pub const DEFAULT_PAGE_SIZE: u64 = paging::DEFAULT_PAGE_SIZE;

    pub fn new(store: Arc<dyn Store>) -> Self {
        Self { store }
    }

    /// Page `page` (1-based, default 1) of `page_size` records (default 20).
    ///
    /// A {{aggregate_title}} that does not exist, or no longer does, has no
    /// feed: `NotFound`, as for its representation. Its records stay stored
    /// (the subscriber may still be catching up), but the API shows none.
    #[tracing::instrument(skip(self))]
    pub async fn retrieve(
        &self,
        id: {{Aggregate}}Id,
        page: Option<u64>,
        page_size: Option<u64>,
    ) -> Result<Page<Activity>> {
        let mut errors = Vec::new();
        let page = page.unwrap_or(1);
        let page_size = page_size.unwrap_or(paging::DEFAULT_PAGE_SIZE);
        let Some((skip, take)) = paging::skip_and_take(page, page_size, &mut errors) else {
            return Err(DomainError::Validation(errors));
        };
        let found = self.store.{{aggregates}}().get_by_id(id).await?;
        if found.is_none() {
            return Err(DomainError::NotFound { id: id.to_string() });
        }
        let activity = self.store.{{aggregate}}_activity();
        Ok(activity.list(id, skip, take).await?)
    }
}
