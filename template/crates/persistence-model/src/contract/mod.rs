//! The repository contract: one suite of cases, each written once against
//! `&dyn Store`, that every store is held to. An implementation's tests
//! instantiate all of them with [`contract_suite!`](crate::contract_suite),
//! each case on a fresh store, so no implementation can drift from the others.
//!
//! Each aggregate's cases live in a module of their own, and its macro
//! (`<aggregate>_contract!`) instantiates them in a test module of that name.

// Test code: a panic is how a failed expectation is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
{%- if message_bus == "rabbitmq" %}

pub mod inbox;
pub mod outbox;
{%- endif %}

// Cases, one per aggregate.
pub mod {{aggregate}};

/// Instantiates every case of the suite as a `#[tokio::test]`, each on the
/// store that `$store` (an expression that awaits to `(store, guard)`, the guard
/// living as long as the test, e.g. its database) builds.
#[macro_export]
macro_rules! contract_suite {
    ($store:expr) => {
        // Cases, one per aggregate.
        $crate::{{aggregate}}_contract!($store);
{%- if message_bus == "rabbitmq" %}

        $crate::contract_suite!(@cases $store; outbox;
            committed_events_are_in_the_outbox,
            events_carry_the_trace_they_were_saved_in,
            rolled_back_or_dropped_work_writes_no_message,
            a_claimed_message_waits_for_its_lease_to_end,
            one_aggregates_messages_are_claimed_in_version_order,
            a_failed_message_waits_for_its_retry_time,
            published_messages_leave_the_backlog_and_are_purged,
        );
        $crate::contract_suite!(@cases $store; inbox;
            an_accepted_message_is_not_accepted_again,
            a_rolled_back_or_dropped_acceptance_leaves_the_message_new,
            each_consumer_has_an_inbox_of_its_own,
            concurrent_acceptances_never_both_commit,
            committed_activity_is_listed_in_version_order,
            rolled_back_activity_is_not_listed,
            an_event_is_recorded_once,
            purging_the_inbox_deletes_only_older_entries,
            a_consumer_name_must_fit_the_inbox,
        );
{%- endif %}
    };
    // `$module`: the module of `contract` the cases are in.
    (@cases $store:expr; $module:ident; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $case() {
                let (store, _guard) = $store.await;
                $crate::contract::$module::$case(&store).await;
            }
        )*
    };
}
