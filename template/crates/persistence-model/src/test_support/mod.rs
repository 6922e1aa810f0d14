//! Helpers for tests of the stores and the service, behind the `test-support`
//! feature (never part of the service binary): a TCP proxy that cuts and
//! restores the connection to a server, to test outages, and a way for a
//! `Drop` to finish async work.

// These helpers fail by panicking with a clear message: in a test, that is
// the failure report.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod proxy;

pub use proxy::TcpProxy;

/// Runs a future to completion on a helper thread with its own runtime, for
/// `Drop` implementations: they cannot await, and the test's runtime may be
/// the one blocked in them. `None` if the thread failed.
pub fn on_own_runtime<F>(future: F) -> Option<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        Some(runtime.block_on(future))
    });
    thread.join().ok().flatten()
}
