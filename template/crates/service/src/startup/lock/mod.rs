//! The global startup lock: N instances starting together run their startup
//! tasks one after another, never at once (two migrators racing on the same
//! `CREATE TABLE` fail).
//!
//! [`GlobalLock`] is the chosen database's lock, in a module of its own; every
//! lock retries through [`wait_for`] and frees itself when its holder dies, so
//! a crashed instance never leaves it behind.

mod {{database}};

use std::time::{Duration, Instant};

pub use {{database}}::GlobalLock;

/// How often a waiting instance tries the lock again.
const RETRY_EVERY: Duration = Duration::from_millis(200);

/// Calls `try_lock` until it succeeds or `timeout` passes.
///
/// `try_lock` returns a plain future (not an async closure) so that the whole
/// startup stays `Send` and can run on a spawned task.
async fn wait_for<F, Fut>(timeout: Duration, mut try_lock: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<bool>>,
{
    let started = Instant::now();
    loop {
        if try_lock().await? {
            return Ok(());
        }
        if started.elapsed() >= timeout {
            anyhow::bail!(
                "another instance held the startup lock for more than {timeout:?}; \
                 if none is running, check for a stuck process \
                 (or raise startup.lock_timeout_secs)"
            );
        }
        tokio::time::sleep(RETRY_EVERY).await;
    }
}
