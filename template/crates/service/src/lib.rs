//! The {{project-name}} service: HTTP API over the domain model, plus the startup
//! sequence (serve at once; in the background wait for the database, run the
//! startup tasks under a global lock, turn ready).
//!
//! `main.rs` only parses arguments; everything here is a library so that tests
//! build the same [`startup::Application`] the binary runs.

pub mod cli;
pub mod config;
pub mod diagnostics;
pub mod http;
pub mod readiness;
{%- if message_bus == "rabbitmq" %}
pub mod relay;
{%- endif %}
pub mod startup;
{%- if message_bus == "rabbitmq" %}
pub mod subscriber;
{%- endif %}
pub mod telemetry;
