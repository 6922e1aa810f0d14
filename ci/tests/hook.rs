//! The pre hook (hooks/pre.rhai) refuses aggregate names that would not build
//! or read well, through `cargo xtask new` as a user runs it.

use std::process::Command;

#[test]
fn the_hook_refuses_plural_and_reserved_aggregates_clearly() {
    let cases = [
        (
            "orders",
            "looks plural; give the singular form (e.g. \"order\")",
        ),
        ("self", "is reserved"),
        ("value", "is reserved"),
        ("Order", "does not match the required pattern"),
    ];
    for (aggregate, expected) in cases {
        let destination = std::env::temp_dir().join(format!("xtask-hook-test-{aggregate}"));
        let output = Command::new(env!("CARGO_BIN_EXE_xtask"))
            .args(["new", "demo", "--dest"])
            .arg(&destination)
            .args(["-d", &format!("aggregate={aggregate}")])
            .output()
            .expect("the harness runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !output.status.success(),
            "{aggregate}: generation must fail"
        );
        assert!(stderr.contains(expected), "{aggregate}: {stderr}");
        let project = destination.join("demo");
        assert!(!project.exists(), "{aggregate}: nothing is left behind");
    }
}
