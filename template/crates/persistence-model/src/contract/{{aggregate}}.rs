//! The contract cases of the {{aggregate_title}} repository.

// Test code: a panic is how a failed expectation is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Utc;

use crate::{Filter, Page, PersistenceError, SortDirection, Store};

use {{crate_name}}_entity_model::{AggregateRoot, Amount, Description, Name};

use crate::{{Aggregate}}Condition as Condition;
use crate::{{Aggregate}}SortKey as SortKey;
use crate::{{Aggregate}}Specification as Spec;
use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Changes;
use {{crate_name}}_entity_model::{{Aggregate}}Status as Status;

/// Instantiates the {{aggregate_title}} cases in a test module `{{aggregate}}`.
#[macro_export]
macro_rules! {{aggregate}}_contract {
    ($store:expr) => {
        mod {{aggregate}} {
            use super::*;

            $crate::contract_suite!(@cases $store; {{aggregate}};
                insert_then_get_returns_the_same_state,
                get_unknown_id_is_none,
                insert_duplicate_id_or_name_is_refused,
                update_bumps_the_version,
                stale_update_is_a_conflict,
                concurrent_units_of_work_cannot_both_win,
                update_or_delete_of_missing_is_not_found,
                delete_checks_the_version,
                uncommitted_work_is_invisible_and_dropped,
                unit_of_work_commits_all_or_nothing,
                specifications_filter,
                like_wildcards_match_literally,
                empty_combinations_have_fixed_meanings,
                sorting_and_paging_are_stable,
            );
        }
    };
}

fn new_aggregate(name: &str, cents: i64) -> {{Aggregate}} {
    let name = Name::parse(name).unwrap();
    let description = Some(Description::parse("for the contract").unwrap());
    let amount = Amount::from_cents(cents).unwrap();
    let mut aggregate = {{Aggregate}}::create(name, description, amount, Utc::now());
    aggregate.take_events();
    aggregate
}

fn renamed(from: &{{Aggregate}}, name: &str, status: Status) -> {{Aggregate}} {
    let mut changed = from.clone();
    let changes = {{Aggregate}}Changes {
        name: Name::parse(name).unwrap(),
        description: None,
        status,
        amount: from.amount(),
    };
    changed.apply(changes, Utc::now()).unwrap();
    changed.take_events();
    changed
}

async fn insert_committed(store: &dyn Store, aggregate: &{{Aggregate}}) {
    let uow = store.begin().await.unwrap();
    uow.{{aggregates}}().insert(aggregate).await.unwrap();
    uow.commit().await.unwrap();
}

async fn names(store: &dyn Store, spec: &Spec) -> Vec<String> {
    let found = store.{{aggregates}}().find(spec).await.unwrap();
    found.iter().map(|a| a.name().as_str().to_owned()).collect()
}

pub async fn insert_then_get_returns_the_same_state(store: &dyn Store) {
    let aggregate = new_aggregate("alpha", 100);
    insert_committed(store, &aggregate).await;
    let repo = store.{{aggregates}}();
    let loaded = repo.get_by_id(aggregate.id()).await.unwrap();
    assert_eq!(loaded.as_ref().map(|a| a.state()), Some(aggregate.state()));
}

pub async fn get_unknown_id_is_none(store: &dyn Store) {
    let unknown = new_aggregate("ghost", 1);
    let repo = store.{{aggregates}}();
    assert!(repo.get_by_id(unknown.id()).await.unwrap().is_none());
}

pub async fn insert_duplicate_id_or_name_is_refused(store: &dyn Store) {
    let first = new_aggregate("alpha", 100);
    insert_committed(store, &first).await;
    let uow = store.begin().await.unwrap();
    let same_id = uow.{{aggregates}}().insert(&first).await;
    assert!(matches!(same_id, Err(PersistenceError::Duplicate)));
    drop(uow);
    let uow = store.begin().await.unwrap();
    let same_name = new_aggregate("alpha", 5);
    let result = uow.{{aggregates}}().insert(&same_name).await;
    assert!(matches!(result, Err(PersistenceError::Duplicate)));
    drop(uow);
    let total = store.{{aggregates}}().count(&Spec::all()).await.unwrap();
    assert_eq!(total, 1, "a refused insert stores nothing");
}

