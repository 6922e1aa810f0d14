//! `cargo xtask names`: the template generated with unusual aggregate names that the
//! pre-hook accepts, each compiled with `cargo check --all-targets`.
//!
//! An aggregate name becomes module, type, function and table names in every crate, so a
//! name can collide with a module, an import or a type the generated code already has
//! (`metric` gives `mod metrics` next to the service's own `metrics` module). The pre-hook
//! refuses the names known to collide; this command checks that the unusual names it
//! accepts still compile. It runs no tests and needs no server: a collision is a compile
//! error, and the matrix tests the behaviour with the default and one two-word name.
//!
//! Each name is checked against one backend family. The code an aggregate name meets is
//! the same for the SQL databases (the SeaORM crates) and different for MongoDB, so every
//! name chosen for its resemblance to a SeaORM or MongoDB name runs on that family, and the
//! others alternate between SQLite and MongoDB: two families, one build each, instead of a
//! build per name and database.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result, bail};

use crate::combos::PROJECT_NAME;
use crate::matrix::{cargo_command, run_logged};

/// One unusual name, the database it is checked with, and what makes it unusual.
#[derive(Debug, Clone, Copy)]
pub struct Case {
    pub aggregate: &'static str,
    pub database: &'static str,
    pub why: &'static str,
}

/// Names the pre-hook accepts that exercise the derivations and sit next to refused ones.
pub const CASES: &[Case] = &[
    Case {
        aggregate: "ox",
        database: "sqlite",
        why: "two letters, the shortest name accepted: type `Ox`, plural `oxes`",
    },
    Case {
        aggregate: "item2",
        database: "mongodb",
        why: "a digit: `Item2`, `item2s`",
    },
    Case {
        aggregate: "address",
        database: "sqlite",
        why: "ends in \"ss\": plural `addresses`, sorts before `AggregateRoot`",
    },
    Case {
        aggregate: "category",
        database: "mongodb",
        why: "plural in \"ies\": `categories`",
    },
    Case {
        aggregate: "analysis",
        database: "sqlite",
        why: "ends in \"is\": passes the singular check, plural `analysises`",
    },
    Case {
        aggregate: "type_code",
        database: "mongodb",
        why: "starts with a keyword: `type_code`, `TypeCode`",
    },
    Case {
        aggregate: "status_entry",
        database: "sqlite",
        why: "the hook's suggestion for the reserved `status`",
    },
    Case {
        aggregate: "column_entry",
        database: "sqlite",
        why: "next to the reserved `column` (SeaORM's `Column`)",
    },
    Case {
        aggregate: "collection_entry",
        database: "mongodb",
        why: "next to the reserved `collection` (the driver's `Collection`)",
    },
    Case {
        aggregate: "metrics_report",
        database: "mongodb",
        why: "starts with a module name of the service (`metrics`)",
    },
    Case {
        aggregate: "international_shipping_declaration",
        database: "sqlite",
        why: "long: type and function names far beyond the default ones",
    },
];

/// Checks the cases whose aggregate or database contains one of `filters` (all without
/// filters); `Ok(false)` when any failed.
pub fn run(repo: &Path, cache: &Path, filters: &[String]) -> Result<bool> {
    let selected: Vec<&Case> = CASES
        .iter()
        .filter(|case| {
            filters.is_empty()
                || filters
                    .iter()
                    .any(|f| case.aggregate.contains(f.as_str()) || case.database == f)
        })
        .collect();
    if selected.is_empty() {
        bail!(
            "--only {} selects no name; the names are: {}",
            filters.join(" --only "),
            CASES
                .iter()
                .map(|case| case.aggregate)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    let started = Instant::now();
    let logs = cache.join("logs").join("names");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    println!(
        "names: {} of {} aggregate names, `cargo check --all-targets` each, work dir {}",
        selected.len(),
        CASES.len(),
        cache.display()
    );
    let mut failed = Vec::new();
    for case in selected {
        let case_started = Instant::now();
        let log = logs.join(format!("{}-{}.log", case.aggregate, case.database));
        std::fs::write(&log, format!("{}: {}\n", case.aggregate, case.why))
            .with_context(|| format!("cannot write {}", log.display()))?;
        let passed = check(repo, cache, case, &log)?;
        println!(
            "  {:<36} {:<8} {:<5}{:>7.1}s",
            case.aggregate,
            case.database,
            if passed { "ok" } else { "FAIL" },
            case_started.elapsed().as_secs_f64()
        );
        if !passed {
            println!("    log: {}", log.display());
            failed.push(case.aggregate);
        }
    }
    Ok(crate::report::summary("names", &failed, started))
}

/// Generates the case into the same directory as every other case of its database, so that
/// each check overwrites the last one's build in the shared target directory instead of
/// adding another, and compiles it.
fn check(repo: &Path, cache: &Path, case: &Case, log: &Path) -> Result<bool> {
    let dest = cache.join("names").join(case.database);
    let project = dest.join(PROJECT_NAME);
    match std::fs::remove_dir_all(&project) {
        Ok(()) => {}
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
        Err(error) => {
            return Err(error).with_context(|| format!("cannot remove {}", project.display()));
        }
    }
    let exe = std::env::current_exe().context("cannot locate the xtask binary")?;
    let mut generate = Command::new(exe);
    generate
        .args(["new", PROJECT_NAME, "--no-fmt", "--from"])
        .arg(repo)
        .arg("--dest")
        .arg(&dest)
        .args(["-d", &format!("database={}", case.database)])
        .args(["-d", &format!("aggregate={}", case.aggregate)]);
    if !run_logged(generate, log)? {
        return Ok(false);
    }
    let mut check = cargo_command(&project, &cache.join("target"));
    check.args(["check", "--all-targets"]);
    run_logged(check, log)
}
