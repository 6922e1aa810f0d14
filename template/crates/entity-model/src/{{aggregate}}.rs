//! The {{aggregate_title}} aggregate root.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::aggregate_root::truncate_to_millis;
use crate::{AggregateRoot, Amount, Description, DomainEvent, Name, Version, next_version};
use crate::{RuleViolation, UnknownStatus};

use crate::{{Aggregate}}Event;
use crate::{{Aggregate}}Record;

/// Identity of {{an_aggregate}}: a UUIDv7, so ids sort by creation time and index well.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct {{Aggregate}}Id(Uuid);

impl {{Aggregate}}Id {
    /// A new, time-ordered id.
    pub fn generate() -> Self {
        Self(Uuid::now_v7())
    }

    pub fn from_uuid(uuid: Uuid) -> Self {
        Self(uuid)
    }

    pub fn as_uuid(&self) -> Uuid {
        self.0
    }
}

impl fmt::Display for {{Aggregate}}Id {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Life cycle of {{an_aggregate}}. An archived one is read-only.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum {{Aggregate}}Status {
    Draft,
    Active,
    Archived,
}

impl {{Aggregate}}Status {
    pub const ALL: [Self; 3] = [Self::Draft, Self::Active, Self::Archived];

    /// The stored and wire form.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Active => "active",
            Self::Archived => "archived",
        }
    }
}

impl FromStr for {{Aggregate}}Status {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// Every stored field of {{an_aggregate}}, as persistence reads and writes it.
///
/// Repositories turn rows or documents into this and back; it is the only door
/// into [`{{Aggregate}}`] besides [`{{Aggregate}}::create`], and it carries no events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct {{Aggregate}}State {
    pub id: {{Aggregate}}Id,
    pub name: Name,
    pub description: Option<Description>,
    pub status: {{Aggregate}}Status,
    pub amount: Amount,
    pub version: Version,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl {{Aggregate}}State {
    /// This state as the next save stores it: one version up.
    pub fn saved(&self) -> Self {
        Self {
            version: next_version(self.version),
            ..self.clone()
        }
    }
}

/// A full replacement of the writable fields (PUT semantics).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct {{Aggregate}}Changes {
    pub name: Name,
    pub description: Option<Description>,
    pub status: {{Aggregate}}Status,
    pub amount: Amount,
}

/// The aggregate root. Fields are private: every change goes through a method
/// that checks the rules and records an event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct {{Aggregate}} {
    state: {{Aggregate}}State,
    events: Vec<{{Aggregate}}Event>,
}

impl {{Aggregate}} {
    /// A new {{aggregate_title}} in `Draft`, with a `Created` event.
    pub fn create(
        name: Name,
        description: Option<Description>,
        amount: Amount,
        now: DateTime<Utc>,
    ) -> Self {
        let id = {{Aggregate}}Id::generate();
        let now = truncate_to_millis(now);
        let state = {{Aggregate}}State {
            id,
            name,
            description,
            status: {{Aggregate}}Status::Draft,
            amount,
            version: Self::INITIAL_VERSION,
            created_at: now,
            updated_at: now,
        };
        let event = {{Aggregate}}Event::Created((&state).into());
        Self {
            state,
            events: vec![event],
        }
    }

    /// Rebuilds a stored aggregate; stored state is trusted, no event is recorded.
    pub fn restore(state: {{Aggregate}}State) -> Self {
        Self {
            state,
            events: Vec::new(),
        }
    }

    /// Replaces the writable fields, enforcing the status rules.
    pub fn apply(
        &mut self,
        changes: {{Aggregate}}Changes,
        now: DateTime<Utc>,
    ) -> Result<(), RuleViolation> {
        let current = self.state.status;
        if current == {{Aggregate}}Status::Archived {
            return Err(RuleViolation::Archived(Self::TITLE));
        }
        let to_draft = changes.status == {{Aggregate}}Status::Draft;
        if current == {{Aggregate}}Status::Active && to_draft {
            return Err(RuleViolation::BackToDraft(Self::TITLE));
        }
        let now = truncate_to_millis(now);
        self.state.name = changes.name;
        self.state.description = changes.description;
        self.state.status = changes.status;
        self.state.amount = changes.amount;
        self.state.updated_at = now;
        let saved = {{Aggregate}}Record::from(&self.state.saved());
        self.events.push({{Aggregate}}Event::Updated(saved));
        Ok(())
    }

    /// Records the deletion; the repository removes the stored state.
    pub fn delete(&mut self, now: DateTime<Utc>) {
        self.events.push({{Aggregate}}Event::Deleted {
            id: self.state.id,
            version: next_version(self.state.version),
            occurred_at: truncate_to_millis(now),
        });
    }

    /// The events recorded since the last call, oldest first.
    pub fn take_events(&mut self) -> Vec<{{Aggregate}}Event> {
        std::mem::take(&mut self.events)
    }

