use std::sync::Arc;

use tokio::sync::Notify;

/// Wakes the relay of this process when a unit of work committed outbox
/// messages, so an event is published right after its commit instead of at
/// the next poll. A wake-up sent while the relay is busy is kept for its next
/// wait; other instances' commits are found by polling.
#[derive(Debug, Clone, Default)]
pub struct OutboxSignal(Arc<Notify>);

impl OutboxSignal {
    pub fn notify(&self) {
        self.0.notify_one();
    }

    /// Returns at the next [`notify`](Self::notify), or at once if one came
    /// since the last wait.
    pub async fn notified(&self) {
        self.0.notified().await;
    }
}
