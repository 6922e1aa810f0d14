//! The {{project-name}} service: HTTP API over the domain model, plus the startup
//! sequence (connect, run startup tasks under a global lock, serve).
//!
//! `main.rs` only parses arguments; everything here is a library so that tests
//! build the same [`startup::Application`] the binary runs.

pub mod cli;
pub mod config;
pub mod http;
pub mod startup;
pub mod telemetry;
