//! The hooks (hooks/pre.rhai, hooks/post.rhai) through `cargo xtask new`, as a user runs it:
//! refused aggregate names say which rule they break and suggest a name that passes, and
//! the next steps name the project's directory with aligned comments. (`cargo xtask
//! cli-check` checks the same refusals through the `cargo generate` CLI.)

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn xtask_new(name: &str, destination: &Path, defines: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_xtask"));
    // No rustfmt pass: the hooks do not depend on it, and it is most of a generation's time.
    command
        .args(["new", name, "--no-fmt", "--dest"])
        .arg(destination);
    for define in defines {
        command.args(["-d", define]);
    }
    // Without a terminal the hook cannot ask again: a refusal ends generation.
    command.output().expect("the harness runs")
}

fn scratch(label: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("xtask-hook-test-{label}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn every_refusal_states_its_rule_and_suggests_a_name_that_passes() {
    // (aggregate, words of the rule, suggestion)
    let cases = [
        ("orders", "looks plural", "order"),
        ("categories", "looks plural", "category"),
        ("batches", "looks plural", "batch"),
        // "box" is a keyword.
        ("boxes", "looks plural", "box_entry"),
        // The singular is a reserved name: the suggestion must pass every rule.
        ("values", "looks plural", "value_entry"),
        ("self", "is a Rust keyword", "self_entry"),
        (
            "value",
            "a name the generated code already uses",
            "value_entry",
        ),
        (
            "status",
            "a name the generated code already uses",
            "status_entry",
        ),
        // Names that passed the hook and broke the build: a plural that is a module of
        // the generated code, a module of the entity model, a type the generated code
        // imports or Rust's prelude has, a crate, a one-letter name, SeaORM's own table.
        ("metric", "has the plural \"metrics\"", "metric_entry"),
        ("doc", "has the plural \"docs\"", "doc_entry"),
        ("helper", "has the plural \"helpers\"", "helper_entry"),
        (
            "aggregate_root",
            "a name the generated code already uses",
            "aggregate_root_entry",
        ),
        ("column", "would name its type Column", "column_entry"),
        ("database", "would name its type Database", "database_entry"),
        (
            "collection",
            "would name its type Collection",
            "collection_entry",
        ),
        ("string", "would name its type String", "string_entry"),
        // Modules and types of the split persistence crates and the events.
        (
            "record",
            "a name the generated code already uses",
            "record_entry",
        ),
        (
            "domain",
            "would name one of its types DomainEvent",
            "domain_entry",
        ),
        (
            "invalid",
            "would name one of its types InvalidRecord",
            "invalid_entry",
        ),
        ("app", "would name one of its types AppState", "app_entry"),
        ("chrono", "is the name of a crate", "chrono_entry"),
        ("a", "has one letter", "a_entry"),
        (
            "seaql_migration",
            "the table in which SeaORM records",
            "seaql_migration_entry",
        ),
        ("Order", "is not snake_case", "order"),
        ("PurchaseInvoice", "is not snake_case", "purchase_invoice"),
        ("purchase__invoice", "is not snake_case", "purchase_invoice"),
        ("line-item", "is not snake_case", "line_item"),
        ("2fast", "is not snake_case", "fast"),
    ];
    let destination = scratch("refusals");
    for (aggregate, rule, suggestion) in cases {
        let output = xtask_new("demo", &destination, &[&format!("aggregate={aggregate}")]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{aggregate}: generation must fail"
        );
        assert!(
            stderr.contains(rule),
            "{aggregate}: no {rule:?} in {stderr}"
        );
        let suggested = format!("try \"{suggestion}\"");
        assert!(
            stderr.contains(&suggested),
            "{aggregate}: no {suggested:?} in {stderr}"
        );
        // The CLI leaves the project directory behind and the hook says how to remove it;
        // `cargo xtask new` removes it and says so.
        assert!(stderr.contains("rmdir '"), "{aggregate}: {stderr}");
        assert!(stderr.contains("has removed"), "{aggregate}: {stderr}");
        assert!(
            !destination.join("demo").exists(),
            "{aggregate}: nothing is left behind"
        );
    }

    // Each suggestion is accepted.
    let mut suggestions: Vec<&str> = cases.iter().map(|(_, _, suggestion)| *suggestion).collect();
    suggestions.sort_unstable();
    suggestions.dedup();
    for suggestion in suggestions {
        let output = xtask_new(
            suggestion,
            &destination,
            &[&format!("aggregate={suggestion}"), "database=postgres"],
        );
        assert!(
            output.status.success(),
            "{suggestion}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let module = destination
            .join(suggestion)
            .join(format!("crates/entity-model/src/{suggestion}.rs"));
        assert!(module.is_file(), "{} is missing", module.display());
    }
    std::fs::remove_dir_all(&destination).unwrap();
}

#[test]
fn the_next_steps_name_the_directory_and_align_their_comments() {
    let destination = scratch("next-steps");
    for (name, defines) in [
        ("a", ["database=postgres", "aggregate=purchase_invoice"]),
        (
            "a-rather-long-service-name",
            ["database=sqlite", "aggregate=order"],
        ),
    ] {
        let output = xtask_new(name, &destination, &defines);
        // The cargo-generate library prints the hook's output on stderr (the CLI: stdout).
        let printed = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{name}: {printed}");
        let steps: Vec<&str> = printed
            .lines()
            .skip_while(|line| !line.contains("Next steps:"))
            .skip(1)
            .take_while(|line| !line.trim().is_empty())
            .collect();
        let cd = format!("cd {}", destination.join(name).display());
        assert!(steps[0].trim_start().starts_with(&cd), "{name}: {printed}");
        let columns: Vec<usize> = steps[1..]
            .iter()
            .map(|line| line.find(" # ").expect("every later step has a comment"))
            .collect();
        assert!(columns.len() >= 3, "{name}: {printed}");
        assert!(
            columns.iter().all(|column| *column == columns[0]),
            "{name}: comments not aligned:\n{}",
            steps.join("\n")
        );
        // At least one command reaches the comment column: no padding beyond the longest.
        assert!(
            steps[1..]
                .iter()
                .any(|line| line[..columns[0]].trim_end().len() + 3 >= columns[0]),
            "{name}: {printed}"
        );
    }
    std::fs::remove_dir_all(&destination).unwrap();
}
