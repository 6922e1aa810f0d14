//! The stored document of {{an_aggregate}}: the id as `_id`. Only this module
//! knows the layout.

use chrono::DateTime;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Bson, Document, doc};
use uuid::Uuid;

use crate::document::{timestamp, uuid};

use {{crate_name}}_entity_model::InvalidRecord;
use {{crate_name}}_persistence_model::Result;

use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Record;
use {{crate_name}}_entity_model::{{Aggregate}}State;

pub(crate) fn to_document(state: &{{Aggregate}}State) -> Document {
    let record = {{Aggregate}}Record::from(state);
    doc! {
        "_id": uuid(record.id),
        "name": record.name,
        "description": record.description,
        "status": record.status,
        "amount_cents": record.amount_cents,
        "version": record.version,
        "created_at": timestamp(record.created_at),
        "updated_at": timestamp(record.updated_at),
    }
}

/// Documents are checked against the entity model's rules on the way in, so
/// a hand-edited document shows up as an error instead of an invalid aggregate.
pub(crate) fn to_aggregate(document: &Document) -> Result<{{Aggregate}}> {
    let record = to_record(document)?;
    let state = {{Aggregate}}State::try_from(record)?;
    Ok({{Aggregate}}::restore(state))
}

fn to_record(document: &Document) -> Result<{{Aggregate}}Record, InvalidRecord> {
    let id = match document.get("_id") {
        Some(Bson::Binary(b)) if b.subtype == BinarySubtype::Uuid => {
            Uuid::from_slice(&b.bytes).ok()
        }
        _ => None,
    };
    let invalid = |field, reason: &dyn std::fmt::Display| InvalidRecord {
        id: id.unwrap_or_default(),
        field,
        reason: reason.to_string(),
    };
    let id = id.ok_or_else(|| invalid("_id", &"not a UUID"))?;
    let text = |key| document.get_str(key).map_err(|e| invalid(key, &e));
    let integer = |key| document.get_i64(key).map_err(|e| invalid(key, &e));
    let date = |key| {
        let at = document.get_datetime(key).map_err(|e| invalid(key, &e))?;
        let millis = at.timestamp_millis();
        DateTime::from_timestamp_millis(millis).ok_or_else(|| invalid(key, &"out of range"))
    };
    let description = match document.get("description") {
        Some(Bson::String(text)) => Some(text.clone()),
        _ => None,
    };
    Ok({{Aggregate}}Record {
        id,
        name: text("name")?.to_owned(),
        description,
        status: text("status")?.to_owned(),
        amount_cents: integer("amount_cents")?,
        version: integer("version")?,
        created_at: date("created_at")?,
        updated_at: date("updated_at")?,
    })
}
