use {{crate_name}}_entity_model::DomainEvent;
{%- if message_bus == "rabbitmq" %}

use crate::OutboxMessage;

/// The domain events a unit of work collected. Every implementation keeps
/// them here and writes them to its outbox in the same transaction as the
/// change, so none can announce a change that was rolled back, and none of a
/// committed change is lost.
#[derive(Debug, Default)]
pub struct PendingEvents(Vec<DomainEvent>);

impl PendingEvents {
    pub fn record(&mut self, events: Vec<DomainEvent>) {
        self.0.extend(events);
    }

    /// One outbox message per event, in the order they were recorded, in
    /// the trace of the current span.
    pub fn to_outbox(&self) -> Vec<OutboxMessage> {
        let trace_parent = OutboxMessage::current_trace_parent();
        let message = |event| OutboxMessage::new(event, trace_parent.clone());
        self.0.iter().map(message).collect()
    }
}
{%- else %}

/// The domain events a unit of work collected, made known when, and only
/// when, it commits: every implementation keeps them here, so none can
/// announce a change that was rolled back.
#[derive(Debug, Default)]
pub struct PendingEvents(Vec<DomainEvent>);

impl PendingEvents {
    pub fn record(&mut self, events: Vec<DomainEvent>) {
        self.0.extend(events);
    }

    /// Called by an implementation after its commit succeeded. With no
    /// message bus, an event's life ends in the log.
    pub fn committed(self) {
        for event in self.0 {
            let id = event.aggregate_id();
            tracing::info!(event = event.name(), id, "domain event");
        }
    }
}
{%- endif %}
