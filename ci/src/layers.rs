//! The `layers` step: the inner crates of a generated service compile without a database
//! driver, and a service without a message bus compiles without a broker client.
//!
//! `entity-model`, `domain-model` and `persistence-model` hold the aggregate, the processors
//! and retrievers, and the persistence interfaces; the SeaORM or MongoDB code lives in its own
//! `persistence-*` crate that only the service depends on (the `messaging` crate, with a
//! message bus, sees the persistence interfaces only). A dependency added to an inner crate
//! for convenience would pull a driver into the domain without any test failing, so this
//! step reads `cargo tree` for each inner crate and fails on any driver crate in it. With
//! `message_bus = none` it also reads the service's tree: no lapin may be left in it.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};

use crate::combos::Combination;
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

/// Broker clients, which only the `messaging` crate of a service with a message bus uses.
const BROKER_CRATES: [&str; 1] = ["lapin"];

/// `Ok(false)` with the reasons in the log when an inner crate depends on a driver, or a
/// service without a message bus on a broker client.
pub fn check(
    project_dir: &Path,
    combination: &Combination,
    target: &Path,
    log: &Path,
) -> Result<bool> {
    let project = combination.project.as_str();
    let with_bus = combination
        .get("message_bus")
        .is_some_and(|bus| bus != "none");
    let mut checks: Vec<(String, &[&str])> = INNER_CRATES
        .iter()
        .map(|inner| (format!("{project}-{inner}"), &DRIVER_CRATES[..]))
        .collect();
    if with_bus {
        checks.push((format!("{project}-messaging"), &DRIVER_CRATES[..]));
    } else {
        checks.push((format!("{project}-service"), &BROKER_CRATES[..]));
    }
    let mut clean = true;
    for (package, forbidden) in checks {
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
        let found = named_in(&tree, forbidden);
        if found.is_empty() {
            append(
                log,
                &format!(
                    "{package}: {} crates, none of {}\n",
                    tree.lines().filter(|line| !line.trim().is_empty()).count(),
                    forbidden.join(", ")
                ),
            );
        } else if forbidden == BROKER_CRATES {
            clean = false;
            append(
                log,
                &format!(
                    "{package} depends on {} although message_bus = none: the broker \
                     client belongs to the messaging crate, generated with a message bus only\n",
                    found.join(", ")
                ),
            );
        } else {
            clean = false;
            append(
                log,
                &format!(
                    "{package} depends on {}: driver crates belong in the persistence-* \
                     implementation crate, which only the service depends on\n",
                    found.join(", ")
                ),
            );
        }
    }
    Ok(clean)
}

/// The `crates` named in `cargo tree --prefix none --format {p}` output, once each.
fn named_in(tree: &str, crates: &[&str]) -> Vec<String> {
    let mut found: Vec<String> = tree
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .filter(|name| crates.contains(name))
        .map(str::to_owned)
        .collect();
    found.sort();
    found.dedup();
    found
}

#[cfg(test)]
mod tests {
    use super::{BROKER_CRATES, DRIVER_CRATES, named_in};

    #[test]
    fn finds_driver_crates_by_name_not_by_prefix() {
        let tree = "acme-shop-domain-model v0.1.0 (/x)\n\
                    sea-orm v2.0.0\n\
                    sea-orm-macros v2.0.0\n\
                    sqlx v0.8.6\n\
                    sqlx-core v0.8.6\n\
                    serde v1.0.0\n\
                    sea-orm v2.0.0 (*)\n";
        assert_eq!(
            named_in(tree, &DRIVER_CRATES),
            ["sea-orm", "sqlx", "sqlx-core"]
        );
        assert!(named_in(tree, &BROKER_CRATES).is_empty());
    }

    #[test]
    fn a_tree_without_drivers_has_none() {
        let tree = "acme-shop-entity-model v0.1.0 (/x)\nchrono v0.4.42\nuuid v1.18.1\n";
        assert!(named_in(tree, &DRIVER_CRATES).is_empty());
    }
}
