//! Retrievers: the queries. They read outside any unit of work.

// Modules, one per aggregate.
mod get_{{aggregate}};
mod list_{{aggregates}};
{%- if message_bus == "rabbitmq" %}

mod list_{{aggregate}}_activity;
{%- endif %}

// Tests, one per aggregate.
#[cfg(test)]
mod {{aggregate}}_tests;

// Retrievers, one per aggregate.
pub use get_{{aggregate}}::Get{{Aggregate}}Retriever;
pub use list_{{aggregates}}::List{{Aggregates}}Query;
pub use list_{{aggregates}}::List{{Aggregates}}Retriever;
{%- if message_bus == "rabbitmq" %}

pub use list_{{aggregate}}_activity::List{{Aggregate}}ActivityRetriever;
{%- endif %}
