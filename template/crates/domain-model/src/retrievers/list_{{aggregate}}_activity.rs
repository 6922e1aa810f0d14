use std::sync::Arc;

use {{crate_name}}_persistence_model::{Page, Store};

use crate::{DomainError, Result, paging};

use {{crate_name}}_entity_model::{{Aggregate}};
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
    #[tracing::instrument(name = "List{{Aggregate}}ActivityRetriever", skip(self))]
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
            return Err(DomainError::not_found::<{{Aggregate}}>(id));
        }
        let activity = self.store.{{aggregate}}_activity();
        Ok(activity.list(id, skip, take).await?)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::processors::Delete{{Aggregate}}Processor;
    use crate::retrievers::List{{Aggregates}}Retriever;
    use crate::subscribers::Record{{Aggregate}}ActivityProcessor as Record;
    use {{crate_name}}_entity_model::AggregateRoot;

    use crate::retrievers::{{aggregate}}_tests::store;
    use {{crate_name}}_entity_model::{{Aggregate}}EventKind as Kind;

    /// The first {{aggregate}} of `store` and three records of its activity.
    async fn with_activity(store: &Arc<dyn Store>) -> {{Aggregate}}Id {
        let list = List{{Aggregates}}Retriever::new(store.clone());
        let id = list.retrieve(&Default::default()).await.unwrap().items[0].id();
        let record = Record::new(store.clone(), "feed");
        for version in [3, 1, 2] {
            let activity = Activity {
                event_id: {{Aggregate}}Id::generate().as_uuid(),
                {{aggregate}}_id: id,
                kind: Kind::Updated,
                version,
                occurred_at: Utc::now(),
                recorded_at: Utc::now(),
            };
            record.process(&activity).await.unwrap();
        }
        id
    }

    #[tokio::test]
    async fn the_feed_is_in_version_order_and_paged() {
        let store = store().await;
        let id = with_activity(&store).await;
        let feed = List{{Aggregate}}ActivityRetriever::new(store);
        let page = feed.retrieve(id, Some(2), Some(2)).await.unwrap();
        let versions: Vec<_> = page.items.iter().map(|a| a.version).collect();
        assert_eq!((versions, page.total), (vec![3], 3));
        let first = feed.retrieve(id, None, None).await.unwrap();
        let versions: Vec<_> = first.items.iter().map(|a| a.version).collect();
        assert_eq!(versions, [1, 2, 3]);
    }

    #[tokio::test]
    async fn an_unknown_or_deleted_{{aggregate}}_has_no_feed() {
        let store = store().await;
        let id = with_activity(&store).await;
        let feed = List{{Aggregate}}ActivityRetriever::new(store.clone());
        let unknown = {{Aggregate}}Id::generate();
        let unknown = feed.retrieve(unknown, None, None).await;
        assert!(matches!(unknown, Err(DomainError::NotFound { .. })));
        let delete = Delete{{Aggregate}}Processor::new(store);
        delete.process(id, None).await.unwrap();
        let deleted = feed.retrieve(id, None, None).await;
        assert!(matches!(deleted, Err(DomainError::NotFound { .. })));
    }

    #[tokio::test]
    async fn bad_paging_is_refused_before_any_read() {
        let feed = List{{Aggregate}}ActivityRetriever::new(store().await);
        let unknown = {{Aggregate}}Id::generate();
        let refused = feed.retrieve(unknown, Some(0), Some(101)).await;
        let Err(DomainError::Validation(fields)) = refused else {
            panic!("expected a validation error, got {refused:?}");
        };
        assert_eq!(fields.len(), 2);
    }
}
