//! Retriever behaviour on the in-memory store (held to the same contract as
//! the real database by the persistence model's contract suite).

use std::sync::Arc;

use {{crate_name}}_entity_model::AggregateRoot;
use {{crate_name}}_persistence_model::in_memory::InMemoryStore;
use {{crate_name}}_persistence_model::{Page, Store};

use super::*;
use crate::DomainError;
use crate::processors::Create{{Aggregate}}Processor;

use crate::{{Aggregate}}Input;
use {{crate_name}}_entity_model::{{Aggregate}}Id;

/// A store with three {{aggregates}}: apple (300), banana (150), cherry (500).
async fn store() -> Arc<dyn Store> {
    let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
    let create = Create{{Aggregate}}Processor::new(store.clone());
    for (name, amount_cents) in [("apple", 300), ("banana", 150), ("cherry", 500)] {
        let input = {{Aggregate}}Input {
            name: name.to_owned(),
            description: None,
            amount_cents,
            status: None,
        };
        create.process(input).await.unwrap();
    }
    store
}

fn names(page: &Page<{{crate_name}}_entity_model::{{Aggregate}}>) -> Vec<&str> {
    page.items.iter().map(|a| a.name().as_str()).collect()
}

#[tokio::test]
async fn get_finds_by_id_and_reports_an_unknown_one() {
    let store = store().await;
    let list = List{{Aggregates}}Retriever::new(store.clone());
    let get = Get{{Aggregate}}Retriever::new(store);
    let first = list.retrieve(&Default::default()).await.unwrap();
    let id = first.items[0].id();
    assert_eq!(get.retrieve(id).await.unwrap().id(), id);
    let unknown = get.retrieve({{Aggregate}}Id::generate()).await;
    assert!(matches!(unknown, Err(DomainError::NotFound { .. })));
}

#[tokio::test]
async fn list_filters_sorts_and_pages() {
    let list = List{{Aggregates}}Retriever::new(store().await);
    let query = List{{Aggregates}}Query {
        min_amount_cents: Some(200),
        sort: Some("-amount_cents".to_owned()),
        page_size: Some(1),
        ..Default::default()
    };
    let page = list.retrieve(&query).await.unwrap();
    assert_eq!(names(&page), ["cherry"]);
    assert_eq!(page.total, 2, "the total counts every page");
    let second = List{{Aggregates}}Query {
        page: Some(2),
        ..query
    };
    let page = list.retrieve(&second).await.unwrap();
    assert_eq!(names(&page), ["apple"]);
    let contains = List{{Aggregates}}Query {
        name_contains: Some("AN".to_owned()),
        ..Default::default()
    };
    assert_eq!(names(&list.retrieve(&contains).await.unwrap()), ["banana"]);
}

#[tokio::test]
async fn list_refuses_bad_parameters() {
    let list = List{{Aggregates}}Retriever::new(store().await);
    let query = List{{Aggregates}}Query {
        status: Some("shipped".to_owned()),
        ..Default::default()
    };
    let refused = list.retrieve(&query).await;
    assert!(matches!(refused, Err(DomainError::Validation(_))));
}
{%- if message_bus == "rabbitmq" %}

mod activity {
    use chrono::Utc;

    use super::*;
    use crate::processors::Delete{{Aggregate}}Processor;
    use crate::subscribers::Record{{Aggregate}}ActivityProcessor as Record;

    use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
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
{%- endif %}
