//! The JSON data of each event: the `data` of the published CloudEvent.
//!
//! Written out field by field rather than derived, so the entity model
//! stays free of serialization and the wire format changes only on purpose.
//! docs/messaging.md shows one example per event.

use serde_json::Value;

use {{crate_name}}_entity_model::DomainEvent;

/// The data of `event`.
pub fn encode(event: &DomainEvent) -> Value {
    match event {
        // Encodings, one per aggregate.
        DomainEvent::{{Aggregate}}(event) => super::{{aggregate}}_data::encode(event),
    }
}
