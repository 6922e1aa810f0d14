//! What the service can do right now, shared by the startup sequence (which
//! moves it forward) and the HTTP layer (which answers `/health/ready` from it
//! and turns API requests away with 503 until the service is ready).

use std::sync::Arc;

use async_trait::async_trait;
use tokio::sync::watch;

/// Where the startup sequence is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Phase {
    /// The database has not answered yet; `reason` is its last error.
    WaitingForDatabase {
        attempt: u32,
        reason: String,
    },
    /// Running the startup tasks, or waiting for another instance's.
    RunningStartupTasks,
    Ready,
    /// Startup failed for good: the process is stopping.
    Failed(String),
}

impl Phase {
    /// Why the service is not ready, for people (`None` when ready).
    pub fn not_ready_because(&self) -> Option<String> {
        match self {
            Self::WaitingForDatabase { attempt, reason } => Some(format!(
                "waiting for the database (attempt {attempt}): {reason}"
            )),
            Self::RunningStartupTasks => Some("running startup tasks".to_owned()),
            Self::Ready => None,
            Self::Failed(reason) => Some(format!("startup failed: {reason}")),
        }
    }
}

/// The current [`Phase`], cheap to clone and to read on every request.
#[derive(Debug, Clone)]
pub struct Readiness {
    phase: Arc<watch::Sender<Phase>>,
}

impl Default for Readiness {
    fn default() -> Self {
        Self::new()
    }
}

impl Readiness {
    /// Starts in [`Phase::RunningStartupTasks`]: nothing is known yet.
    pub fn new() -> Self {
        let (phase, _) = watch::channel(Phase::RunningStartupTasks);
        Self {
            phase: Arc::new(phase),
        }
    }

    pub fn set(&self, phase: Phase) {
        self.phase.send_replace(phase);
    }

    pub fn phase(&self) -> Phase {
        self.phase.borrow().clone()
    }

    pub fn is_ready(&self) -> bool {
        *self.phase.borrow() == Phase::Ready
    }

    /// Waits until the service is ready (`Ok`) or its startup failed (`Err`
    /// with the reason).
    pub async fn wait(&self) -> Result<(), String> {
        let mut phases = self.phase.subscribe();
        let settled = phases
            .wait_for(|phase| matches!(phase, Phase::Ready | Phase::Failed(_)))
            .await;
        // The sender lives in `self`, so the channel cannot close meanwhile.
        match settled.as_deref() {
            Ok(Phase::Failed(reason)) => Err(reason.clone()),
            _ => Ok(()),
        }
    }

    /// Resolves when the startup has failed.
    pub async fn failed(&self) {
        let mut phases = self.phase.subscribe();
        let _ = phases
            .wait_for(|phase| matches!(phase, Phase::Failed(_)))
            .await;
    }
}

/// One thing `/health/ready` looks at.
#[async_trait]
pub trait ReadinessCheck: Send + Sync + std::fmt::Debug {
    fn name(&self) -> &'static str;

    /// Whether the service cannot work without it. A failing check that is
    /// not required shows as `degraded` and leaves the service ready.
    fn required(&self) -> bool {
        true
    }

    /// `Err` with the reason when the dependency is not usable.
    async fn check(&self) -> Result<(), String>;
}

#[async_trait]
impl ReadinessCheck for Readiness {
    fn name(&self) -> &'static str {
        "startup"
    }

    async fn check(&self) -> Result<(), String> {
        match self.phase().not_ready_because() {
            None => Ok(()),
            Some(reason) => Err(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waiting_ends_with_the_outcome() {
        let readiness = Readiness::new();
        assert!(!readiness.is_ready());
        let waiter = {
            let readiness = readiness.clone();
            tokio::spawn(async move { readiness.wait().await })
        };
        readiness.set(Phase::Ready);
        assert_eq!(waiter.await.unwrap(), Ok(()));
        assert!(readiness.check().await.is_ok());

        let failing = Readiness::new();
        failing.set(Phase::Failed("no".to_owned()));
        assert_eq!(failing.wait().await, Err("no".to_owned()));
        failing.failed().await;
        let reason = failing.check().await.unwrap_err();
        assert!(reason.contains("startup failed: no"), "{reason}");
    }
}