pub async fn update_bumps_the_version(store: &dyn Store) {
    let aggregate = new_aggregate("alpha", 100);
    insert_committed(store, &aggregate).await;
    let active = Status::Active;
    let changed = renamed(&aggregate, "beta", active);
    let uow = store.begin().await.unwrap();
    let saved = uow.{{aggregates}}().update(&changed).await.unwrap();
    uow.commit().await.unwrap();
    assert_eq!(saved.version(), aggregate.version() + 1);
    let repo = store.{{aggregates}}();
    let loaded = repo.get_by_id(aggregate.id()).await.unwrap().unwrap();
    assert_eq!(loaded.state(), saved.state());
    assert_eq!(loaded.name().as_str(), "beta");
}

pub async fn stale_update_is_a_conflict(store: &dyn Store) {
    let aggregate = new_aggregate("alpha", 100);
    insert_committed(store, &aggregate).await;
    let draft = Status::Draft;
    let first = renamed(&aggregate, "first", draft);
    let uow = store.begin().await.unwrap();
    uow.{{aggregates}}().update(&first).await.unwrap();
    uow.commit().await.unwrap();
    // Still at the version read before the first update.
    let stale = renamed(&aggregate, "second", draft);
    let uow = store.begin().await.unwrap();
    let result = uow.{{aggregates}}().update(&stale).await;
    assert!(matches!(result, Err(PersistenceError::VersionConflict)));
    drop(uow);
    let repo = store.{{aggregates}}();
    let loaded = repo.get_by_id(aggregate.id()).await.unwrap().unwrap();
    assert_eq!(loaded.name().as_str(), "first");
}

pub async fn concurrent_units_of_work_cannot_both_win(store: &dyn Store) {
    let aggregate = new_aggregate("alpha", 100);
    insert_committed(store, &aggregate).await;
    // Two writers change the version both of them read, at once. Which one
    // waits for the other depends on the backend (SQLite lets one writer in
    // at a time, the servers lock the row, snapshots conflict at commit):
    // exactly one wins.
    let read = &aggregate;
    let write = |name: &'static str| async move {
        let change = renamed(read, name, Status::Draft);
        let uow = store.begin().await?;
        tokio::task::yield_now().await;
        uow.{{aggregates}}().update(&change).await?;
        uow.commit().await
    };
    let (first, second) = tokio::join!(write("first"), write("second"));
    let winner = match (&first, &second) {
        (Ok(()), Err(PersistenceError::VersionConflict)) => "first",
        (Err(PersistenceError::VersionConflict), Ok(())) => "second",
        outcomes => panic!("exactly one writer must win, got {outcomes:?}"),
    };
    let repo = store.{{aggregates}}();
    let loaded = repo.get_by_id(aggregate.id()).await.unwrap().unwrap();
    assert_eq!(loaded.name().as_str(), winner);
    assert_eq!(loaded.version(), aggregate.version() + 1);
}

pub async fn update_or_delete_of_missing_is_not_found(store: &dyn Store) {
    let missing = new_aggregate("ghost", 1);
    let uow = store.begin().await.unwrap();
    let updated = uow.{{aggregates}}().update(&missing).await;
    assert!(matches!(updated, Err(PersistenceError::NotFound)));
    let deleted = uow.{{aggregates}}().delete(&missing).await;
    assert!(matches!(deleted, Err(PersistenceError::NotFound)));
}

pub async fn delete_checks_the_version(store: &dyn Store) {
    let aggregate = new_aggregate("alpha", 100);
    insert_committed(store, &aggregate).await;
    let draft = Status::Draft;
    let uow = store.begin().await.unwrap();
    let saved = uow
        .{{aggregates}}()
        .update(&renamed(&aggregate, "beta", draft))
        .await
        .unwrap();
    uow.commit().await.unwrap();
    let uow = store.begin().await.unwrap();
    let stale = uow.{{aggregates}}().delete(&aggregate).await;
    assert!(matches!(stale, Err(PersistenceError::VersionConflict)));
    uow.{{aggregates}}().delete(&saved).await.unwrap();
    uow.commit().await.unwrap();
    let repo = store.{{aggregates}}();
    assert!(repo.get_by_id(aggregate.id()).await.unwrap().is_none());
}

