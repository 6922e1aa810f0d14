//! HTTP tests: the real router on a real, freshly created database per test.

// Test code: a panic is how a failed expectation is reported.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

{% if message_bus == "rabbitmq" -%}
mod activity;
{% endif -%}
mod binary;
mod collector;
mod errors;
{%- if message_bus == "rabbitmq" %}
mod events;
{%- endif %}
mod health;
mod helpers;
{%- unless database == "sqlite" %}
mod outage;
{%- endunless %}
mod startup;
mod traces;
{%- if database == "mongodb" and message_bus == "none" %}
mod transactions_off;
{%- endif %}

// Resources, one per aggregate.
mod {{aggregates}};
