//! The `fuzz` step: the generated service's binary, started on a fresh database, is
//! fuzzed by schemathesis (a property-based API tester from PyPI) from the service's own
//! `/openapi.json`, with every check, a fixed seed and a bounded number of examples. It
//! fails on any server error, undocumented status, content type or header, schema
//! mismatch, rejected valid input or accepted invalid input.

use std::fs::OpenOptions;
use std::io::{Read, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::amqp::{Subscriber, unique_suffix};
use crate::combos::Combination;
use crate::services::{self, Endpoints, Host};

/// The pinned schemathesis.
pub const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// A fixed seed, so a failure reproduces with the command line in the step's log.
const SEED: &str = "20261130";

/// Test cases per operation and phase: enough to find the classes of failures the
/// service had (a panic on large paging values, undocumented statuses, unstated
/// limits), small enough for every combination in CI.
const MAX_EXAMPLES: &str = "60";

/// How long the service may take to turn ready (it builds nothing; a server database
/// answers within seconds).
const READY_TIMEOUT: Duration = Duration::from_secs(60);

/// Runs the step in `project`, logging to `log`; `Ok(false)` when schemathesis failed.
pub fn run(
    project: &Path,
    project_name: &str,
    combination: &Combination,
    endpoints: &Endpoints,
    cache: &Path,
    log: &Path,
) -> Result<bool> {
    let schemathesis =
        services::python_tool(&mut Host::default(), cache, SCHEMATHESIS, "schemathesis")?;
    let target = cache.join("target");
    // The test step built the binary already (integration tests run it). With
    // `--all-targets` the dev-dependencies' features are the test build's, so
    // this is a no-op after it, and still builds when run on its own.
    let started = Instant::now();
    let mut build = crate::matrix::cargo_command(project, &target);
    build.args(["build", "--quiet", "--all-targets"]);
    if !crate::matrix::run_logged(build, log)? {
        return Ok(false);
    }
    let binary = target.join("debug").join(project_name);
    let timing = |what: &str, since: Instant| {
        let seconds = since.elapsed().as_secs_f64();
        crate::matrix::append(log, &format!("[{what}: {seconds:.1}s]\n"));
    };
    timing("build", started);

    let started = Instant::now();
    let database = FuzzDatabase::create(combination, endpoints, project)?;
    let broker = FuzzBroker::bind(combination, endpoints)?;
    let port = free_port()?;
    let service_log = log.with_extension("service.log");
    let mut env = vec![
        ("APP__SERVER__PORT", port.to_string()),
        ("APP__DATABASE__URL", database.url.clone()),
        ("RUST_LOG", "warn".to_owned()),
    ];
    if let Some(broker) = &broker {
        env.extend(broker.env());
    }
    let mut service = start_service(&binary, project, &env, &service_log)?;
    let ready = wait_ready(&mut service, port)
        .and_then(|()| probes_answer(project, port, log))
        .and_then(|()| crate::browser::docs_render(port, log));
    timing("service ready", started);
    let started = Instant::now();
    let outcome = ready.and_then(|()| {
        let base = format!("http://127.0.0.1:{port}");
        let config = crate::paths::repo_root().join("ci/schemathesis.toml");
        let mut command = Command::new(&schemathesis);
        command
            .current_dir(log.parent().unwrap_or(project))
            .env("NO_COLOR", "1")
            .arg("--config-file")
            .arg(&config)
            .args(["run", &format!("{base}/openapi.json")])
            .args([
                "--checks",
                "all",
                "--seed",
                SEED,
                "--max-examples",
                MAX_EXAMPLES,
            ])
            .args(["--no-color"]);
        crate::matrix::run_logged(command, log)
    });
    timing("schemathesis", started);
    stop(&mut service);
    database.drop_it();
    let outcome = match (outcome, broker) {
        (Ok(true), Some(broker)) => broker.check(log),
        (outcome, _) => outcome,
    };
    crate::matrix::append(log, &format!("\nservice log: {}\n", service_log.display()));
    outcome
}

/// With `message_bus = rabbitmq`: an exchange of the fuzzed service's own, bound to a
/// queue, so its events neither land on the default exchange nor stay behind (dropping
/// it deletes both), and the events it published are checked.
struct FuzzBroker {
    url: String,
    exchange: String,
    subscriber: Subscriber,
}

impl FuzzBroker {
    fn bind(combination: &Combination, endpoints: &Endpoints) -> Result<Option<Self>> {
        let url = services::test_env(combination, endpoints)?
            .into_iter()
            .find(|(var, _)| *var == "TEST_AMQP_URL")
            .map(|(_, url)| url);
        let Some(url) = url else {
            return Ok(None);
        };
        let exchange = format!("fuzz.{}.{}", combination.name, unique_suffix());
        let subscriber = Subscriber::bind(&url, &exchange)?;
        Ok(Some(Self {
            url,
            exchange,
            subscriber,
        }))
    }

    fn env(&self) -> [(&'static str, String); 3] {
        [
            ("APP__RABBITMQ__URL", self.url.clone()),
            ("APP__RABBITMQ__EXCHANGE", self.exchange.clone()),
            (
                "APP__RABBITMQ__SUBSCRIBER__QUEUE",
                self.subscriber.service_queue(),
            ),
        ]
    }

    /// Every message the fuzzed service published is a CloudEvent with a subject.
    /// (How many arrived depends on the relay's timing; the generated tests and the
    /// `crash` command check that none is missing.)
    fn check(self, log: &Path) -> Result<bool> {
        let events = self.subscriber.events();
        let malformed = events
            .iter()
            .filter(|event| event.subject.is_none())
            .count();
        crate::matrix::append(
            log,
            &format!(
                "[events on {}: {}, not CloudEvents: {malformed}]\n",
                self.exchange,
                events.len()
            ),
        );
        Ok(malformed == 0)
    }
}

/// A database of its own for the fuzzed service: a file for SQLite, a new database on the
/// server otherwise (created and dropped with the server's own client program).
pub(crate) struct FuzzDatabase {
    pub(crate) url: String,
    drop: Option<Command>,
}

impl FuzzDatabase {
    pub(crate) fn create(
        combination: &Combination,
        endpoints: &Endpoints,
        project: &Path,
    ) -> Result<Self> {
        // Unique per run and combination, in the characters every server allows.
        let combination_name = combination.name.replace('-', "_");
        let name = format!("fuzz_{combination_name}_{}", std::process::id());
        let database = combination.get("database").unwrap_or("sqlite");
        let server = services::test_env(combination, endpoints)?
            .into_iter()
            .find(|(var, _)| *var == "TEST_DATABASE_URL")
            .map(|(_, url)| url);
        let Some(server) = server else {
            let file = project.join("fuzz.db");
            let _ = std::fs::remove_file(&file);
            let url = format!("sqlite://{}?mode=rwc", file.display());
            return Ok(Self { url, drop: None });
        };
        let parts = UrlParts::parse(&server)?;
        match database {
            "postgres" => {
                let admin = format!("{}/postgres", server.trim_end_matches('/'));
                let sql = |statement: &str| {
                    let mut command = Command::new("psql");
                    command.args([admin.as_str(), "-q", "-c", statement]);
                    command
                };
                run_quietly(sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))?;
                run_quietly(sql(&format!("CREATE DATABASE {name}")))?;
                let drop = sql(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
                let url = format!("{}/{name}", server.trim_end_matches('/'));
                Ok(Self {
                    url,
                    drop: Some(drop),
                })
            }
            "mysql" => {
                let sql = |statement: &str| {
                    let mut command = Command::new("mariadb");
                    command
                        .args([
                            "--host",
                            &parts.host,
                            "--port",
                            &parts.port,
                            "--user",
                            &parts.user,
                        ])
                        .args(["-e", statement]);
                    if !parts.password.is_empty() {
                        command.env("MYSQL_PWD", &parts.password);
                    }
                    command
                };
                run_quietly(sql(&format!("DROP DATABASE IF EXISTS {name}")))?;
                run_quietly(sql(&format!("CREATE DATABASE {name}")))?;
                let drop = sql(&format!("DROP DATABASE IF EXISTS {name}"));
                let url = format!("{}/{name}", server.trim_end_matches('/'));
                Ok(Self {
                    url,
                    drop: Some(drop),
                })
            }
            "mongodb" => {
                // MongoDB creates a database on first write; the service's startup
                // creates its collections. Nothing to drop on an in-memory server.
                let (address, options) = server.split_once('?').unwrap_or((&server, ""));
                let url = format!("{}/{name}?{options}", address.trim_end_matches('/'));
                Ok(Self { url, drop: None })
            }
            other => bail!("the fuzz step does not know how to create a {other} database"),
        }
    }

    pub(crate) fn drop_it(self) {
        if let Some(command) = self.drop {
            // A database left behind has a unique name and harms nothing.
            let _ = run_quietly(command);
        }
    }
}

/// The parts of `scheme://user:password@host:port` a client program needs.
struct UrlParts {
    user: String,
    password: String,
    host: String,
    port: String,
}

impl UrlParts {
    fn parse(url: &str) -> Result<Self> {
        let (_, rest) = url.split_once("://").context("a server URL has a scheme")?;
        let authority = rest.split(['/', '?']).next().unwrap_or(rest);
        let (credentials, address) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
        let (host, port) = address.rsplit_once(':').unwrap_or((address, ""));
        Ok(Self {
            user: user.to_owned(),
            password: password.to_owned(),
            host: host.to_owned(),
            port: port.to_owned(),
        })
    }
}

fn run_quietly(mut command: Command) -> Result<()> {
    let output = command.stdin(Stdio::null()).output().with_context(|| {
        format!(
            "cannot run {:?} (is the server's client installed?)",
            command.get_program()
        )
    })?;
    if !output.status.success() {
        bail!(
            "{:?} failed: {}",
            command.get_program(),
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

pub(crate) fn free_port() -> Result<u16> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).context("no free port")?;
    Ok(listener.local_addr()?.port())
}

/// Starts the service binary in `project` with `env` (nothing else from a stray
/// `AMQP_URL`), its output to `log`.
pub(crate) fn start_service(
    binary: &Path,
    project: &Path,
    env: &[(&str, String)],
    log: &Path,
) -> Result<Child> {
    let file = OpenOptions::new()
        .create(true)
        .truncate(true)
        .write(true)
        .open(log)
        .with_context(|| format!("cannot create {}", log.display()))?;
    Command::new(binary)
        .current_dir(project)
        .env_remove("AMQP_URL")
        .envs(env.iter().map(|(var, value)| (var, value)))
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file)
        .spawn()
        .with_context(|| format!("cannot start {}", binary.display()))
}

/// Polls `/health/ready` until it answers 200.
pub(crate) fn wait_ready(service: &mut Child, port: u16) -> Result<()> {
    let started = Instant::now();
    while started.elapsed() < READY_TIMEOUT {
        if let Some(status) = service.try_wait()? {
            bail!("the service exited before it was ready ({status})");
        }
        if http_status(port, "/health/ready").is_ok_and(|status| status == 200) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    bail!("the service was not ready within {READY_TIMEOUT:?}")
}

/// Every path the Kubernetes probes request answers 200 on the ready service.
fn probes_answer(project: &Path, port: u16, log: &Path) -> Result<()> {
    for path in crate::manifests::probe_paths(project)? {
        let status = http_status(port, &path)?;
        crate::matrix::append(
            log,
            &format!("probe {path} from {}: {status}\n", crate::manifests::DIR),
        );
        ensure!(
            status == 200,
            "the probe path {path} answers {status}, not 200"
        );
    }
    Ok(())
}

/// The status code and body of a plain HTTP/1.1 GET on loopback (the service answers
/// with a `Content-Length`, and `Connection: close` ends the body).
pub(crate) fn http_get(port: u16, path: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
    )?;
    let mut response = String::new();
    stream.read_to_string(&mut response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("no end of headers")?;
    let status = head.get(9..12).context("no status line")?.parse()?;
    Ok((status, body.to_owned()))
}

/// The status code of a plain HTTP/1.1 GET on loopback.
pub(crate) fn http_status(port: u16, path: &str) -> Result<u16> {
    http_get(port, path).map(|(status, _)| status)
}

/// SIGTERM (the service drains and exits), then SIGKILL if it does not.
pub(crate) fn stop(service: &mut Child) {
    let pid = service.id().to_string();
    let _ = Command::new("kill").args(["-TERM", &pid]).status();
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if matches!(service.try_wait(), Ok(Some(_))) {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = service.kill();
    let _ = service.wait();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_parts_of_server_urls() {
        let parts = UrlParts::parse("mysql://root:secret@127.0.0.1:3306").unwrap();
        assert_eq!(
            (parts.user.as_str(), parts.password.as_str()),
            ("root", "secret")
        );
        assert_eq!(
            (parts.host.as_str(), parts.port.as_str()),
            ("127.0.0.1", "3306")
        );
        let bare = UrlParts::parse("mysql://root@db:3306/").unwrap();
        assert_eq!((bare.user.as_str(), bare.password.as_str()), ("root", ""));
        assert_eq!(bare.host, "db");
    }
}
