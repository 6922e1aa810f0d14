//! The real binary, as an operator runs it: bad configuration stops it with
//! one readable line that names the key and where it was set.

use std::process::Command;

/// Runs the service with `default_toml` as its configuration and `env` set;
/// returns whether it succeeded and what it printed on standard error.
fn run_service(default_toml: &str, env: &[(&str, &str)]) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("config-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("default.toml"), default_toml).unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_{{project-name}}"));
    command
        .env("APP_CONFIG_DIR", &dir)
        .env("RUST_BACKTRACE", "1");
    // Only what this test sets: a developer's APP__… variables stay out.
    for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("APP__")) {
        command.env_remove(key);
    }
    command.envs(env.iter().copied());
    let output = command.output().expect("the binary runs");
    let _ = std::fs::remove_dir_all(&dir);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    (output.status.success(), stderr)
}

/// Exits non-zero with exactly one line, no panic, no backtrace.
fn assert_refused(outcome: (bool, String), expected: &[&str]) {
    let (succeeded, stderr) = outcome;
    assert!(!succeeded, "the service must not start: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    for part in expected {
        assert!(stderr.contains(part), "{part:?} in {stderr}");
    }
}

#[test]
fn invalid_toml_names_the_file() {
    let outcome = run_service("[server\nport = 1", &[]);
    assert_refused(outcome, &["default.toml"]);
}

#[test]
fn an_unknown_key_is_refused() {
    let outcome = run_service("[server]\nprot = 9000\n", &[]);
    assert_refused(outcome, &["server.prot", "unknown key", "default.toml"]);
    let outcome = run_service("", &[("APP__DATABASE__URI", "x")]);
    assert_refused(outcome, &["database.uri", "APP__DATABASE__URI"]);
}

#[test]
fn a_value_of_the_wrong_type_or_range_names_the_key_and_variable() {
    let outcome = run_service("", &[("APP__SERVER__PORT", "eighty")]);
    assert_refused(outcome, &["server.port", "APP__SERVER__PORT"]);
    let outcome = run_service("[database]\nmax_connections = 0\n", &[]);
    assert_refused(outcome, &["database.max_connections = 0", "default.toml"]);
}

#[test]
fn a_malformed_database_url_names_the_key_and_variable() {
    let outcome = run_service("", &[("APP__DATABASE__URL", "nosuchdb://nowhere")]);
    assert_refused(outcome, &["database.url", "APP__DATABASE__URL"]);
}
