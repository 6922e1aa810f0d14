//! HTTP tests: the real router on a real, freshly created database per test.

mod errors;
mod health;
mod helpers;
mod startup;

mod {{aggregates}};
