//! The JSON data of the {{aggregate_title}} events.

use serde_json::{Value, json};

use {{crate_name}}_entity_model::{{Aggregate}}Event as Event;
use {{crate_name}}_entity_model::{{Aggregate}}Record;

/// The data of one {{aggregate_title}} event.
pub(super) fn encode(event: &Event) -> Value {
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
