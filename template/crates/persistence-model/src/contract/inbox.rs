//! The inbox contract: a message accepted by a committed unit of work is
//! never accepted again, per consumer; and the activity records a subscriber
//! writes with it.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use uuid::Uuid;

use crate::{PersistenceError, Store};

use {{crate_name}}_entity_model::Version;

use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
use {{crate_name}}_entity_model::{{Aggregate}}EventKind as Kind;
use {{crate_name}}_entity_model::{{Aggregate}}Id as Id;

const CONSUMER: &str = "contract-subscriber";

/// Now, to the millisecond: what every store keeps.
fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(Utc::now().timestamp_millis()).unwrap()
}

/// Accepts `id` for `consumer` in a new unit of work and commits it.
async fn accept_committed(store: &dyn Store, consumer: &str, id: Uuid, at: DateTime<Utc>) {
    let mut uow = store.begin().await.unwrap();
    assert!(uow.accept_message(consumer, id, at).await.unwrap());
    uow.commit().await.unwrap();
}

/// Whether a new unit of work would accept `id` (rolled back either way).
async fn is_new(store: &dyn Store, consumer: &str, id: Uuid) -> bool {
    let mut uow = store.begin().await.unwrap();
    let accepted = uow.accept_message(consumer, id, now()).await.unwrap();
    uow.rollback().await.unwrap();
    accepted
}

/// Like [`is_new`], once a dropped unit of work that accepted `id` has
/// finished rolling back: MongoDB aborts a dropped session's transaction in
/// the background, and until then a write of the same entry conflicts.
async fn is_new_once_settled(store: &dyn Store, consumer: &str, id: Uuid) -> bool {
    for _ in 0..100 {
        let mut uow = store.begin().await.unwrap();
        match uow.accept_message(consumer, id, now()).await {
            Ok(accepted) => {
                uow.rollback().await.unwrap();
                return accepted;
            }
            Err(PersistenceError::VersionConflict) => {
                drop(uow);
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(other) => panic!("accepting failed: {other:?}"),
        }
    }
    panic!("the dropped unit of work never finished rolling back");
}

fn activity(id: Id, kind: Kind, version: Version) -> Activity {
    let occurred_at = now() - TimeDelta::seconds(10 - version);
    Activity {
        event_id: Uuid::now_v7(),
        {{aggregate}}_id: id,
        kind,
        version,
        occurred_at,
        recorded_at: now(),
    }
}

pub async fn an_accepted_message_is_not_accepted_again(store: &dyn Store) {
    let id = Uuid::now_v7();
    let mut uow = store.begin().await.unwrap();
    assert!(uow.accept_message(CONSUMER, id, now()).await.unwrap());
    uow.commit().await.unwrap();
    let mut uow = store.begin().await.unwrap();
    let again = uow.accept_message(CONSUMER, id, now()).await.unwrap();
    assert!(!again, "a committed message is a duplicate");
    // The unit of work stays usable after `false`: the caller rolls back.
    uow.rollback().await.unwrap();
    assert!(is_new(store, CONSUMER, Uuid::now_v7()).await);
}

pub async fn a_rolled_back_or_dropped_acceptance_leaves_the_message_new(store: &dyn Store) {
    let rolled_back = Uuid::now_v7();
    let mut uow = store.begin().await.unwrap();
    let accepted = uow.accept_message(CONSUMER, rolled_back, now()).await;
    assert!(accepted.unwrap());
    uow.rollback().await.unwrap();
    assert!(is_new(store, CONSUMER, rolled_back).await);
    let dropped = Uuid::now_v7();
    let mut uow = store.begin().await.unwrap();
    assert!(uow.accept_message(CONSUMER, dropped, now()).await.unwrap());
    drop(uow);
    assert!(is_new_once_settled(store, CONSUMER, dropped).await);
}

pub async fn each_consumer_has_an_inbox_of_its_own(store: &dyn Store) {
    let id = Uuid::now_v7();
    accept_committed(store, CONSUMER, id, now()).await;
    assert!(is_new(store, "another-subscriber", id).await);
    assert!(!is_new(store, CONSUMER, id).await);
}

pub async fn concurrent_acceptances_never_both_commit(store: &dyn Store) {
    let id = Uuid::now_v7();
    let mut first = store.begin().await.unwrap();
    assert!(first.accept_message(CONSUMER, id, now()).await.unwrap());
    // The second delivery of the same message, at the same time. It may
    // wait for the first one (a server locks the entry, SQLite lets one
    // writer in at a time), so the first commits meanwhile, not after it.
    let second = async {
        let mut uow = store.begin().await?;
        if !uow.accept_message(CONSUMER, id, now()).await? {
            uow.rollback().await?;
            return Ok(false);
        }
        uow.commit().await?;
        Ok::<_, PersistenceError>(true)
    };
    let first = async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        first.commit().await
    };
    let (first, second) = tokio::join!(first, second);
    match (&first, &second) {
        (Ok(()), Ok(false) | Err(_)) | (Err(_), Ok(true)) => {}
        outcomes => panic!("exactly one acceptance must commit, got {outcomes:?}"),
    }
    assert!(!is_new_once_settled(store, CONSUMER, id).await);
}

