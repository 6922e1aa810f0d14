//! The outbox contract: what a unit of work writes with its change, and the
//! claim, retry and retention rules a relay relies on.

use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use opentelemetry::context::{Context, FutureExt};
use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use uuid::Uuid;

use crate::{Backlog, Outbox, OutboxMessage, Store};

use {{crate_name}}_entity_model::{AggregateRoot, Amount, Name};

use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Changes;
use {{crate_name}}_entity_model::{{Aggregate}}Status as Status;

const LEASE: Duration = Duration::from_secs(30);

/// A new aggregate inserted and committed with its `created` event.
async fn create_committed(store: &dyn Store, name: &str) -> {{Aggregate}} {
    let name = Name::parse(name).unwrap();
    let amount = Amount::from_cents(100).unwrap();
    let mut aggregate = {{Aggregate}}::create(name, None, amount, Utc::now());
    let mut uow = store.begin().await.unwrap();
    uow.{{aggregates}}().insert(&aggregate).await.unwrap();
    uow.record(aggregate.take_domain_events());
    uow.commit().await.unwrap();
    aggregate
}

/// `aggregate` updated to `cents` and committed with its `updated` event.
async fn update(store: &dyn Store, aggregate: &mut {{Aggregate}}, cents: i64) {
    let changes = {{Aggregate}}Changes {
        name: aggregate.name().clone(),
        description: None,
        status: Status::Active,
        amount: Amount::from_cents(cents).unwrap(),
    };
    aggregate.apply(changes, Utc::now()).unwrap();
    let mut uow = store.begin().await.unwrap();
    let saved = uow.{{aggregates}}().update(aggregate).await.unwrap();
    uow.record(aggregate.take_domain_events());
    uow.commit().await.unwrap();
    *aggregate = saved;
}

/// Claims what is due at `now` for `relay`.
async fn claim_at(outbox: &dyn Outbox, relay: Uuid, now: DateTime<Utc>) -> Vec<OutboxMessage> {
    outbox.claim(relay, 100, LEASE, now).await.unwrap()
}

/// Later than every event written so far, so that all of them are due.
fn soon() -> DateTime<Utc> {
    Utc::now() + TimeDelta::seconds(1)
}

pub async fn committed_events_are_in_the_outbox(store: &dyn Store) {
    let aggregate = create_committed(store, "alpha").await;
    let backlog = store.outbox().backlog().await.unwrap();
    assert_eq!(backlog.pending, 1);
    assert!(backlog.oldest.is_some());
    let claimed = claim_at(store.outbox(), Uuid::now_v7(), soon()).await;
    assert_eq!(claimed.len(), 1);
    let message = &claimed[0];
    assert_eq!(message.routing_key(), "{{aggregate}}.created");
    assert_eq!(message.aggregate_id, aggregate.id().to_string());
    assert_eq!(message.aggregate_version, aggregate.version());
    assert_eq!(message.attempts, 0);
    assert_eq!(message.id.get_version_num(), 7, "event ids are UUIDv7");
    let data: serde_json::Value = serde_json::from_str(&message.data).unwrap();
    assert_eq!(data["name"], "alpha");
    assert_eq!(data["amount_cents"], 100);
    assert_eq!(data["status"], "draft");
}

/// The trace a change was made in travels with its events; an untraced
/// change's events carry none.
pub async fn events_carry_the_trace_they_were_saved_in(store: &dyn Store) {
    let trace_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let span = SpanContext::new(
        TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").unwrap(),
        SpanId::from_hex("00f067aa0ba902b7").unwrap(),
        TraceFlags::SAMPLED,
        true,
        TraceState::default(),
    );
    let trace = Context::new().with_remote_span_context(span);
    create_committed(store, "traced").with_context(trace).await;
    create_committed(store, "untraced").await;
    let claimed = claim_at(store.outbox(), Uuid::now_v7(), soon()).await;
    let trace_of = |name: &str| {
        let message = claimed.iter().find(|message| message.data.contains(name));
        message.unwrap().trace_parent.as_deref()
    };
    assert_eq!(trace_of("\"traced\""), Some(trace_parent));
    assert_eq!(trace_of("\"untraced\""), None);
}

