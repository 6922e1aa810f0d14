//! The background task that owns the broker connection.
//!
//! Why a task rather than reconnecting inside `publish`: the connection comes
//! up (and the readiness status turns green) without waiting for traffic, a
//! publish never pays for a connect it did not need, and only one place ever
//! connects, so concurrent publishes cannot race into several connections.
//!
//! Cycle: `Connecting` → (`Connected` → watch until broken) → `Disconnected`
//! for one backoff delay → `Connecting` … A link is seen as broken when a
//! publish reports a lapin error for it, or when lapin's status flags say the
//! connection or channel closed (polled every [`HEALTH_POLL`]; that covers
//! idle links, where heartbeats are what notices a dead peer).
//!
//! The task ends, closing the connection, once every `Publisher` clone is
//! dropped (the watch channel then has no receivers).

use std::time::Duration;

use chrono::{DateTime, Utc};
use lapin::{Channel, types::ShortString, uri::AMQPUri};
use tokio::sync::{mpsc, watch};
use tracing::{info, warn};

use crate::{backoff::Backoff, connection::Link, settings::Redactor};

/// How often an established link's status flags are checked.
const HEALTH_POLL: Duration = Duration::from_millis(250);
/// Bound for the polite close of a link that is being replaced.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(1);

/// What publishers see of the connection.
#[derive(Debug, Clone)]
pub(crate) enum LinkState {
    /// Ready: publish on this channel. `generation` identifies the link so a
    /// late error report about an old link cannot tear down a new one.
    Connected { channel: Channel, generation: u64 },
    /// A connect attempt is running (bounded by `connect_timeout`).
    Connecting {
        since: DateTime<Utc>,
        last_error: String,
    },
    /// Waiting out the backoff delay before the next attempt.
    Disconnected {
        since: DateTime<Utc>,
        last_error: String,
    },
}

/// Sent by a publish whose channel failed.
#[derive(Debug)]
pub(crate) struct BrokenLink {
    pub(crate) generation: u64,
    pub(crate) reason: String,
}

#[derive(Debug)]
pub(crate) struct Supervisor {
    pub(crate) uri: AMQPUri,
    pub(crate) exchange: ShortString,
    pub(crate) connect_timeout: Duration,
    pub(crate) backoff: Backoff,
    pub(crate) redactor: Redactor,
    pub(crate) state: watch::Sender<LinkState>,
    pub(crate) broken: mpsc::Receiver<BrokenLink>,
}

enum Outcome {
    Broken(String),
    Shutdown,
}

impl Supervisor {
    pub(crate) async fn run(mut self) {
        let mut since = Utc::now();
        let mut last_error = String::from("not connected yet");
        let mut generation = 0_u64;
        loop {
            self.state.send_replace(LinkState::Connecting {
                since,
                last_error: last_error.clone(),
            });
            let attempt = tokio::select! {
                () = self.state.closed() => return,
                attempt = tokio::time::timeout(
                    self.connect_timeout,
                    Link::open(self.uri.clone(), &self.exchange),
                ) => attempt,
            };
            match attempt {
                Ok(Ok(link)) => {
                    generation += 1;
                    self.backoff.reset();
                    info!(exchange = %self.exchange, "connected to the message broker");
                    self.state.send_replace(LinkState::Connected {
                        channel: link.channel(),
                        generation,
                    });
                    let outcome = self.watch(&link, generation).await;
                    link.close(CLOSE_TIMEOUT).await;
                    match outcome {
                        Outcome::Shutdown => return,
                        Outcome::Broken(reason) => {
                            since = Utc::now();
                            warn!(error = %reason, "lost the message broker connection; reconnecting");
                            last_error = reason;
                        }
                    }
                }
                Ok(Err(error)) => {
                    last_error = self.redactor.apply(&error);
                    warn!(error = %last_error, "could not connect to the message broker");
                }
                Err(_elapsed) => {
                    last_error = format!(
                        "connecting to the broker timed out after {:?}",
                        self.connect_timeout
                    );
                    warn!(error = %last_error, "could not connect to the message broker");
                }
            }
            self.state.send_replace(LinkState::Disconnected {
                since,
                last_error: last_error.clone(),
            });
            let delay = self.backoff.next_delay();
            tokio::select! {
                () = self.state.closed() => return,
                () = tokio::time::sleep(delay) => {}
            }
        }
    }

    /// Waits until the link breaks or every publisher is gone.
    async fn watch(&mut self, link: &Link, generation: u64) -> Outcome {
        let mut poll = tokio::time::interval(HEALTH_POLL);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut blocked = false;
        loop {
            tokio::select! {
                () = self.state.closed() => return Outcome::Shutdown,
                report = self.broken.recv() => match report {
                    Some(report) if report.generation == generation => {
                        return Outcome::Broken(report.reason);
                    }
                    Some(_stale) => {}
                    None => return Outcome::Shutdown,
                },
                _ = poll.tick() => {
                    if let Some(reason) = link.failure() {
                        return Outcome::Broken(reason.to_owned());
                    }
                    if link.blocked() != blocked {
                        blocked = !blocked;
                        if blocked {
                            warn!("the message broker blocked publishing (resource alarm); publishes will time out");
                        } else {
                            info!("the message broker unblocked publishing");
                        }
                    }
                }
            }
        }
    }
}
