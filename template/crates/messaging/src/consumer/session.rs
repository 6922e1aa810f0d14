//! One connection's worth of consuming: from the connect to a broken link
//! or the shutdown.
//!
//! Two channels: deliveries (and their acks) on one, the confirm-mode
//! publishes of retry and dead-letter copies on the other, so waiting for a
//! confirm never holds up the deliveries.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use lapin::options::ConfirmSelectOptions;
use lapin::options::{BasicCancelOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::{FieldTable, ShortString};
use lapin::uri::AMQPUri;
use lapin::{Channel, Connection};
use tokio::task::JoinSet;
use tracing::{debug, warn};

use super::Handler;
use super::settle::{Settler, process};
use super::topology::Topology;
use crate::connection::connect;

/// How often the link's status flags are checked (as the publisher's supervisor does).
const HEALTH_POLL: Duration = Duration::from_millis(250);
/// Bound for the polite close and for the cancel: a dead peer must not hold
/// up a reconnect or the shutdown.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);
/// How long the shutdown waits for handlers in progress. Their messages go
/// back to the queue when it gives up, so nothing is lost, only repeated.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(20);

/// Why consuming ended.
pub(super) enum Outcome {
    Broken(String),
    Shutdown,
}

pub(super) struct Session {
    connection: Connection,
    consuming: Channel,
    publishing: Channel,
    deliveries: lapin::Consumer,
}

impl Session {
    /// Connects, declares the topology and subscribes. A failure after the
    /// connect closes the connection, so retries do not pile up connections.
    pub(super) async fn open(
        uri: AMQPUri,
        topology: &Topology,
        prefetch: u16,
    ) -> Result<Self, lapin::Error> {
        let connection = connect(uri, "{{project-name}}-consumer").await?;
        match subscribe(&connection, topology, prefetch).await {
            Ok((consuming, publishing, deliveries)) => Ok(Self {
                connection,
                consuming,
                publishing,
                deliveries,
            }),
            Err(error) => {
                close(&connection).await;
                Err(error)
            }
        }
    }

    pub(super) fn publishing(&self) -> Channel {
        self.publishing.clone()
    }

    /// Hands every delivery to its own task until the link breaks or
    /// `shutdown` completes; then closes the connection.
    ///
    /// Prefetch bounds the tasks: the broker sends no more than that many
    /// unacked deliveries.
    pub(super) async fn consume<F>(
        mut self,
        handler: &Arc<dyn Handler>,
        settler: Arc<Settler>,
        shutdown: &mut Pin<&mut F>,
    ) -> Outcome
    where
        F: Future<Output = ()>,
    {
        let mut in_flight = JoinSet::new();
        let mut poll = tokio::time::interval(HEALTH_POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let outcome = loop {
            tokio::select! {
                () = shutdown.as_mut() => break Outcome::Shutdown,
                Some(joined) = in_flight.join_next() => {
                    if let Err(error) = joined {
                        warn!(%error, "settling a delivery failed");
                    }
                }
                next = self.deliveries.next() => match next {
                    Some(Ok(delivery)) => {
                        let (handler, settler) = (handler.clone(), settler.clone());
                        in_flight.spawn(process(handler, settler, delivery));
                    }
                    Some(Err(error)) => break Outcome::Broken(error.to_string()),
                    None => break Outcome::Broken(
                        "the broker cancelled the subscription (queue deleted?)".to_owned(),
                    ),
                },
                _ = poll.tick() => {
                    if let Some(reason) = self.failure() {
                        break Outcome::Broken(reason.to_owned());
                    }
                }
            }
        };
        match outcome {
            Outcome::Shutdown => self.drain(in_flight).await,
            // Their acks cannot reach the broker any more, which redelivers
            // the messages; the handlers may still finish what they started.
            Outcome::Broken(_) => in_flight.detach_all(),
        }
        close(&self.connection).await;
        outcome
    }

    /// Stops new deliveries, then waits (bounded) for those in progress.
    async fn drain(&self, mut in_flight: JoinSet<()>) {
        let tag = self.deliveries.tag();
        let cancel = self
            .consuming
            .basic_cancel(tag, BasicCancelOptions::default());
        if let Ok(Err(error)) = tokio::time::timeout(CLOSE_TIMEOUT, cancel).await {
            debug!(%error, "cancelling the subscription failed");
        }
        let pending = in_flight.len();
        let drained = tokio::time::timeout(DRAIN_TIMEOUT, async {
            while in_flight.join_next().await.is_some() {}
        });
        if drained.await.is_err() {
            warn!(
                pending,
                left = in_flight.len(),
                "handlers still running after {DRAIN_TIMEOUT:?}; their messages will be redelivered"
            );
        }
    }

    /// Why the session is unusable, if it is (lapin's flags, no I/O).
    fn failure(&self) -> Option<&'static str> {
        if !self.connection.status().connected() {
            Some(
                "the broker connection closed (I/O error or missed heartbeats; lapin logs the cause)",
            )
        } else if !self.consuming.status().connected() {
            Some("the broker closed the consuming channel")
        } else if !self.publishing.status().connected() {
            Some("the broker closed the channel for retries and dead letters")
        } else {
            None
        }
    }
}

async fn subscribe(
    connection: &Connection,
    topology: &Topology,
    prefetch: u16,
) -> Result<(Channel, Channel, lapin::Consumer), lapin::Error> {
    let publishing = connection.create_channel().await?;
    publishing
        .confirm_select(ConfirmSelectOptions::default())
        .await?;
    topology.declare(&publishing).await?;
    let consuming = connection.create_channel().await?;
    consuming
        .basic_qos(prefetch, BasicQosOptions::default())
        .await?;
    // Manual acks (`no_ack: false`); the broker names the consumer.
    let deliveries = consuming
        .basic_consume(
            topology.queue().clone(),
            ShortString::default(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await?;
    Ok((consuming, publishing, deliveries))
}

/// Best-effort, bounded close; unacked deliveries go back to the queue.
async fn close(connection: &Connection) {
    if connection.status().connected() {
        let closing = connection.close(200, "consumer shutting down or reconnecting".into());
        if let Ok(Err(error)) = tokio::time::timeout(CLOSE_TIMEOUT, closing).await {
            debug!(%error, "closing the broker connection failed");
        }
    }
}
