//! Helpers for tests of this and other crates of the workspace: a uniquely
//! named, throw-away database per test, so tests run in parallel without
//! seeing each other's data.
{%- unless database == "sqlite" %}
//! Also a TCP proxy that cuts and restores the connection to the database
//! server, to test outages.
{%- endunless %}
//!
//! Behind the `test-support` feature: never part of the service binary.

// These helpers fail by panicking with a clear message: in a test, that is
// the failure report.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]
{%- if database == "sqlite" %}

mod sqlite;

pub use sqlite::TestDatabase;
{%- else %}

{%- if database == "mongodb" %}
mod mongodb;
{%- endif %}
mod proxy;
{%- if database != "mongodb" %}
mod sql_server;
{%- endif %}

{%- if database == "mongodb" %}
pub use mongodb::TestDatabase;
{%- endif %}
pub use proxy::TcpProxy;
{%- if database != "mongodb" %}
pub use sql_server::TestDatabase;
{%- endif %}

/// Runs a future to completion on a helper thread with its own runtime, for
/// `Drop` implementations: they cannot await, and the test's runtime may be
/// the one blocked in them. `None` if the thread failed.
fn on_own_runtime<F>(future: F) -> Option<F::Output>
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
{%- endif %}
