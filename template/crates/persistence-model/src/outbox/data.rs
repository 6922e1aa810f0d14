//! The JSON data of each event: the `data` of the published CloudEvent.
//!
//! Written out field by field here rather than derived, so the entity model
//! stays free of serialization and the wire format changes only on purpose.
//! docs/messaging.md shows one example per event.

use serde_json::{Value, json};

use {{crate_name}}_entity_model::DomainEvent;

use {{crate_name}}_entity_model::{{Aggregate}}Event as Event;
use {{crate_name}}_entity_model::{{Aggregate}}Record;

/// The data of `event`.
pub fn encode(event: &DomainEvent) -> Value {
    match event {
        DomainEvent::{{Aggregate}}(event) => {{aggregate}}(event),
    }
}

fn {{aggregate}}(event: &Event) -> Value {
    match event {
        Event::Created(record) | Event::Updated(record) => record_data(record),
        Event::Deleted {
            id,
            version,
            occurred_at,
        } => json!({
            "id": id.to_string(),
            "version": version,
            "deleted_at": occurred_at,
        }),
    }
}

fn record_data(record: &{{Aggregate}}Record) -> Value {
    json!({
        "id": record.id,
        "name": record.name,
        "description": record.description,
        "status": record.status,
        "amount_cents": record.amount_cents,
        "version": record.version,
        "created_at": record.created_at,
        "updated_at": record.updated_at,
    })
}