pub async fn rolled_back_or_dropped_work_writes_no_message(store: &dyn Store) {
    for roll_back in [true, false] {
        let name = Name::parse("ghost").unwrap();
        let amount = Amount::from_cents(1).unwrap();
        let mut aggregate = {{Aggregate}}::create(name, None, amount, Utc::now());
        let mut uow = store.begin().await.unwrap();
        uow.{{aggregates}}().insert(&aggregate).await.unwrap();
        uow.record(aggregate.take_domain_events());
        if roll_back {
            uow.rollback().await.unwrap();
        } else {
            drop(uow);
        }
    }
    let backlog = store.outbox().backlog().await.unwrap();
    assert_eq!(backlog, Backlog::default());
    let claimed = claim_at(store.outbox(), Uuid::now_v7(), soon()).await;
    assert!(claimed.is_empty(), "{claimed:?}");
}

pub async fn a_claimed_message_waits_for_its_lease_to_end(store: &dyn Store) {
    create_committed(store, "alpha").await;
    let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
    let now = soon();
    assert_eq!(claim_at(store.outbox(), first, now).await.len(), 1);
    let meanwhile = claim_at(store.outbox(), second, now).await;
    assert!(
        meanwhile.is_empty(),
        "two relays hold one message: {meanwhile:?}"
    );
    // The first relay died holding it: after the lease another one takes over.
    let after_lease = now + LEASE + Duration::from_secs(1);
    assert_eq!(claim_at(store.outbox(), second, after_lease).await.len(), 1);
}

pub async fn one_aggregates_messages_are_claimed_in_version_order(store: &dyn Store) {
    let mut created = create_committed(store, "alpha").await;
    update(store, &mut created, 200).await;
    update(store, &mut created, 300).await;
    let other = create_committed(store, "beta").await;
    let outbox = store.outbox();
    let relay = Uuid::now_v7();
    for expected_version in [1, 2, 3] {
        let now = soon();
        let claimed = claim_at(outbox, relay, now).await;
        let of_alpha: Vec<_> = claimed
            .iter()
            .filter(|m| m.aggregate_id == created.id().to_string())
            .collect();
        assert_eq!(of_alpha.len(), 1, "one message per aggregate at a time");
        assert_eq!(of_alpha[0].aggregate_version, expected_version);
        for message in &claimed {
            outbox.mark_published(message.id, now).await.unwrap();
        }
        if expected_version == 1 {
            let ids: Vec<_> = claimed.iter().map(|m| m.aggregate_id.clone()).collect();
            assert!(ids.contains(&other.id().to_string()), "{ids:?}");
        }
    }
    assert_eq!(outbox.backlog().await.unwrap().pending, 0);
}

pub async fn a_failed_message_waits_for_its_retry_time(store: &dyn Store) {
    let mut created = create_committed(store, "alpha").await;
    update(store, &mut created, 200).await;
    let outbox = store.outbox();
    let relay = Uuid::now_v7();
    let now = soon();
    let claimed = claim_at(outbox, relay, now).await;
    assert_eq!(claimed.len(), 1);
    let retry_at = now + TimeDelta::seconds(10);
    outbox.mark_failed(claimed[0].id, retry_at).await.unwrap();
    // Neither the failed message nor the aggregate's next one before then.
    let early = claim_at(outbox, relay, now + TimeDelta::seconds(5)).await;
    assert!(early.is_empty(), "{early:?}");
    let retried = claim_at(outbox, relay, retry_at).await;
    assert_eq!(retried.len(), 1);
    assert_eq!(
        retried[0].id, claimed[0].id,
        "the same event id on every attempt"
    );
    assert_eq!(retried[0].attempts, 1, "failed attempts are counted");
}

pub async fn published_messages_leave_the_backlog_and_are_purged(store: &dyn Store) {
    create_committed(store, "alpha").await;
    create_committed(store, "beta").await;
    let outbox = store.outbox();
    let now = soon();
    let claimed = claim_at(outbox, Uuid::now_v7(), now).await;
    assert_eq!(claimed.len(), 2);
    outbox.mark_published(claimed[0].id, now).await.unwrap();
    assert_eq!(outbox.backlog().await.unwrap().pending, 1);
    // Kept for the retention period, then deleted; pending ones never are.
    let within_retention = now - TimeDelta::hours(1);
    assert_eq!(outbox.purge_published(within_retention).await.unwrap(), 0);
    let after_retention = now + TimeDelta::seconds(1);
    assert_eq!(outbox.purge_published(after_retention).await.unwrap(), 1);
    assert_eq!(outbox.backlog().await.unwrap().pending, 1);
}
