//! {{an_aggregate}} as storage holds it: plain values that every backend can
//! write, checked against the entity model's rules when read back (here, once
//! for every backend).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::record::invalid;
use crate::{Amount, Description, InvalidRecord, Name, Version};

use crate::{{Aggregate}}Id;
use crate::{{Aggregate}}State;

/// The stored fields of {{an_aggregate}}: what a row or a document holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct {{Aggregate}}Record {
    pub id: Uuid,
    pub name: String,
    pub description: Option<String>,
    pub status: String,
    pub amount_cents: i64,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl From<&{{Aggregate}}State> for {{Aggregate}}Record {
    fn from(state: &{{Aggregate}}State) -> Self {
        Self {
            id: state.id.as_uuid(),
            name: state.name.as_str().to_owned(),
            description: state.description.as_ref().map(|d| d.as_str().to_owned()),
            status: state.status.as_str().to_owned(),
            amount_cents: state.amount.cents(),
            version: state.version,
            created_at: state.created_at,
            updated_at: state.updated_at,
        }
    }
}

impl TryFrom<{{Aggregate}}Record> for {{Aggregate}}State {
    type Error = InvalidRecord;

    fn try_from(record: {{Aggregate}}Record) -> Result<Self, Self::Error> {
        let id = record.id;
        let description = record.description.as_deref().map(Description::parse);
        let amount = Amount::from_cents(record.amount_cents);
        Ok(Self {
            id: {{Aggregate}}Id::from_uuid(id),
            name: Name::parse(&record.name).map_err(invalid(id, "name"))?,
            description: description
                .transpose()
                .map_err(invalid(id, "description"))?,
            status: record.status.parse().map_err(invalid(id, "status"))?,
            amount: amount.map_err(invalid(id, "amount_cents"))?,
            version: record.version,
            created_at: record.created_at,
            updated_at: record.updated_at,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_state_round_trips_through_its_record() {
        let name = Name::parse("Desk").unwrap();
        let amount = Amount::from_cents(5).unwrap();
        let aggregate = crate::{{Aggregate}}::create(name, None, amount, Utc::now());
        let record = {{Aggregate}}Record::from(aggregate.state());
        let state = {{Aggregate}}State::try_from(record).unwrap();
        assert_eq!(&state, aggregate.state());
    }

    #[test]
    fn a_record_that_breaks_a_rule_names_the_field() {
        let name = Name::parse("Desk").unwrap();
        let amount = Amount::from_cents(5).unwrap();
        let aggregate = crate::{{Aggregate}}::create(name, None, amount, Utc::now());
        let mut record = {{Aggregate}}Record::from(aggregate.state());
        record.status = "shipped".to_owned();
        let invalid = {{Aggregate}}State::try_from(record).unwrap_err();
        assert_eq!(invalid.field, "status");
        assert!(invalid.to_string().contains("shipped"), "{invalid}");
    }
}
