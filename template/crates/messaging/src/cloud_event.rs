//! The event envelope: CloudEvents 1.0 in structured JSON mode.
//!
//! Hand-written serde types instead of `cloudevents-sdk`: that crate brings
//! HTTP and transport bindings this service does not use and declares no
//! MSRV, while structured JSON mode is one plain struct.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use {{crate_name}}_persistence_model::OutboxMessage;

/// One event on the wire (content type `application/cloudevents+json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CloudEvent {
    /// Always [`CloudEvent::SPEC_VERSION`].
    pub specversion: String,
    /// The event's UUIDv7, given once when it was saved to the outbox, so a
    /// retried publish carries the same id and subscribers can drop repeats.
    pub id: String,
    /// `/<service-name>`.
    pub source: String,
    /// `<service>.<aggregate>.<event>`, e.g. `{{project-name}}.{{aggregate}}.created`.
    pub r#type: String,
    /// The aggregate's id.
    pub subject: String,
    /// When the change happened (RFC 3339).
    pub time: DateTime<Utc>,
    /// Always `application/json`: the media type of `data`.
    pub datacontenttype: String,
    /// The Distributed Tracing extension: the W3C `traceparent` of the
    /// change that raised the event, so its subscribers continue that trace.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    pub data: serde_json::Value,
}

impl CloudEvent {
    /// The CloudEvents version this struct implements.
    pub const SPEC_VERSION: &'static str = "1.0";

    /// An event of `service` whose type ends in `event` (`{{aggregate}}.created`).
    pub fn new(
        id: &str,
        service: &str,
        event: &str,
        subject: &str,
        data: serde_json::Value,
    ) -> Self {
        Self {
            specversion: Self::SPEC_VERSION.to_owned(),
            id: id.to_owned(),
            source: format!("/{service}"),
            r#type: format!("{service}.{event}"),
            subject: subject.to_owned(),
            time: Utc::now(),
            datacontenttype: "application/json".to_owned(),
            traceparent: None,
            data,
        }
    }

    /// The event an outbox message announces, as `service` publishes it.
    pub fn from_outbox(service: &str, message: &OutboxMessage) -> serde_json::Result<Self> {
        let data = serde_json::from_str(&message.data)?;
        let id = message.id.to_string();
        let aggregate_id = &message.aggregate_id;
        let event = Self::new(&id, service, &message.routing_key(), aggregate_id, data);
        Ok(Self {
            time: message.occurred_at,
            traceparent: message.trace_parent.clone(),
            ..event
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_the_cloudevents_attribute_names() {
        let data = serde_json::json!({ "n": 1 });
        let event = CloudEvent::new("0192", "shop", "{{aggregate}}.created", "42", data);
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["specversion"], "1.0");
        assert_eq!(json["id"], "0192");
        assert_eq!(json["type"], "shop.{{aggregate}}.created");
        assert_eq!(json["source"], "/shop");
        assert_eq!(json["subject"], "42");
        assert_eq!(json["datacontenttype"], "application/json");
        assert_eq!(json["data"]["n"], 1);
        assert!(
            json.get("traceparent").is_none(),
            "no extension when untraced"
        );
        let back: CloudEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back, event);
    }

    #[test]
    fn carries_the_trace_of_its_outbox_message_as_the_tracing_extension() {
        let trace_parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
        let message = OutboxMessage {
            id: uuid::Uuid::now_v7(),
            aggregate_type: "{{aggregate}}".to_owned(),
            aggregate_id: "42".to_owned(),
            aggregate_version: 1,
            event_type: "created".to_owned(),
            data: "{}".to_owned(),
            occurred_at: Utc::now(),
            trace_parent: Some(trace_parent.to_owned()),
            attempts: 0,
        };
        let event = CloudEvent::from_outbox("shop", &message).unwrap();
        let json = serde_json::to_value(&event).unwrap();
        assert_eq!(json["traceparent"], trace_parent);
        let back: CloudEvent = serde_json::from_value(json).unwrap();
        assert_eq!(back.traceparent.as_deref(), Some(trace_parent));
    }
}