    /// [`take_events`](Self::take_events), as the service's events, for a
    /// unit of work.
    pub fn take_domain_events(&mut self) -> Vec<DomainEvent> {
        let events = self.take_events().into_iter();
        events.map(DomainEvent::from).collect()
    }

    pub fn state(&self) -> &{{Aggregate}}State {
        &self.state
    }

    pub fn name(&self) -> &Name {
        &self.state.name
    }

    pub fn description(&self) -> Option<&Description> {
        self.state.description.as_ref()
    }

    pub fn status(&self) -> {{Aggregate}}Status {
        self.state.status
    }

    pub fn amount(&self) -> Amount {
        self.state.amount
    }
}

impl AggregateRoot for {{Aggregate}} {
    const TITLE: &'static str = "{{aggregate_title}}";
    type Id = {{Aggregate}}Id;

    fn id(&self) -> Self::Id {
        self.state.id
    }

    fn version(&self) -> Version {
        self.state.version
    }

    fn created_at(&self) -> DateTime<Utc> {
        self.state.created_at
    }

    fn updated_at(&self) -> DateTime<Utc> {
        self.state.updated_at
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AggregateEvent;

    fn new_draft() -> {{Aggregate}} {
        let name = Name::parse("Desk").unwrap();
        let amount = Amount::from_cents(1250).unwrap();
        {{Aggregate}}::create(name, None, amount, Utc::now())
    }

    fn changes(status: {{Aggregate}}Status) -> {{Aggregate}}Changes {
        {{Aggregate}}Changes {
            name: Name::parse("Chair").unwrap(),
            description: Some(Description::parse("oak").unwrap()),
            status,
            amount: Amount::from_cents(99).unwrap(),
        }
    }

    #[test]
    fn create_starts_in_draft_and_records_created() {
        let mut aggregate = new_draft();
        assert_eq!(aggregate.status(), {{Aggregate}}Status::Draft);
        assert_eq!(aggregate.version(), 1);
        let events = aggregate.take_events();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].name(), "{{Aggregate}}Created");
        let {{Aggregate}}Event::Created(record) = &events[0] else {
            panic!("expected Created, got {:?}", events[0]);
        };
        assert_eq!(record, &{{Aggregate}}Record::from(aggregate.state()));
        assert!(aggregate.take_events().is_empty(), "events are taken once");
    }

    #[test]
    fn apply_replaces_fields_and_records_updated() {
        let mut aggregate = new_draft();
        aggregate.take_events();
        let active = changes({{Aggregate}}Status::Active);
        aggregate.apply(active, Utc::now()).unwrap();
        assert_eq!(aggregate.name().as_str(), "Chair");
        assert_eq!(aggregate.amount().cents(), 99);
        let events = aggregate.take_events();
        assert_eq!(events[0].name(), "{{Aggregate}}Updated");
        // The event carries the new values and the version the save stores.
        let {{Aggregate}}Event::Updated(record) = &events[0] else {
            panic!("expected Updated, got {:?}", events[0]);
        };
        assert_eq!(record.name, "Chair");
        assert_eq!(record.status, "active");
        assert_eq!(record.amount_cents, 99);
        assert_eq!(record.version, 2);
    }

    #[test]
    fn delete_records_the_next_version() {
        let mut aggregate = new_draft();
        aggregate.take_events();
        aggregate.delete(Utc::now());
        let events = aggregate.take_events();
        assert_eq!(events[0].kind(), "deleted");
        assert_eq!(events[0].version(), 2);
        assert_eq!(events[0].id(), aggregate.id());
    }

    #[test]
    fn archived_is_read_only() {
        let mut aggregate = new_draft();
        let archived = changes({{Aggregate}}Status::Archived);
        aggregate.apply(archived, Utc::now()).unwrap();
        let draft = changes({{Aggregate}}Status::Draft);
        let refused = aggregate.apply(draft, Utc::now());
        let expected = RuleViolation::Archived({{Aggregate}}::TITLE);
        assert_eq!(refused, Err(expected));
    }

    #[test]
    fn active_cannot_go_back_to_draft() {
        let mut aggregate = new_draft();
        let active = changes({{Aggregate}}Status::Active);
        aggregate.apply(active, Utc::now()).unwrap();
        let draft = changes({{Aggregate}}Status::Draft);
        let refused = aggregate.apply(draft, Utc::now());
        let expected = RuleViolation::BackToDraft({{Aggregate}}::TITLE);
        assert_eq!(refused, Err(expected));
        assert_eq!(aggregate.status(), {{Aggregate}}Status::Active);
    }

    #[test]
    fn status_round_trips_through_its_string_form() {
        for status in {{Aggregate}}Status::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert!("shipped".parse::<{{Aggregate}}Status>().is_err());
    }

    #[test]
    fn timestamps_are_cut_to_milliseconds() {
        let aggregate = new_draft();
        let nanos = aggregate.created_at().timestamp_subsec_nanos();
        assert_eq!(nanos % 1_000_000, 0);
    }
}
