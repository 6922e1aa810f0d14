use {{crate_name}}_entity_model::DomainEvent;

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
