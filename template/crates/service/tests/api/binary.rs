//! The real binary, as an operator runs it: bad configuration stops it with
//! one readable line that names the key and where it was set, and SIGTERM
//! stops it without cutting off a request in flight.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;

use {{crate_name}}_persistence_{{backend}}::test_support::TestDatabase;
use {{crate_name}}_service::config::CONVENTIONAL_VARIABLES;

use crate::helpers::COLLECTION;
{%- if message_bus == "rabbitmq" %}
use crate::helpers::NO_BROKER;
{%- endif %}

/// The binary with `config_dir` as its configuration directory and only `env`
/// of the variables it reads: a developer's APP__… and conventional
/// variables (DATABASE_URL, PORT, …) stay out.
fn service_command(config_dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_{{project-name}}"));
    command
        .env("APP_CONFIG_DIR", config_dir)
        .env("RUST_BACKTRACE", "1")
        .env_remove("RUST_LOG");
    for (key, _) in std::env::vars().filter(|(key, _)| key.starts_with("APP__")) {
        command.env_remove(key);
    }
    for (variable, _) in CONVENTIONAL_VARIABLES {
        command.env_remove(variable);
    }
    command.envs(env.iter().copied());
    command
}

/// Runs the service with `default_toml` as its configuration and `env` set;
/// returns whether it succeeded and what it printed on standard error.
fn run_service(default_toml: &str, env: &[(&str, &str)]) -> (bool, String) {
    let dir = std::env::temp_dir().join(format!("config-{}", uuid::Uuid::now_v7().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("default.toml"), default_toml).unwrap();
    let output = service_command(&dir, env).output().expect("runs");
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

#[test]
fn an_otlp_endpoint_the_exporter_cannot_use_names_the_variable() {
    let https = [("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318")];
    let outcome = run_service("", &https);
    let expected = ["telemetry.otlp_endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT"];
    assert_refused(outcome, &expected);
    let outcome = run_service("[telemetry]\notlp_endpoint = \"localhost:4318\"\n", &[]);
    assert_refused(outcome, &["telemetry.otlp_endpoint", "default.toml"]);
}

/// How long a step of a running binary may take on a slow machine.
const WAIT: Duration = Duration::from_secs(30);

/// A running binary whose JSON log lines arrive on a channel; killed on drop.
pub struct Running {
    child: Child,
    logs: Receiver<Value>,
    /// Every line received so far, in order: waiting for one line keeps the
    /// others, whatever order the service's tasks wrote them in.
    seen: RefCell<Vec<Value>>,
}

impl Running {
    /// The binary on `database_url`, on a free port, logging JSON, with
    /// `env` set on top{% if message_bus == "rabbitmq" %} (no broker unless `env` names one){% endif %}.
    pub fn start(database_url: &str, env: &[(&str, &str)]) -> Self {
        let base = [
            ("APP__DATABASE__URL", database_url),
            ("APP__SERVER__PORT", "0"),
            ("APP__TELEMETRY__FORMAT", "json"),
{%- if message_bus == "rabbitmq" %}
            ("APP__RABBITMQ__URL", NO_BROKER),
            ("APP__RABBITMQ__SUBSCRIBER__ENABLED", "false"),
{%- endif %}
        ];
        // No configuration directory: the built-in defaults and `env`.
        let nowhere = std::env::temp_dir().join("no-config-here");
        let env = [&base[..], env].concat();
        let mut child = service_command(&nowhere, &env)
            .stdout(Stdio::piped())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("stdout is piped");
        let (sender, logs) = mpsc::channel();
        thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Ok(event) = serde_json::from_str(&line) {
                    let _ = sender.send(event);
                }
            }
        });
        Self {
            child,
            logs,
            seen: RefCell::default(),
        }
    }

    /// The port it listens on, once `/health/ready` answers 200.
    pub fn wait_until_ready(&self) -> u16 {
        let listening = self.wait_for_log("listening");
        let port = u16::try_from(listening["port"].as_u64().unwrap()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(60);
        while get_status(port, "/health/ready").is_none_or(|line| !line.contains(" 200 ")) {
            assert!(Instant::now() < deadline, "the service never became ready");
            thread::sleep(Duration::from_millis(100));
        }
        port
    }

    /// Every log event, waiting at most `quiet` for each one not yet received.
    pub fn logs(&self, quiet: Duration) -> Vec<Value> {
        let mut seen = self.seen.borrow_mut();
        seen.extend(std::iter::from_fn(|| self.logs.recv_timeout(quiet).ok()));
        seen.clone()
    }

    /// The first log event saying `message`, waiting at most a minute.
    pub fn wait_for_log(&self, message: &str) -> Value {
        let says = |event: &Value| event["message"] == message;
        if let Some(event) = self.seen.borrow().iter().find(|event| says(event)) {
            return event.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = self.logs.recv_timeout(left);
            let event = event.unwrap_or_else(|_| panic!("no {message:?} in the logs"));
            self.seen.borrow_mut().push(event.clone());
            if says(&event) {
                return event;
            }
        }
    }

    pub fn signal(&self, signal: &str) {
        let pid = self.child.id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status();
        assert!(status.is_ok_and(|s| s.success()), "kill {signal} {pid}");
    }

    /// Waits at most `timeout` for the process to exit; whether it succeeded.
    pub fn exit_within(&mut self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().expect("the child is ours") {
                return status.success();
            }
            thread::sleep(Duration::from_millis(50));
        }
        panic!("the service did not exit within {timeout:?}");
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status line of a plain HTTP/1.1 GET, or `None` when nothing answers.
fn get_status(port: u16, path: &str) -> Option<String> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let response = exchange(port, &request)?;
    response.lines().next().map(str::to_owned)
}

/// The whole response to `request` (sent as is, with `Connection: close`),
/// or `None` when nothing answers.
pub fn exchange(port: u16, request: &str) -> Option<String> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(WAIT)).ok()?;
    stream.write_all(request.as_bytes()).ok()?;
    let mut response = String::new();
    stream.read_to_string(&mut response).ok()?;
    Some(response)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_request_in_flight_finish_then_exits_cleanly() {
    let database = TestDatabase::create().await;
    let url = database.url().to_owned();
    tokio::task::spawn_blocking(move || sigterm_during_a_request(&url))
        .await
        .unwrap();
}

fn sigterm_during_a_request(database_url: &str) {
    let mut service = Running::start(database_url, &[]);
    let port = service.wait_until_ready();

    // A create whose body has only half arrived when the signal comes.
    let body = br#"{"name": "Desk", "description": "oak", "amount_cents": 1250}"#;
    let (first, rest) = body.split_at(body.len() / 2);
    let mut in_flight = TcpStream::connect(("127.0.0.1", port)).unwrap();
    in_flight.set_read_timeout(Some(WAIT)).unwrap();
    let head = format!(
        "POST {COLLECTION} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    in_flight.write_all(head.as_bytes()).unwrap();
    in_flight.write_all(first).unwrap();
    thread::sleep(Duration::from_millis(300));

    service.signal("-TERM");
    service.wait_for_log("shutdown signal received, draining requests");
    let refused_by = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < refused_by, "still accepting");
        thread::sleep(Duration::from_millis(50));
    }

    in_flight.write_all(rest).unwrap();
    let mut response = String::new();
    in_flight.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default();
    assert!(status.starts_with("HTTP/1.1 201"), "{response}");
    assert!(service.exit_within(WAIT), "exit status 0");
}
