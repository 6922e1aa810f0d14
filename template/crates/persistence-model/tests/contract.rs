//! The in-memory store, held to the repository contract (`src/contract.rs`)
//! like every other store.

use {{crate_name}}_persistence_model::in_memory::InMemoryStore;

{{crate_name}}_persistence_model::contract_suite!(async { (InMemoryStore::new(), ()) });
