//! The example subscriber: every {{aggregate}} event on the source exchange,
//! recorded once as the {{aggregate}}'s activity.
//!
//! The wire format (a CloudEvent) is read here; what to do with the event is
//! the domain model's `Record{{Aggregate}}ActivityProcessor`. The consumer (in
//! the messaging crate) owns the queue, the retries and the dead letters.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use async_trait::async_trait;
use chrono::{TimeDelta, Utc};
use uuid::Uuid;

use crate::config::Settings;
use crate::diagnostics::describe;
use crate::readiness::ReadinessCheck;
use crate::relay;

use {{crate_name}}_domain_model::DomainError;
use {{crate_name}}_domain_model::subscribers::Outcome;
use {{crate_name}}_messaging::{CloudEvent, Consumer};
use {{crate_name}}_messaging::{ConsumerSettings, Handled, Handler, HandlerError};
use {{crate_name}}_persistence_model::Store;

use {{crate_name}}_domain_model::subscribers::Record{{Aggregate}}ActivityProcessor as Record;
use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;
use {{crate_name}}_entity_model::{{Aggregate}}EventKind as Kind;
use {{crate_name}}_entity_model::{{Aggregate}}Id as Id;

/// The routing keys of the events this subscriber records.
pub const BINDING: &str = "{{aggregate}}.*";

/// How often handled message ids older than the retention are deleted.
const PURGE_INTERVAL: Duration = Duration::from_secs(3600);

/// The consumer the settings describe, or `None` when the subscriber is off.
/// It connects in the background; only settings that can never work fail.
pub fn consumer(settings: &Settings) -> anyhow::Result<Option<Consumer>> {
    let rabbitmq = &settings.rabbitmq;
    let subscriber = &rabbitmq.subscriber;
    if !subscriber.enabled {
        return Ok(None);
    }
    let source = subscriber.source_exchange.as_ref();
    let consumer = ConsumerSettings {
        queue: subscriber.queue.clone(),
        source_exchange: source.unwrap_or(&rabbitmq.exchange).clone(),
        bindings: vec![BINDING.to_owned()],
        prefetch: subscriber.prefetch,
        max_retries: subscriber.max_retries,
        retry_delay: Duration::from_millis(subscriber.retry_delay_ms),
        busy_timeout: Duration::from_secs(subscriber.busy_timeout_secs),
    };
    let consumer = Consumer::new(relay::broker(settings), consumer).with_context(|| {
        let url = settings.origin("rabbitmq.url");
        format!("rabbitmq.url ({url}) cannot be used by the subscriber")
    })?;
    Ok(Some(consumer))
}

/// Consumes until `stop` resolves, and purges the inbox every hour.
pub async fn run(
    consumer: Consumer,
    store: Arc<dyn Store>,
    settings: &Settings,
    stop: impl Future<Output = ()>,
) {
    let subscriber = &settings.rabbitmq.subscriber;
    let record = Record::new(store.clone(), subscriber.queue.as_str());
    let handler = ActivityHandler { record };
    let hours = i64::try_from(subscriber.inbox_retention_hours).unwrap_or(i64::MAX);
    let retention = TimeDelta::try_hours(hours).unwrap_or(TimeDelta::MAX);
    let consuming = consumer.run(handler, stop);
    tokio::pin!(consuming);
    let mut purge = tokio::time::interval(PURGE_INTERVAL);
    loop {
        tokio::select! {
            () = &mut consuming => return,
            _ = purge.tick() => purge_inbox(store.as_ref(), retention).await,
        }
    }
}

async fn purge_inbox(store: &dyn Store, retention: TimeDelta) {
    let Some(before) = Utc::now().checked_sub_signed(retention) else {
        return;
    };
    match store.purge_inbox(before).await {
        Ok(0) => {}
        Ok(purged) => tracing::info!(purged, "purged handled message ids from the inbox"),
        Err(err) => tracing::warn!(error = describe(&err), "could not purge the inbox"),
    }
}

/// Turns each CloudEvent into an activity record.
struct ActivityHandler {
    record: Record,
}

