//! The `layers` step: the inner crates of a generated service compile without a database
//! driver.
//!
//! `entity-model`, `domain-model` and `persistence-model` hold the aggregate, the processors
//! and retrievers, and the persistence interfaces; the SeaORM or MongoDB code lives in its own
//! `persistence-*` crate that only the service depends on. A dependency added to an inner
//! crate for convenience would pull a driver into the domain without any test failing, so
//! this step reads `cargo tree` for each inner crate and fails on any driver crate in it.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::matrix::{append, cargo_command};

/// Crates of the inner layers, by their suffix after the project name.
const INNER_CRATES: [&str; 3] = ["entity-model", "domain-model", "persistence-model"];

/// Driver and ORM crates that belong to the `persistence-*` implementation crates only.
const DRIVER_CRATES: [&str; 6] = [
    "sea-orm",
    "sea-query",
    "sqlx",
    "sqlx-core",
    "mongodb",
    "bson",
];

/// `Ok(false)` and the offending paths in the log when an inner crate depends on a driver.
pub fn check(project_dir: &Path, project: &str, target: &Path, log: &Path) -> Result<bool> {
    let mut clean = true;
    for inner in INNER_CRATES {
        let package = format!("{project}-{inner}");
        // Normal dependencies only, with every feature: a driver behind a feature of an
        // inner crate would still be one `--features` away from the domain.
        let mut command: Command = cargo_command(project_dir, target);
        command.args([
            "tree",
            "--package",
            &package,
            "--edges",
            "normal",
            "--all-features",
            "--prefix",
            "none",
            "--format",
            "{p}",
        ]);
        let output = command
            .output()
            .with_context(|| format!("cannot run cargo tree for {package}"))?;
        let tree = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            append(
                log,
                &format!(
                    "cargo tree -p {package} failed:\n{}",
                    String::from_utf8_lossy(&output.stderr)
                ),
            );
            return Ok(false);
        }
        let drivers = drivers_in(&tree);
        if drivers.is_empty() {
            append(
                log,
                &format!(
                    "{package}: {} crates, no driver\n",
                    tree.lines().filter(|line| !line.trim().is_empty()).count()
                ),
            );
        } else {
            clean = false;
            append(
                log,
                &format!(
                    "{package} depends on {}: driver crates belong in the persistence-* \
                     implementation crate, which only the service depends on\n",
                    drivers.join(", ")
                ),
            );
        }
    }
    Ok(clean)
}

/// The driver crates named in `cargo tree --prefix none --format {p}` output, once each.
fn drivers_in(tree: &str) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| DRIVER_CRATES.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::drivers_in;

    #[test]
    fn finds_driver_crates_by_name_not_by_prefix() {
        let tree = "acme-shop-domain-model v0.1.0 (/x)\n\
                    sea-orm v2.0.0\n\
                    sea-orm-macros v2.0.0\n\
                    sqlx v0.8.6\n\
                    sqlx-core v0.8.6\n\
                    serde v1.0.0\n\
                    sea-orm v2.0.0 (*)\n";
        assert_eq!(drivers_in(tree), ["sea-orm", "sqlx", "sqlx-core"]);
    }

    #[test]
    fn a_tree_without_drivers_has_none() {
        let tree = "acme-shop-entity-model v0.1.0 (/x)\nchrono v0.4.42\nuuid v1.18.1\n";
        assert!(drivers_in(tree).is_empty());
    }
}
