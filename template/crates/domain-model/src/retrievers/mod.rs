//! Retrievers: the queries. They read outside any unit of work.

mod get_{{aggregate}};
mod list_{{aggregates}};
{%- if message_bus == "rabbitmq" %}

mod list_{{aggregate}}_activity;
{%- endif %}

#[cfg(test)]
mod tests;

pub use get_{{aggregate}}::Get{{Aggregate}}Retriever;
pub use list_{{aggregates}}::List{{Aggregates}}Query;
pub use list_{{aggregates}}::List{{Aggregates}}Retriever;
pub use list_{{aggregates}}::SORT_KEYS;
{%- if message_bus == "rabbitmq" %}

pub use list_{{aggregate}}_activity::List{{Aggregate}}ActivityRetriever;
{%- endif %}
