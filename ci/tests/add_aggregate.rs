//! `cargo xtask add-aggregate` as a user runs it: what it adds to a generated service, and
//! its refusals, each of which must leave the service exactly as it was. (The matrix's
//! `grow` step then builds and tests a grown service for every combination.)

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask(args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    command.args(args);
    command.output().expect("the harness runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A freshly generated service (SQLite, migrations) in a scratch directory of its own.
fn generated(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-add-test-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let destination = dir.to_str().expect("a UTF-8 temp dir");
    let output = xtask(&["new", "shop", "--no-fmt", "--dest", destination]);
    assert!(output.status.success(), "{}", text(&output));
    dir.join("shop")
}

/// Every file of `dir` and its content.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(next) = pending.pop() {
        for entry in std::fs::read_dir(&next).expect("readable") {
            let path = entry.expect("an entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path).expect("readable"));
            }
        }
    }
    files
}

fn add(service: &Path, name: &str) -> Output {
    let into = service.to_str().expect("a UTF-8 path");
    xtask(&["add-aggregate", name, "--into", into, "--no-fmt"])
}

#[test]
fn an_aggregate_is_added_beside_the_first() {
    let service = generated("add");
    let before = snapshot(&service);
    let output = add(&service, "line_item");
    let report = text(&output);
    assert!(output.status.success(), "{report}");
    assert!(report.contains("the change is additions only"), "{report}");
    let after = snapshot(&service);
    // Nothing removed; the aggregate's own files added.
    assert!(before.keys().all(|path| after.contains_key(path)));
    for file in [
        "crates/entity-model/src/line_item.rs",
        "crates/domain-model/src/processors/create_line_item.rs",
        "crates/persistence-model/src/contract/line_item.rs",
        "crates/persistence-sql/src/line_item_repository.rs",
        "crates/service/src/http/line_items.rs",
        "crates/service/tests/api/line_items.rs",
    ] {
        assert!(after.contains_key(&service.join(file)), "{file} is missing");
    }
    // Its migrations run after the first aggregate's.
    let lib = std::fs::read_to_string(service.join("crates/migration/src/lib.rs")).unwrap();
    let first = lib
        .find("create_orders::Migration")
        .expect("the first migration");
    let added = lib
        .find("create_line_items::Migration")
        .expect("the new migration");
    assert!(first < added, "{lib}");
    // Registered where shared files list each aggregate, and recorded.
    let store = std::fs::read_to_string(service.join("crates/persistence-model/src/store.rs"));
    assert_eq!(store.unwrap().matches("fn line_items(&self)").count(), 2);
    let manifest = std::fs::read_to_string(service.join("Cargo.toml")).unwrap();
    assert!(manifest.contains(r#"{ name = "line_item", plural = "line_items" },"#));

    // The same name again is refused.
    let again = add(&service, "line_item");
    assert!(!again.status.success());
    assert!(text(&again).contains("already has an aggregate `line_item`"));
    let _ = std::fs::remove_dir_all(service.parent().unwrap());
}

#[test]
fn refusals_change_nothing() {
    let service = generated("refusals");
    let untouched = snapshot(&service);
    let refused = |name: &str, words: &str| {
        let output = add(&service, name);
        assert!(!output.status.success(), "`{name}` was accepted");
        let report = text(&output);
        assert!(report.contains(words), "`{name}`: {report}");
        assert_eq!(
            snapshot(&service),
            untouched,
            "`{name}` changed the service"
        );
    };
    refused("order", "already has an aggregate `order`");
    refused("orders", "already has an aggregate `order`");
    // Checked by the template's own hook, as at generation.
    refused("LineItem", "snake_case");
    refused("line_items", "looks plural");

    // A marked place edited away.
    let store = service.join("crates/persistence-model/src/store.rs");
    let original = std::fs::read_to_string(&store).unwrap();
    let edited = original.replace(
        "    // Repositories for reads outside any unit of work, one per aggregate.\n",
        "",
    );
    assert_ne!(edited, original);
    std::fs::write(&store, &edited).unwrap();
    let edited_snapshot = snapshot(&service);
    let output = add(&service, "line_item");
    assert!(!output.status.success());
    let report = text(&output);
    assert!(
        report.contains("store.rs: a marked place was edited away"),
        "{report}"
    );
    assert!(report.contains("one per aggregate"), "{report}");
    assert_eq!(snapshot(&service), edited_snapshot);
    std::fs::write(&store, original).unwrap();

    // A directory this template did not generate.
    let manifest = service.join("Cargo.toml");
    let text_before = std::fs::read_to_string(&manifest).unwrap();
    let cut = text_before
        .find("\n# How this service was generated")
        .unwrap();
    std::fs::write(&manifest, &text_before[..cut]).unwrap();
    let output = add(&service, "line_item");
    assert!(!output.status.success());
    assert!(text(&output).contains("was not generated by this template"));
    let _ = std::fs::remove_dir_all(service.parent().unwrap());
}
