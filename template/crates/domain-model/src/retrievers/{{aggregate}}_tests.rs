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
pub(super) async fn store() -> Arc<dyn Store> {
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
