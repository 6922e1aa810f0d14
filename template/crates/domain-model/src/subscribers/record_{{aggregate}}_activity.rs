use std::sync::Arc;

use {{crate_name}}_persistence_model::{PersistenceError, Store};

use crate::Result;

use {{crate_name}}_entity_model::{{Aggregate}}Activity as Activity;

/// What handling one message did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The activity record was stored, with the message in the inbox.
    Recorded,
    /// The message was handled before: nothing changed.
    Duplicate,
}

/// Stores one activity record per event of {{an_aggregate}}, however often the
/// event is delivered.
#[derive(Debug, Clone)]
pub struct Record{{Aggregate}}ActivityProcessor {
    store: Arc<dyn Store>,
    consumer: String,
}

impl Record{{Aggregate}}ActivityProcessor {
    /// `consumer` names this subscriber in the inbox (its queue): each
    /// subscriber sees every message once, whatever the others did.
    pub fn new(store: Arc<dyn Store>, consumer: impl Into<String>) -> Self {
        let consumer = consumer.into();
        Self { store, consumer }
    }

    /// Accepts the event's message and stores `activity`, in one unit of work.
    ///
    /// A concurrent delivery of the same message makes one of the two fail
    /// with an error (a conflict); retried, it then finds the message in the
    /// inbox and ends as a [`Outcome::Duplicate`].
    #[tracing::instrument(name = "Record{{Aggregate}}ActivityProcessor", skip_all, fields(event_id = %activity.event_id))]
    pub async fn process(&self, activity: &Activity) -> Result<Outcome> {
        let mut work = self.store.begin().await?;
        let (id, received_at) = (activity.event_id, activity.recorded_at);
        if !work.accept_message(&self.consumer, id, received_at).await? {
            work.rollback().await?;
            return Ok(Outcome::Duplicate);
        }
        let added = work.{{aggregate}}_activity().add(activity).await;
        match added {
            Ok(()) => {}
            // Recorded already under another consumer name: the effect exists.
            Err(PersistenceError::Duplicate) => {
                work.rollback().await?;
                return Ok(Outcome::Duplicate);
            }
            Err(other) => return Err(other.into()),
        }
        work.commit().await?;
        Ok(Outcome::Recorded)
    }
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use {{crate_name}}_entity_model::Version;
    use {{crate_name}}_persistence_model::in_memory::InMemoryStore;

    use super::*;

    use {{crate_name}}_entity_model::{{Aggregate}}EventKind as Kind;
    use {{crate_name}}_entity_model::{{Aggregate}}Id as Id;

    fn activity(id: Id, version: Version) -> Activity {
        Activity {
            event_id: Id::generate().as_uuid(),
            {{aggregate}}_id: id,
            kind: Kind::Updated,
            version,
            occurred_at: Utc::now(),
            recorded_at: Utc::now(),
        }
    }

    async fn recorded(store: &Arc<dyn Store>, id: Id) -> Vec<Activity> {
        let page = store.{{aggregate}}_activity().list(id, 0, 100).await;
        page.unwrap().items
    }

    #[tokio::test]
    async fn an_event_delivered_twice_is_recorded_once() {
        let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
        let processor = Record{{Aggregate}}ActivityProcessor::new(store.clone(), "feed");
        let event = activity(Id::generate(), 1);
        let first = processor.process(&event).await.unwrap();
        let second = processor.process(&event).await.unwrap();
        assert_eq!((first, second), (Outcome::Recorded, Outcome::Duplicate));
        assert_eq!(recorded(&store, event.{{aggregate}}_id).await, [event]);
    }

    #[tokio::test]
    async fn another_consumer_has_an_inbox_of_its_own() {
        let store: Arc<dyn Store> = Arc::new(InMemoryStore::new());
        let feed = Record{{Aggregate}}ActivityProcessor::new(store.clone(), "feed");
        let audit = Record{{Aggregate}}ActivityProcessor::new(store.clone(), "audit");
        let event = activity(Id::generate(), 1);
        assert_eq!(feed.process(&event).await.unwrap(), Outcome::Recorded);
        // The record exists: the second consumer's effect is not repeated.
        assert_eq!(audit.process(&event).await.unwrap(), Outcome::Duplicate);
        assert_eq!(recorded(&store, event.{{aggregate}}_id).await.len(), 1);
    }
}
