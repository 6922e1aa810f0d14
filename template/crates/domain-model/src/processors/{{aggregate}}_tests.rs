//! Processor behaviour on the in-memory store (held to the same contract as
//! the real database by the persistence model's contract tests).

use std::sync::Arc;

use {{crate_name}}_entity_model::AggregateRoot;
use {{crate_name}}_persistence_model::Store;
use {{crate_name}}_persistence_model::in_memory::InMemoryStore;

use super::*;
use crate::DomainError;

use crate::{{Aggregate}}Input;
use {{crate_name}}_entity_model::{{Aggregate}}Status;

fn input(name: &str, status: Option<{{Aggregate}}Status>) -> {{Aggregate}}Input {
    {{Aggregate}}Input {
        name: name.to_owned(),
        description: Some("two legs".to_owned()),
        amount_cents: 4200,
        status,
    }
}

fn store() -> Arc<dyn Store> {
    Arc::new(InMemoryStore::new())
}

#[tokio::test]
async fn create_stores_a_draft() {
    let store = store();
    let create = Create{{Aggregate}}Processor::new(store.clone());
    let created = create.process(input("Desk", None)).await.unwrap();
    assert_eq!(created.status(), {{Aggregate}}Status::Draft);
    let repo = store.{{aggregates}}();
    let stored = repo.get_by_id(created.id()).await.unwrap();
    assert_eq!(stored.unwrap().state(), created.state());
}

#[tokio::test]
async fn create_refuses_a_taken_name_and_bad_input() {
    let create = Create{{Aggregate}}Processor::new(store());
    create.process(input("Desk", None)).await.unwrap();
    let again = create.process(input("Desk", None)).await;
    assert!(matches!(
        again,
        Err(DomainError::AlreadyExists { field: "name" })
    ));
    let blank = create.process(input(" ", None)).await;
    assert!(matches!(blank, Err(DomainError::Validation(_))));
}

#[tokio::test]
async fn update_checks_the_expected_version() {
    let store = store();
    let create = Create{{Aggregate}}Processor::new(store.clone());
    let update = Update{{Aggregate}}Processor::new(store.clone());
    let created = create.process(input("Desk", None)).await.unwrap();
    let active = Some({{Aggregate}}Status::Active);
    let id = created.id();
    let stale = update.process(id, Some(7), input("Desk", active)).await;
    assert!(matches!(
        stale,
        Err(DomainError::PreconditionFailed {
            expected: 7,
            actual: 1
        })
    ));
    let updated = update.process(id, Some(1), input("Table", active)).await;
    let updated = updated.unwrap();
    assert_eq!(updated.version(), 2);
    assert_eq!(updated.name().as_str(), "Table");
}

#[tokio::test]
async fn update_enforces_the_aggregate_rules() {
    let store = store();
    let create = Create{{Aggregate}}Processor::new(store.clone());
    let update = Update{{Aggregate}}Processor::new(store.clone());
    let created = create.process(input("Desk", None)).await.unwrap();
    let archived = Some({{Aggregate}}Status::Archived);
    let id = created.id();
    update
        .process(id, None, input("Desk", archived))
        .await
        .unwrap();
    let refused = update.process(id, None, input("Desk", archived)).await;
    assert!(matches!(refused, Err(DomainError::RuleViolation(_))));
}

#[tokio::test]
async fn update_and_delete_of_unknown_ids_are_not_found() {
    let store = store();
    let update = Update{{Aggregate}}Processor::new(store.clone());
    let delete = Delete{{Aggregate}}Processor::new(store.clone());
    let unknown = {{crate_name}}_entity_model::{{Aggregate}}Id::generate();
    let updated = update.process(unknown, None, input("Desk", None)).await;
    assert!(matches!(updated, Err(DomainError::NotFound { .. })));
    let deleted = delete.process(unknown, None).await;
    assert!(matches!(deleted, Err(DomainError::NotFound { .. })));
}

#[tokio::test]
async fn delete_removes_and_checks_the_version() {
    let store = store();
    let create = Create{{Aggregate}}Processor::new(store.clone());
    let delete = Delete{{Aggregate}}Processor::new(store.clone());
    let created = create.process(input("Desk", None)).await.unwrap();
    let stale = delete.process(created.id(), Some(2)).await;
    assert!(matches!(stale, Err(DomainError::PreconditionFailed { .. })));
    delete.process(created.id(), Some(1)).await.unwrap();
    let repo = store.{{aggregates}}();
    assert!(repo.get_by_id(created.id()).await.unwrap().is_none());
}

#[tokio::test]
async fn a_lost_update_race_is_a_conflict() {
    let store = store();
    let create = Create{{Aggregate}}Processor::new(store.clone());
    let created = create.process(input("Desk", None)).await.unwrap();
    // Another writer commits between this processor's read and its commit:
    // simulated by holding a unit of work open across the other update.
    let racing = store.begin().await.unwrap();
    let read = racing.{{aggregates}}().get_by_id(created.id()).await;
    let mut read = read.unwrap().unwrap();
    let update = Update{{Aggregate}}Processor::new(store.clone());
    let active = Some({{Aggregate}}Status::Active);
    update
        .process(created.id(), None, input("Chair", active))
        .await
        .unwrap();
    let changes = input("Stool", active).parse().unwrap();
    read.apply(changes, chrono::Utc::now()).unwrap();
    let updated = racing.{{aggregates}}().update(&read).await;
    let outcome = match updated {
        Ok(_) => racing.commit().await,
        Err(err) => Err(err),
    };
    let mapped = outcome.map_err(DomainError::from);
    assert!(matches!(mapped, Err(DomainError::Conflict)));
}