#[async_trait]
impl Handler for ActivityHandler {
    async fn handle(&self, event: &CloudEvent) -> Result<Handled, HandlerError> {
        let activity = activity(event).map_err(HandlerError::Rejected)?;
        match self.record.process(&activity).await {
            Ok(Outcome::Recorded) => Ok(Handled::Applied),
            Ok(Outcome::Duplicate) => Ok(Handled::Duplicate),
            // Another transaction holds this message's inbox entry: a
            // concurrent delivery, or a crashed instance's until the
            // database aborts it. A retry succeeds or finds it handled.
            Err(err @ DomainError::Conflict) => Err(HandlerError::Busy(describe(&err))),
            Err(err @ DomainError::Unavailable(_)) => Err(HandlerError::Transient(describe(&err))),
            Err(DomainError::Internal(err)) => Err(HandlerError::Transient(describe(&err))),
            Err(err) => Err(HandlerError::Rejected(describe(&err))),
        }
    }
}

/// The activity record an event describes, or why it describes none. Only
/// the type's last two parts are read (`<aggregate>.<event>`), so the events
/// of another service that publishes the same aggregate are understood too.
fn activity(event: &CloudEvent) -> Result<Activity, String> {
    let mut parts = event.r#type.rsplit('.');
    let kind = parts.next().and_then(Kind::parse);
    let Some(kind) = kind.filter(|_| parts.next() == Some("{{aggregate}}")) else {
        let expected = "<service>.{{aggregate}}.<created|updated|deleted>";
        return Err(format!("type {:?} is not {expected}", event.r#type));
    };
    let event_id = Uuid::parse_str(&event.id)
        .map_err(|err| format!("id {:?} is not a UUID: {err}", event.id))?;
    let subject = Uuid::parse_str(&event.subject)
        .map_err(|err| format!("subject {:?} is not a UUID: {err}", event.subject))?;
    let version = event.data.get("version");
    let version = version.and_then(serde_json::Value::as_i64);
    let Some(version) = version.filter(|version| *version >= 1) else {
        return Err("data.version is not a positive integer".to_owned());
    };
    Ok(Activity {
        event_id,
        {{aggregate}}_id: Id::from_uuid(subject),
        kind,
        version,
        occurred_at: event.time,
        recorded_at: Utc::now(),
    })
}

/// Readiness: the subscriber's broker connection. Not required, like the
/// publisher's: events wait in the queue while it is away.
#[derive(Debug)]
pub struct SubscriberCheck(pub Consumer);

#[async_trait]
impl ReadinessCheck for SubscriberCheck {
    fn name(&self) -> &'static str {
        "subscriber"
    }

    fn required(&self) -> bool {
        false
    }

    async fn check(&self) -> Result<(), String> {
        relay::connected(self.0.status())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: &str, data: serde_json::Value) -> CloudEvent {
        let id = Uuid::now_v7().to_string();
        let subject = Uuid::now_v7().to_string();
        let event = format!("{{aggregate}}.{kind}");
        CloudEvent::new(&id, "some-service", &event, &subject, data)
    }

    #[test]
    fn an_event_of_any_service_becomes_an_activity_record() {
        let created = event("created", serde_json::json!({ "version": 1 }));
        let activity = activity(&created).unwrap();
        assert_eq!(activity.event_id.to_string(), created.id);
        assert_eq!(activity.{{aggregate}}_id.to_string(), created.subject);
        assert_eq!((activity.kind, activity.version), (Kind::Created, 1));
        assert_eq!(activity.occurred_at, created.time);
    }

    #[test]
    fn each_malformed_attribute_is_named() {
        let version = serde_json::json!({ "version": 1 });
        let unknown = event("shipped", version.clone());
        assert!(activity(&unknown).unwrap_err().contains("type"));
        let bad_id = CloudEvent {
            id: "x".into(),
            ..event("created", version.clone())
        };
        assert!(activity(&bad_id).unwrap_err().starts_with("id"));
        let bad_subject = CloudEvent {
            subject: "x".into(),
            ..event("created", version)
        };
        assert!(activity(&bad_subject).unwrap_err().starts_with("subject"));
        let no_version = event("updated", serde_json::json!({ "version": 0 }));
        assert!(activity(&no_version).unwrap_err().contains("data.version"));
    }
}
