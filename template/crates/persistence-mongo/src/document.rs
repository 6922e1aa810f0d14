//! How documents hold values: ids as BSON UUIDs (binary subtype 4),
//! timestamps as BSON dates.

use chrono::DateTime;
use mongodb::bson::spec::BinarySubtype;
use mongodb::bson::{Binary, Bson};
use uuid::Uuid;

pub(crate) fn uuid(id: Uuid) -> Bson {
    Bson::Binary(Binary {
        subtype: BinarySubtype::Uuid,
        bytes: id.as_bytes().to_vec(),
    })
}

pub(crate) fn timestamp(at: DateTime<chrono::Utc>) -> Bson {
    Bson::DateTime(mongodb::bson::DateTime::from_millis(at.timestamp_millis()))
}