pub async fn uncommitted_work_is_invisible_and_dropped(store: &dyn Store) {
    let aggregate = new_aggregate("alpha", 100);
    let uow = store.begin().await.unwrap();
    uow.{{aggregates}}().insert(&aggregate).await.unwrap();
    let inside = uow.{{aggregates}}().get_by_id(aggregate.id()).await;
    assert!(inside.unwrap().is_some(), "it reads its own writes");
    let repo = store.{{aggregates}}();
    let outside = repo.get_by_id(aggregate.id()).await.unwrap();
    assert!(outside.is_none(), "uncommitted work is not visible");
    drop(uow);
    assert!(repo.get_by_id(aggregate.id()).await.unwrap().is_none());
    // Another aggregate: a dropped unit of work may still be rolling back
    // in the background (MongoDB aborts a dropped session's transaction
    // asynchronously), and writing the same document could meet it.
    let other = new_aggregate("beta", 100);
    let uow = store.begin().await.unwrap();
    uow.{{aggregates}}().insert(&other).await.unwrap();
    uow.rollback().await.unwrap();
    assert!(repo.get_by_id(other.id()).await.unwrap().is_none());
}

pub async fn unit_of_work_commits_all_or_nothing(store: &dyn Store) {
    let repo = store.{{aggregates}}();
    // All: two writes, invisible until the commit, then both there.
    let first = new_aggregate("first", 1);
    let second = new_aggregate("second", 2);
    let uow = store.begin().await.unwrap();
    uow.{{aggregates}}().insert(&first).await.unwrap();
    uow.{{aggregates}}().insert(&second).await.unwrap();
    assert_eq!(repo.count(&Spec::all()).await.unwrap(), 0);
    uow.commit().await.unwrap();
    assert_eq!(repo.count(&Spec::all()).await.unwrap(), 2);
    // Nothing: a unit of work that fails halfway (as a processor's `?`
    // leaves it) keeps none of its earlier writes.
    let fresh = new_aggregate("fresh", 3);
    let uow = store.begin().await.unwrap();
    uow.{{aggregates}}().insert(&fresh).await.unwrap();
    let clash = new_aggregate("first", 4);
    let failed = uow.{{aggregates}}().insert(&clash).await;
    assert!(matches!(failed, Err(PersistenceError::Duplicate)));
    drop(uow);
    assert!(repo.get_by_id(fresh.id()).await.unwrap().is_none());
    assert_eq!(repo.count(&Spec::all()).await.unwrap(), 2);
}

async fn seed(store: &dyn Store) {
    let rows = [
        ("apple pie", 300, Status::Draft),
        ("banana split", 150, Status::Active),
        ("cherry tart", 500, Status::Active),
        ("date loaf", 150, Status::Archived),
        ("elder 50%_off", 20, Status::Draft),
    ];
    for (name, cents, status) in rows {
        let aggregate = new_aggregate(name, cents);
        insert_committed(store, &aggregate).await;
        if status != Status::Draft {
            let changed = renamed(&aggregate, name, status);
            let uow = store.begin().await.unwrap();
            uow.{{aggregates}}().update(&changed).await.unwrap();
            uow.commit().await.unwrap();
        }
    }
}