pub async fn committed_activity_is_listed_in_version_order(store: &dyn Store) {
    let id = Id::generate();
    let mut records = vec![
        activity(id, Kind::Deleted, 3),
        activity(id, Kind::Created, 1),
        activity(id, Kind::Updated, 2),
        activity(id, Kind::Updated, 2),
    ];
    let other = activity(Id::generate(), Kind::Created, 1);
    let uow = store.begin().await.unwrap();
    for record in records.iter().chain([&other]) {
        uow.{{aggregate}}_activity().add(record).await.unwrap();
    }
    let inside = {
        let feed = uow.{{aggregate}}_activity();
        feed.list(id, 0, 10).await.unwrap()
    };
    assert_eq!(inside.total, 4, "it reads its own writes");
    let feed = store.{{aggregate}}_activity();
    let outside = feed.list(id, 0, 10).await.unwrap();
    assert_eq!(outside.total, 0, "uncommitted records are not visible");
    assert!(outside.items.is_empty());
    uow.commit().await.unwrap();
    records.sort_by_key(|r| (r.version, r.event_id));
    let feed = store.{{aggregate}}_activity();
    let all = feed.list(id, 0, 10).await.unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(all.items, records, "by version, then event id");
    let second_page = feed.list(id, 2, 2).await.unwrap();
    assert_eq!(second_page.total, 4, "the total ignores paging");
    assert_eq!(second_page.items, records[2..]);
    let past_the_end = feed.list(id, 10, 2).await.unwrap();
    assert_eq!((past_the_end.items.len(), past_the_end.total), (0, 4));
    let others = feed.list(other.{{aggregate}}_id, 0, 10).await.unwrap();
    assert_eq!(others.items, [other]);
}

pub async fn rolled_back_activity_is_not_listed(store: &dyn Store) {
    let id = Id::generate();
    let created = activity(id, Kind::Created, 1);
    let uow = store.begin().await.unwrap();
    uow.{{aggregate}}_activity().add(&created).await.unwrap();
    uow.rollback().await.unwrap();
    let feed = store.{{aggregate}}_activity();
    let listed = feed.list(id, 0, 10).await.unwrap();
    assert_eq!((listed.items.len(), listed.total), (0, 0));
}

pub async fn an_event_is_recorded_once(store: &dyn Store) {
    let id = Id::generate();
    let created = activity(id, Kind::Created, 1);
    let uow = store.begin().await.unwrap();
    uow.{{aggregate}}_activity().add(&created).await.unwrap();
    uow.commit().await.unwrap();
    let uow = store.begin().await.unwrap();
    let again = uow.{{aggregate}}_activity().add(&created).await;
    assert!(matches!(again, Err(PersistenceError::Duplicate)));
    uow.rollback().await.unwrap();
    let feed = store.{{aggregate}}_activity();
    let listed = feed.list(id, 0, 10).await.unwrap();
    assert_eq!(listed.items, [created]);
}

pub async fn purging_the_inbox_deletes_only_older_entries(store: &dyn Store) {
    let (old, recent) = (Uuid::now_v7(), Uuid::now_v7());
    let now = now();
    accept_committed(store, CONSUMER, old, now - TimeDelta::hours(2)).await;
    accept_committed(store, CONSUMER, recent, now).await;
    let cutoff = now - TimeDelta::hours(1);
    assert_eq!(store.purge_inbox(cutoff).await.unwrap(), 1);
    assert_eq!(store.purge_inbox(cutoff).await.unwrap(), 0);
    assert!(is_new(store, CONSUMER, old).await, "purged: new again");
    assert!(!is_new(store, CONSUMER, recent).await);
}

pub async fn a_consumer_name_must_fit_the_inbox(store: &dyn Store) {
    let too_long = "c".repeat(crate::MAX_CONSUMER_CHARS + 1);
    for consumer in ["", too_long.as_str()] {
        let mut uow = store.begin().await.unwrap();
        let refused = uow.accept_message(consumer, Uuid::now_v7(), now()).await;
        assert!(matches!(refused, Err(PersistenceError::Configuration(_))));
        uow.rollback().await.unwrap();
    }
    let longest = "c".repeat(crate::MAX_CONSUMER_CHARS);
    accept_committed(store, &longest, Uuid::now_v7(), now()).await;
}
