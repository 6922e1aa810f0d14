//! MongoDB held to the repository contract (the persistence model's
//! `contract` module): every case on a fresh database, with transactions.

// Test code: a panic is how a failed expectation is reported.
#![allow(clippy::expect_used)]

{% if migrations -%}
use {{crate_name}}_migration::{Migrator, MigratorTrait};
{% endif -%}
use {{crate_name}}_persistence_mongo::MongoStore;
{%- unless migrations %}
use {{crate_name}}_persistence_mongo::ensure_schema;
{%- endunless %}
use {{crate_name}}_persistence_mongo::test_support::TestDatabase;

/// A store on a fresh database with the schema, and the database, which is
/// dropped when the test ends.
async fn store() -> (MongoStore, TestDatabase) {
    let database = TestDatabase::create().await;
{%- if migrations %}
    let migrated = Migrator::up(database.connection(), None).await;
    migrated.expect("migrations apply to an empty database");
{%- else %}
    let created = ensure_schema(database.connection()).await;
    created.expect("the schema is created in an empty database");
{%- endif %}
    let store = MongoStore::new(database.connection().clone(), true);
    (store, database)
}

{{crate_name}}_persistence_model::contract_suite!(store());