pub async fn specifications_filter(store: &dyn Store) {
    seed(store).await;
    let by_name = Spec::all().sorted_by(SortKey::Name, SortDirection::Ascending);
    let active = Spec::by_status(Status::Active).and(by_name.clone());
    assert_eq!(names(store, &active).await, ["banana split", "cherry tart"]);
    let cheap = Spec::amount_between(cents(100), cents(300)).and(by_name.clone());
    let expected = ["apple pie", "banana split", "date loaf"];
    assert_eq!(names(store, &cheap).await, expected);
    let upper = Spec::name_contains("AN").and(by_name.clone());
    assert_eq!(names(store, &upper).await, ["banana split"]);
    let not_draft = (!Spec::by_status(Status::Draft)).and(by_name.clone());
    let expected = ["banana split", "cherry tart", "date loaf"];
    assert_eq!(names(store, &not_draft).await, expected);
    let either = Spec::named(&name("apple pie")).or(Spec::named(&name("date loaf")));
    let either = either.and(by_name.clone());
    assert_eq!(names(store, &either).await, ["apple pie", "date loaf"]);
    let exactly = |c| {
        Filter::Is(Condition::AmountBetween {
            min: cents(c),
            max: cents(c),
        })
    };
    let listed = Spec {
        filter: Some(Filter::Any(vec![exactly(500), exactly(20)])),
        ..by_name.clone()
    };
    assert_eq!(
        names(store, &listed).await,
        ["cherry tart", "elder 50%_off"]
    );
}

pub async fn like_wildcards_match_literally(store: &dyn Store) {
    seed(store).await;
    let percent = Spec::name_contains("50%_");
    assert_eq!(names(store, &percent).await, ["elder 50%_off"]);
    let underscore = Spec::name_contains("e_t");
    assert!(names(store, &underscore).await.is_empty());
    let injection = Spec::name_contains("' OR '1'='1");
    assert!(names(store, &injection).await.is_empty());
}

pub async fn empty_combinations_have_fixed_meanings(store: &dyn Store) {
    seed(store).await;
    let repo = store.{{aggregates}}();
    let with = |filter| Spec {
        filter: Some(filter),
        ..Spec::all()
    };
    let none = with(Filter::Any(Vec::new()));
    assert_eq!(repo.count(&none).await.unwrap(), 0);
    let every = with(Filter::All(Vec::new()));
    assert_eq!(repo.count(&every).await.unwrap(), 5);
    assert_eq!(repo.count(&!Spec::all()).await.unwrap(), 0);
    let not_none = with(Filter::Not(Box::new(Filter::Any(Vec::new()))));
    assert_eq!(repo.count(&not_none).await.unwrap(), 5);
    let inverted = Spec::amount_between(cents(300), cents(100));
    assert_eq!(repo.count(&inverted).await.unwrap(), 0);
}

pub async fn sorting_and_paging_are_stable(store: &dyn Store) {
    seed(store).await;
    let repo = store.{{aggregates}}();
    // Two rows tie on amount 150: the second key, the name, orders them.
    let by_amount = Spec::all()
        .sorted_by(SortKey::AmountCents, SortDirection::Descending)
        .sorted_by(SortKey::Name, SortDirection::Ascending);
    let all = names(store, &by_amount).await;
    let expected = [
        "cherry tart",
        "apple pie",
        "banana split",
        "date loaf",
        "elder 50%_off",
    ];
    assert_eq!(all, expected);
    let mut paged = Vec::new();
    for page in 0..3 {
        let spec = by_amount.clone().skip(page * 2).take(2);
        let items = repo.find(&spec).await.unwrap();
        let total = repo.count(&spec).await.unwrap();
        let page = Page { items, total };
        assert_eq!(page.total, 5, "the total ignores paging");
        paged.extend(page.items.iter().map(|a| a.name().as_str().to_owned()));
    }
    assert_eq!(paged, expected);
    let past_the_end = by_amount.clone().skip(10).take(2);
    assert!(repo.find(&past_the_end).await.unwrap().is_empty());
    let only_skip = by_amount.skip(4);
    assert_eq!(names(store, &only_skip).await, ["elder 50%_off"]);
    // With no second key, the id breaks the tie, on every backend.
    let amount_only = Spec::all().sorted_by(SortKey::AmountCents, SortDirection::Descending);
    let tied = repo.find(&amount_only).await.unwrap();
    let tied: Vec<_> = tied.iter().filter(|a| a.amount() == cents(150)).collect();
    assert_eq!(tied.len(), 2);
    assert!(tied[0].id() < tied[1].id(), "ties are in id order");
}

fn cents(cents: i64) -> Amount {
    Amount::from_cents(cents).unwrap()
}

fn name(text: &str) -> Name {
    Name::parse(text).unwrap()
}
