//! The repository contract: one suite, run against every implementation.
//!
//! Each case is written once in `suite` against `&dyn Store`; the macro at the
//! bottom instantiates every case for the in-memory store and for {{database}}, each
//! on a fresh database, so the two cannot drift apart.

// Test code: a panic is how a failed expectation is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;

use chrono::Utc;
{% if migrations %}
use {{crate_name}}_migration::{Migrator, MigratorTrait};
{%- endif %}
use {{crate_name}}_persistence_model::in_memory::InMemoryStore;
{%- if backend == "sql" %}
use {{crate_name}}_persistence_model::sql::SqlStore;
{%- else %}
use {{crate_name}}_persistence_model::mongo::MongoStore;
{%- endif %}
{%- unless migrations %}
use {{crate_name}}_persistence_model::{{backend}}::ensure_schema;
{%- endunless %}
use {{crate_name}}_persistence_model::test_support::TestDatabase;
use {{crate_name}}_persistence_model::{Filter, PersistenceError, SortDirection, Store};

/// A store plus whatever must live as long as it (the test database).
struct Backend<S> {
    store: S,
    _database: Option<TestDatabase>,
}

async fn in_memory() -> Backend<InMemoryStore> {
    Backend {
        store: InMemoryStore::new(),
        _database: None,
    }
}

