//! The stored document of {{an_aggregate}}: the id as `_id` (a BSON UUID, binary
//! subtype 4), timestamps as BSON dates. Only this module knows the layout.

use chrono::DateTime;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Binary, Bson, Document, doc};
use uuid::Uuid;

use crate::{PersistenceError, Result};
use {{crate_name}}_entity_model::{Amount, Description, Name};

use {{crate_name}}_entity_model::{{Aggregate}};
use {{crate_name}}_entity_model::{{Aggregate}}Id;
use {{crate_name}}_entity_model::{{Aggregate}}State;

pub(super) fn uuid(id: Uuid) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Uuid,
        bytes: id.as_bytes().to_vec(),
    })
}

pub(super) fn timestamp(at: DateTime<chrono::Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(at.timestamp_millis()))
}

pub(super) fn to_document(state: &{{Aggregate}}State) -> Document {
    let description = state.description.as_ref().map(|d| d.as_str());
    doc! {
        "_id": uuid(state.id.as_uuid()),
        "name": state.name.as_str(),
        "description": description,
        "status": state.status.as_str(),
        "amount_cents": state.amount.cents(),
        "version": state.version,
        "created_at": timestamp(state.created_at),
        "updated_at": timestamp(state.updated_at),
    }
}

/// Documents are checked against the entity model's rules on the way in, so
/// a hand-edited document shows up as an error instead of an invalid aggregate.
pub(super) fn to_aggregate(document: &Document) -> Result<{{Aggregate}}> {
    let corrupt = |what: &str, err: &dyn std::fmt::Display| {
        PersistenceError::Corrupt(format!("{what} of {document}: {err}"))
    };
    let id = match document.get("_id") {
        Some(Bson::Binary(b)) if b.subtype == BinarySubtype::Uuid => {
            Uuid::from_slice(&b.bytes).map_err(|e| corrupt("_id", &e))?
        }
        _ => return Err(corrupt("_id", &"not a UUID")),
    };
    let text = |key: &str| document.get_str(key).map_err(|e| corrupt(key, &e));
    let integer = |key: &str| document.get_i64(key).map_err(|e| corrupt(key, &e));
    let date = |key: &str| {
        let at = document.get_datetime(key).map_err(|e| corrupt(key, &e))?;
        let millis = at.timestamp_millis();
        DateTime::from_timestamp_millis(millis).ok_or_else(|| corrupt(key, &"out of range"))
    };
    let description = match document.get("description") {
        Some(Bson::String(text)) => Some(text.as_str()),
        _ => None,
    };
    let description = description.map(Description::parse).transpose();
    let status = text("status")?.parse().map_err(|e| corrupt("status", &e))?;
    let amount = Amount::from_cents(integer("amount_cents")?);
    Ok({{Aggregate}}::restore({{Aggregate}}State {
        id: {{Aggregate}}Id::from_uuid(id),
        name: Name::parse(text("name")?).map_err(|e| corrupt("name", &e))?,
        description: description.map_err(|e| corrupt("description", &e))?,
        status,
        amount: amount.map_err(|e| corrupt("amount_cents", &e))?,
        version: integer("version")?,
        created_at: date("created_at")?,
        updated_at: date("updated_at")?,
    }))
}
