//! Retrievers: the queries. They read outside any unit of work.

mod get_{{aggregate}};
mod list_{{aggregates}};

#[cfg(test)]
mod tests;

pub use get_{{aggregate}}::Get{{Aggregate}}Retriever;
pub use list_{{aggregates}}::List{{Aggregates}}Query;
pub use list_{{aggregates}}::List{{Aggregates}}Retriever;
pub use list_{{aggregates}}::SORT_KEYS;