{%- if backend == "sql" %}
async fn sql() -> Backend<SqlStore> {
{%- else %}
async fn mongo() -> Backend<MongoStore> {
{%- endif %}
    let database = TestDatabase::create().await;
{%- if migrations %}
    Migrator::up(database.connection(), None)
        .await
        .expect("migrations apply to an empty database");
{%- else %}
    ensure_schema(database.connection())
        .await
        .expect("the schema is created in an empty database");
{%- endif %}
{%- if backend == "sql" %}
    let store = SqlStore::new(database.connection().clone());
{%- else %}
    let store = MongoStore::new(database.connection().clone(), true);
{%- endif %}
    Backend {
        store,
        _database: Some(database),
    }
}

async fn run<S, F, Fut>(backend: Backend<S>, case: F)
where
    S: Store + 'static,
    F: FnOnce(&'static dyn Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let Backend { store, _database } = backend;
    // Leaking gives the case a `'static` borrow without boxing every future;
    // it is one small value per test.
    let store: &'static S = Box::leak(Box::new(store));
    case(store).await;
    drop(_database);
}

mod suite {
    use super::*;
    use {{crate_name}}_entity_model::{AggregateRoot, Amount, Description, Name};
    use {{crate_name}}_persistence_model::{Page, Value};

    use {{crate_name}}_entity_model::{{Aggregate}};
    use {{crate_name}}_entity_model::{{Aggregate}}Changes;
    use {{crate_name}}_entity_model::{{Aggregate}}Status as Status;
    use {{crate_name}}_persistence_model::{{Aggregate}}Field as Field;
    use {{crate_name}}_persistence_model::{{Aggregate}}Specification as Spec;

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

    pub async fn insert_then_get_returns_the_same_state(store: &'static dyn Store) {
        let aggregate = new_aggregate("alpha", 100);
        insert_committed(store, &aggregate).await;
        let repo = store.{{aggregates}}();
        let loaded = repo.get_by_id(aggregate.id()).await.unwrap();
        assert_eq!(loaded.as_ref().map(|a| a.state()), Some(aggregate.state()));
    }

    pub async fn get_unknown_id_is_none(store: &'static dyn Store) {
        let unknown = new_aggregate("ghost", 1);
        let repo = store.{{aggregates}}();
        assert!(repo.get_by_id(unknown.id()).await.unwrap().is_none());
    }

    pub async fn insert_duplicate_id_or_name_is_refused(store: &'static dyn Store) {
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

    pub async fn update_bumps_the_version(store: &'static dyn Store) {
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

    pub async fn stale_update_is_a_conflict(store: &'static dyn Store) {
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

    pub async fn concurrent_units_of_work_cannot_both_win(store: &'static dyn Store) {
        let aggregate = new_aggregate("alpha", 100);
        insert_committed(store, &aggregate).await;
        let draft = Status::Draft;
        let late = store.begin().await.unwrap();
        // The late unit of work reads before the early one commits.
        let late_repo = late.{{aggregates}}();
        let read = late_repo.get_by_id(aggregate.id()).await.unwrap();
        let read = read.expect("the aggregate is visible");
        let early = store.begin().await.unwrap();
        let early_change = renamed(&aggregate, "early", draft);
        let early_repo = early.{{aggregates}}();
        early_repo.update(&early_change).await.unwrap();
        early.commit().await.unwrap();
        // The conflict shows at the update (SQL) or at the commit (snapshot).
        let late_change = renamed(&read, "late", draft);
        let outcome = match late.{{aggregates}}().update(&late_change).await {
            Ok(_) => late.commit().await,
            Err(err) => Err(err),
        };
        assert!(
            matches!(outcome, Err(PersistenceError::VersionConflict)),
            "the second writer must fail, got {outcome:?}"
        );
        let repo = store.{{aggregates}}();
        let loaded = repo.get_by_id(aggregate.id()).await.unwrap().unwrap();
        assert_eq!(loaded.name().as_str(), "early");
    }

    pub async fn update_or_delete_of_missing_is_not_found(store: &'static dyn Store) {
        let missing = new_aggregate("ghost", 1);
        let uow = store.begin().await.unwrap();
        let updated = uow.{{aggregates}}().update(&missing).await;
        assert!(matches!(updated, Err(PersistenceError::NotFound)));
        let deleted = uow.{{aggregates}}().delete(&missing).await;
        assert!(matches!(deleted, Err(PersistenceError::NotFound)));
    }

    pub async fn delete_checks_the_version(store: &'static dyn Store) {
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

    pub async fn uncommitted_work_is_invisible_and_dropped(store: &'static dyn Store) {
        let aggregate = new_aggregate("alpha", 100);
        let uow = store.begin().await.unwrap();
        uow.{{aggregates}}().insert(&aggregate).await.unwrap();
        let uow_repo = uow.{{aggregates}}();
        let inside = uow_repo.get_by_id(aggregate.id()).await.unwrap();
        assert!(inside.is_some(), "a unit of work reads its own writes");
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

    pub async fn unit_of_work_commits_all_or_nothing(store: &'static dyn Store) {
        let existing = new_aggregate("taken", 1);
        insert_committed(store, &existing).await;
        let fresh = new_aggregate("fresh", 2);
        let uow = store.begin().await.unwrap();
        uow.{{aggregates}}().insert(&fresh).await.unwrap();
        let clash = new_aggregate("taken", 3);
        let failed = uow.{{aggregates}}().insert(&clash).await;
        assert!(matches!(failed, Err(PersistenceError::Duplicate)));
        drop(uow);
        let repo = store.{{aggregates}}();
        assert!(repo.get_by_id(fresh.id()).await.unwrap().is_none());
        assert_eq!(repo.count(&Spec::all()).await.unwrap(), 1);
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

    pub async fn specifications_filter(store: &'static dyn Store) {
        seed(store).await;
        let by_name = Spec::all().sorted_by(Field::Name, SortDirection::Ascending);
        let active = Spec::by_status(Status::Active).and(by_name.clone());
        assert_eq!(names(store, &active).await, ["banana split", "cherry tart"]);
        let cheap = Spec::amount_between(100, 300).and(by_name.clone());
        let expected = ["apple pie", "banana split", "date loaf"];
        assert_eq!(names(store, &cheap).await, expected);
        let upper = Spec::name_contains("AN").and(by_name.clone());
        assert_eq!(names(store, &upper).await, ["banana split"]);
        let not_draft = (!Spec::by_status(Status::Draft)).and(by_name.clone());
        let expected = ["banana split", "cherry tart", "date loaf"];
        assert_eq!(names(store, &not_draft).await, expected);
        let either = Spec::named("apple pie").or(Spec::named("date loaf"));
        let either = either.and(by_name.clone());
        assert_eq!(names(store, &either).await, ["apple pie", "date loaf"]);
        let values = vec![Value::from(500), Value::from(20)];
        let listed = Spec::matching(Filter::In(Field::AmountCents, values));
        let listed = listed.and(by_name.clone());
        assert_eq!(
            names(store, &listed).await,
            ["cherry tart", "elder 50%_off"]
        );
    }

    pub async fn like_wildcards_match_literally(store: &'static dyn Store) {
        seed(store).await;
        let percent = Spec::name_contains("50%_");
        assert_eq!(names(store, &percent).await, ["elder 50%_off"]);
        let underscore = Spec::name_contains("e_t");
        assert!(names(store, &underscore).await.is_empty());
        let injection = Spec::name_contains("' OR '1'='1");
        assert!(names(store, &injection).await.is_empty());
    }

    pub async fn empty_combinations_have_fixed_meanings(store: &'static dyn Store) {
        seed(store).await;
        let repo = store.{{aggregates}}();
        let none = Spec::matching(Filter::Or(Vec::new()));
        assert_eq!(repo.count(&none).await.unwrap(), 0);
        let every = Spec::matching(Filter::And(Vec::new()));
        assert_eq!(repo.count(&every).await.unwrap(), 5);
        assert_eq!(repo.count(&!Spec::all()).await.unwrap(), 0);
        let empty_in = Spec::matching(Filter::In(Field::AmountCents, Vec::new()));
        assert_eq!(repo.count(&empty_in).await.unwrap(), 0);
    }

    pub async fn sorting_and_paging_are_stable(store: &'static dyn Store) {
        seed(store).await;
        let repo = store.{{aggregates}}();
        // Two rows tie on amount 150: the id breaks the tie on every backend.
        let by_amount = Spec::all()
            .sorted_by(Field::AmountCents, SortDirection::Descending)
            .sorted_by(Field::Name, SortDirection::Ascending);
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
    }
}

/// Instantiates every case of the suite for one backend.
macro_rules! contract {
    ($backend:ident, [$($case:ident),* $(,)?]) => {
        mod $backend {
            $(
                #[tokio::test]
                async fn $case() {
                    super::run(super::$backend().await, super::suite::$case).await;
                }
            )*
        }
    };
}

macro_rules! contract_for_every_backend {
    ($cases:tt) => {
        contract!(in_memory, $cases);
        contract!({{backend}}, $cases);
    };
}

contract_for_every_backend!([
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
]);
