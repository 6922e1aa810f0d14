//! Helpers for tests of this and other crates of the workspace, behind the
//! `test-support` feature (never part of the service binary): a uniquely
//! named, throw-away database per test, so tests run in parallel without
//! seeing each other's data.

// These helpers fail by panicking with a clear message: in a test, that is
// the failure report.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used)]

mod test_database;

pub use test_database::TestDatabase;
