//! The servers the generated projects' tests talk to: use what answers, start what is
//! installed, install (Debian/apt) what is missing. There is no Docker on the CI machines,
//! so the harness manages the servers itself.
//!
//! Every change to the machine is announced on stderr before it is made (lines starting
//! with `xtask: changing this machine:`) and kept to what the tests need: packages are
//! installed only when missing, PostgreSQL's password-less local access and MariaDB's
//! password-less root over local TCP are set up only on servers this harness has just
//! installed, and the MongoDB-compatible test server (SecantusDB, pinned, in a virtualenv
//! of the work directory) is stopped again by `matrix` when it started it. URLs are
//! written to logs and the terminal with their password masked.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use crate::combos::Combination;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    Postgres,
    Mysql,
    Rabbitmq,
    Mongodb,
}

/// Which option value needs which server, and the variable through which the generated
/// project's tests receive its URL. A new backend option adds a row here.
pub const OPTION_SERVICES: &[(&str, &str, Service, &str)] = &[
    (
        "database",
        "postgres",
        Service::Postgres,
        "TEST_DATABASE_URL",
    ),
    ("database", "mysql", Service::Mysql, "TEST_DATABASE_URL"),
    ("database", "mongodb", Service::Mongodb, "TEST_DATABASE_URL"),
    (
        "message_bus",
        "rabbitmq",
        Service::Rabbitmq,
        "TEST_AMQP_URL",
    ),
];

/// Every variable in [`OPTION_SERVICES`]: cleared for combinations that do not use it, so
/// that a value in the caller's environment cannot leak into, say, a sqlite run.
pub const TEST_ENV_VARS: &[&str] = &["TEST_DATABASE_URL", "TEST_AMQP_URL"];

impl Service {
    pub const ALL: &'static [Self] = &[Self::Postgres, Self::Mysql, Self::Rabbitmq, Self::Mongodb];

    /// The variable that overrides the default URL and under which `services` prints it.
    pub const fn env_var(self) -> &'static str {
        match self {
            Self::Postgres => "TEST_POSTGRES_URL",
            Self::Mysql => "TEST_MYSQL_URL",
            Self::Rabbitmq => "TEST_AMQP_URL",
            Self::Mongodb => "TEST_MONGODB_URL",
        }
    }

    const fn default_url(self) -> &'static str {
        match self {
            Self::Postgres => "postgres://postgres@127.0.0.1:5432",
            Self::Mysql => "mysql://root@127.0.0.1:3306",
            Self::Rabbitmq => "amqp://guest:guest@127.0.0.1:5672/%2f",
            Self::Mongodb => "mongodb://127.0.0.1:27017/?directConnection=true",
        }
    }

    const fn default_port(self) -> u16 {
        match self {
            Self::Postgres => 5432,
            Self::Mysql => 3306,
            Self::Rabbitmq => 5672,
            Self::Mongodb => 27017,
        }
    }

    /// Its name in `matrix --list --json`: what a CI job matrix tests for.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Postgres => "postgres",
            Self::Mysql => "mysql",
            Self::Rabbitmq => "rabbitmq",
            Self::Mongodb => "mongodb",
        }
    }

    const fn label(self) -> &'static str {
        match self {
            Self::Postgres => "PostgreSQL",
            Self::Mysql => "MariaDB",
            Self::Rabbitmq => "RabbitMQ",
            Self::Mongodb => "MongoDB (SecantusDB)",
        }
    }

    /// RabbitMQ boots an Erlang VM and SecantusDB may be started for the first time right
    /// after its install: both get longer.
    const fn ready_timeout(self) -> Duration {
        match self {
            Self::Postgres | Self::Mysql => Duration::from_secs(60),
            Self::Rabbitmq | Self::Mongodb => Duration::from_secs(120),
        }
    }

    /// The URL to use: the environment's if set (for MongoDB also `MONGODB_URL`), else the default.
    fn configured_url(self) -> (String, bool) {
        let mut names = vec![self.env_var()];
        if self == Self::Mongodb {
            names.push("MONGODB_URL");
        }
        names
            .into_iter()
            .find_map(|name| std::env::var(name).ok().filter(|url| !url.is_empty()))
            .map_or_else(|| (self.default_url().to_owned(), false), |url| (url, true))
    }
}

/// The servers needed by one combination.
pub fn needed_by(combination: &Combination) -> Vec<Service> {
    OPTION_SERVICES
        .iter()
        .filter(|(key, value, _, _)| combination.get(key) == Some(*value))
        .map(|(_, _, service, _)| *service)
        .collect()
}

/// The `TEST_*` variables for one combination (`TEST_DATABASE_URL` is absent for sqlite).
pub fn test_env(
    combination: &Combination,
    endpoints: &Endpoints,
) -> Result<Vec<(&'static str, String)>> {
    OPTION_SERVICES
        .iter()
        .filter(|(key, value, _, _)| combination.get(key) == Some(*value))
        .map(|(_, _, service, var)| {
            endpoints
                .url(*service)
                .map(|url| (*var, url.to_owned()))
                .with_context(|| {
                    format!(
                        "{} was not started for {}",
                        service.label(),
                        combination.name
                    )
                })
        })
        .collect()
}

/// The reachable servers and their URLs, and why the others are not reachable.
#[derive(Debug, Default)]
pub struct Endpoints {
    urls: BTreeMap<Service, String>,
    pub failures: BTreeMap<Service, String>,
    /// Server processes this run started itself (not system services), by process id.
    started: Vec<(Service, u32)>,
}

impl Endpoints {
    pub fn url(&self, service: Service) -> Option<&str> {
        self.urls.get(&service).map(String::as_str)
    }

    /// `TEST_POSTGRES_URL=…` lines, in a form `eval "$(cargo xtask services)"` accepts:
    /// passwords included, for a shell, not a log.
    pub fn env_lines(&self) -> Vec<String> {
        self.urls
            .iter()
            .map(|(service, url)| format!("{}={url}", service.env_var()))
            .collect()
    }

    /// [`Self::env_lines`] with passwords masked, for logs and the matrix's output.
    pub fn masked_env_lines(&self) -> Vec<String> {
        self.urls
            .iter()
            .map(|(service, url)| format!("{}={}", service.env_var(), mask_password(url)))
            .collect()
    }

    /// What this run started and leaves running, with how to stop it.
    pub fn left_running(&self) -> Vec<String> {
        self.started
            .iter()
            .map(|(service, pid)| {
                format!(
                    "{} (process group {pid}): stop it with `kill -TERM -{pid}`",
                    service.label()
                )
            })
            .collect()
    }

    /// Stops the server processes this run started, so that the machine is left as found.
    pub fn stop_started(&mut self) {
        for (service, pid) in self.started.drain(..) {
            announce(&format!(
                "stopping {}, which this run started (process group {pid})",
                service.label()
            ));
            let group = format!("-{pid}");
            let stopped = Command::new("kill")
                .args(["-TERM", "--", &group])
                .status()
                .is_ok_and(|status| status.success());
            if !stopped {
                eprintln!(
                    "warning: cannot stop process group {pid}; stop it with `kill -TERM -{pid}`"
                );
            }
        }
    }

    /// Why `combination` cannot run, if one of its servers is unreachable.
    pub fn unavailable_for(&self, combination: &Combination) -> Option<String> {
        let reasons: Vec<&str> = needed_by(combination)
            .iter()
            .filter_map(|service| self.failures.get(service).map(String::as_str))
            .collect();
        (!reasons.is_empty()).then(|| reasons.join("; "))
    }
}

/// Makes each service reachable. Progress goes to stderr so that stdout stays the URLs.
/// A server that cannot be made reachable is reported in `Endpoints::failures` rather than
/// ending the run: combinations that do not need it can still run.
pub fn ensure(services: &[Service], cache: &Path) -> Endpoints {
    let mut host = Host::default();
    let mut endpoints = Endpoints::default();
    for &service in services {
        match ensure_one(service, cache, &mut host) {
            Ok((url, started)) => {
                endpoints.urls.insert(service, url);
                if let Some(pid) = started {
                    endpoints.started.push((service, pid));
                }
            }
            Err(error) => {
                let message = format!("cannot make {} reachable: {error:#}", service.label());
                eprintln!("error: {message}");
                endpoints.failures.insert(service, message);
            }
        }
    }
    endpoints
}

/// The server's URL, and the process id of the server when this run started one itself.
fn ensure_one(service: Service, cache: &Path, host: &mut Host) -> Result<(String, Option<u32>)> {
    let (url, from_env) = service.configured_url();
    let (address, port) = socket_target(&url, service.default_port())?;
    if answers(&address, port) {
        eprintln!("{}: {address}:{port} answers", service.label());
        return Ok((url, None));
    }
    let masked = mask_password(&url);
    let origin = if from_env {
        format!("{}={masked} (from the environment)", service.env_var())
    } else {
        masked
    };
    ensure!(
        is_local(&address),
        "{origin}: {address}:{port} does not answer, and the harness only starts local servers"
    );
    ensure!(
        port == service.default_port(),
        "{origin}: {address}:{port} does not answer, and the harness only starts {} on port {}",
        service.label(),
        service.default_port()
    );
    eprintln!(
        "{}: nothing answers on {address}:{port}; starting it",
        service.label()
    );
    let started = match service {
        Service::Postgres => start_postgres(host, &address, port).map(|()| None)?,
        Service::Mysql => start_mariadb(host, &address, port).map(|()| None)?,
        Service::Rabbitmq => start_rabbitmq(host, &address, port).map(|()| None)?,
        Service::Mongodb => Some(start_secantusdb(host, cache, &address, port)?),
    };
    wait_until_answers(&address, port, service.ready_timeout())
        .with_context(|| format!("{} did not come up", service.label()))?;
    eprintln!("{}: {address}:{port} answers", service.label());
    Ok((url, started))
}

/// Says on stderr what the harness is about to change on this machine.
fn announce(change: &str) {
    eprintln!("xtask: changing this machine: {change}");
}

/// `url` with the password of its user info replaced by `***`
/// (`amqp://guest:***@127.0.0.1:5672/%2f`); URLs without one are returned unchanged.
pub fn mask_password(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let Some((user_info, hosts)) = authority.rsplit_once('@') else {
        return url.to_owned();
    };
    match user_info.split_once(':') {
        Some((user, password)) if !password.is_empty() => {
            format!("{scheme}://{user}:***@{hosts}{tail}")
        }
        _ => url.to_owned(),
    }
}

/// `host` and `port` of a server URL (the first host of a list; userinfo, path and query
/// ignored). `default_port` applies when the URL names none.
fn socket_target(url: &str, default_port: u16) -> Result<(String, u16)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let hosts = authority
        .rsplit_once('@')
        .map_or(authority, |(_, hosts)| hosts);
    let first = hosts.split(',').next().unwrap_or_default();
    let (host, port) = if let Some(bracketed) = first.strip_prefix('[') {
        let (host, after) = bracketed
            .split_once(']')
            .with_context(|| format!("unclosed `[` in {url}"))?;
        (host, after.strip_prefix(':'))
    } else {
        match first.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (first, None),
        }
    };
    ensure!(!host.is_empty(), "no host in URL `{url}`");
    let port = match port {
        Some(port) => port
            .parse()
            .with_context(|| format!("invalid port `{port}` in URL `{url}`"))?,
        None => default_port,
    };
    Ok((host.to_owned(), port))
}

fn is_local(host: &str) -> bool {
    matches!(host, "127.0.0.1" | "localhost" | "::1")
}

fn answers(host: &str, port: u16) -> bool {
    let Ok(addresses) = (host, port).to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|address| TcpStream::connect_timeout(&address, Duration::from_millis(500)).is_ok())
}

fn wait_until_answers(host: &str, port: u16, timeout: Duration) -> Result<()> {
    let start = Instant::now();
    while start.elapsed() < timeout {
        if answers(host, port) {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    bail!("{host}:{port} did not answer within {}s", timeout.as_secs())
}

/// Makes `program` available, installing the Debian `package` that provides it if it is
/// missing (the bench's load generator).
pub fn ensure_program(program: &str, package: &str) -> Result<()> {
    if find_program(program).is_some() {
        return Ok(());
    }
    Host::default().apt_install(&[package])?;
    ensure!(
        find_program(program).is_some(),
        "{package} is installed but `{program}` is not on PATH"
    );
    Ok(())
}

/// What the harness knows about the machine: whether it needs sudo and whether apt's
/// package lists were refreshed in this run.
#[derive(Default)]
pub struct Host {
    root: Option<bool>,
    apt_updated: bool,
}

impl Host {
    fn is_root(&mut self) -> bool {
        *self.root.get_or_insert_with(|| {
            Command::new("id")
                .arg("-u")
                .output()
                .ok()
                .is_some_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
        })
    }

    /// A command that runs as root: directly when we are root, else through `sudo -n`
    /// (never prompting: CI has no terminal).
    fn privileged(&mut self, argv: &[&str]) -> Command {
        if self.is_root() {
            let mut command = Command::new(argv[0]);
            command.args(&argv[1..]);
            command
        } else {
            let mut command = Command::new("sudo");
            command.arg("-n").args(argv);
            command
        }
    }

    fn apt_install(&mut self, packages: &[&str]) -> Result<()> {
        ensure!(
            find_program("apt-get").is_some(),
            "{} is not installed and apt-get is not available: install it and run again",
            packages.join(", ")
        );
        if !self.apt_updated {
            let mut update = self.privileged(&["apt-get", "update"]);
            run(&mut update, "apt-get update")?;
            self.apt_updated = true;
        }
        announce(&format!(
            "installing the system package(s) {} with apt-get (they stay installed)",
            packages.join(", ")
        ));
        let mut argv = vec![
            "env",
            "DEBIAN_FRONTEND=noninteractive",
            "apt-get",
            "install",
            "-y",
            "--no-install-recommends",
        ];
        argv.extend_from_slice(packages);
        let mut install = self.privileged(&argv);
        run(
            &mut install,
            &format!("apt-get install {}", packages.join(" ")),
        )
    }

    fn write_file(&mut self, path: &Path, content: &str) -> Result<()> {
        if self.is_root() {
            return std::fs::write(path, content)
                .with_context(|| format!("cannot write {}", path.display()));
        }
        let path_text = path.display().to_string();
        let mut child = self
            .privileged(&["tee", &path_text])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .with_context(|| format!("cannot run sudo tee {path_text}"))?;
        child
            .stdin
            .take()
            .context("no stdin for tee")?
            .write_all(content.as_bytes())?;
        ensure!(child.wait()?.success(), "sudo tee {path_text} failed");
        Ok(())
    }
}

/// Runs a command with its output on our stderr (stdout is reserved for the URLs).
fn run(command: &mut Command, what: &str) -> Result<()> {
    eprintln!("+ {what}");
    let status = command
        .stdin(Stdio::null())
        .stdout(Stdio::from(std::io::stderr()))
        .status()
        .with_context(|| format!("cannot run {what}"))?;
    ensure!(status.success(), "{what} failed ({status})");
    Ok(())
}

/// Looks a program up in `PATH` and the sbin directories (not always in a CI user's PATH).
fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/local/sbin", "/usr/sbin", "/sbin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
}

fn program(name: &str) -> Result<String> {
    find_program(name)
        .map(|path| path.display().to_string())
        .with_context(|| format!("`{name}` not found even after installing its package"))
}

/// Installed PostgreSQL versions (`/usr/lib/postgresql/<version>/bin`), newest last.
fn postgres_versions() -> Vec<String> {
    let mut versions: Vec<String> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter(|entry| entry.path().join("bin/postgres").exists())
        .filter_map(|entry| entry.file_name().into_string().ok())
        .collect();
    versions.sort_by_key(|version| version.parse::<u32>().unwrap_or(0));
    versions
}

fn start_postgres(host: &mut Host, address: &str, port: u16) -> Result<()> {
    let mut fresh = false;
    if find_program("pg_ctlcluster").is_none() || postgres_versions().is_empty() {
        host.apt_install(&["postgresql"])?;
        fresh = true;
    }
    let version = postgres_versions()
        .pop()
        .context("PostgreSQL is installed but /usr/lib/postgresql has no server")?;
    let cluster = PathBuf::from(format!("/etc/postgresql/{version}/main"));
    if !cluster.exists() {
        let mut create = host.privileged(&[&program("pg_createcluster")?, &version, "main"]);
        run(&mut create, &format!("pg_createcluster {version} main"))?;
        fresh = true;
    }
    if fresh {
        trust_local_connections(host, &cluster.join("pg_hba.conf"))?;
    }
    let action = if answers(address, port) {
        "reload"
    } else {
        "start"
    };
    announce(&format!(
        "{action} PostgreSQL {version} (cluster main); it keeps running after this run \
         (stop: pg_ctlcluster {version} main stop)"
    ));
    let mut command = host.privileged(&[
        &program("pg_ctlcluster")?,
        "--skip-systemctl-redirect",
        &version,
        "main",
        action,
    ]);
    run(
        &mut command,
        &format!("pg_ctlcluster {version} main {action}"),
    )
}

/// A fresh Debian cluster asks for passwords on TCP; the test URL (user `postgres`) has
/// none. Only applied to clusters this harness installed or created, and only for the
/// user `postgres` from this machine's loopback addresses.
fn trust_local_connections(host: &mut Host, pg_hba: &Path) -> Result<()> {
    let current = std::fs::read_to_string(pg_hba)
        .with_context(|| format!("cannot read {}", pg_hba.display()))?;
    if current.contains("host all postgres 127.0.0.1/32 trust") {
        return Ok(());
    }
    let content = format!(
        "# Added by `cargo xtask`: the template's tests connect as postgres without a password.\n\
         host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust\n{current}"
    );
    announce(&format!(
        "{} (a cluster this run created): user postgres may connect from 127.0.0.1 and ::1 \
         without a password, as the test URL does",
        pg_hba.display()
    ));
    host.write_file(pg_hba, &content)
}

fn start_mariadb(host: &mut Host, address: &str, port: u16) -> Result<()> {
    let installed = || {
        ["/usr/sbin/mariadbd", "/usr/sbin/mysqld"]
            .into_iter()
            .find(|path| Path::new(path).exists())
    };
    let fresh = installed().is_none();
    if fresh {
        host.apt_install(&["mariadb-server"])?;
    }
    let daemon = installed().context("mariadb-server is installed but mariadbd is missing")?;
    if !answers(address, port) {
        // The socket/pid directory is on a tmpfs and may be gone after a reboot.
        let mut run_dir =
            host.privileged(&["install", "-d", "-o", "mysql", "-g", "mysql", "/run/mysqld"]);
        run(&mut run_dir, "create /run/mysqld")?;
        announce(&format!(
            "starting MariaDB ({daemon}); it keeps running after this run \
             (stop: start-stop-daemon --stop --exec {daemon})"
        ));
        let mut start = host.privileged(&[
            &program("start-stop-daemon")?,
            "--start",
            "--oknodo",
            "--background",
            "--exec",
            daemon,
            "--",
            "--user=mysql",
        ]);
        run(&mut start, &format!("start-stop-daemon --start {daemon}"))?;
    }
    if fresh {
        // Debian's root account authenticates through the unix socket only; the test URL
        // connects as root over TCP without a password.
        wait_until_answers(address, port, Service::Mysql.ready_timeout())?;
        // MariaDB resolves a TCP client on 127.0.0.1 to `localhost`, so the account that
        // matches is root@localhost: it has to accept the empty password too (measured on
        // 10.11; a root@127.0.0.1 account alone is not used).
        announce(
            "MariaDB (installed by this run): root@localhost and root@127.0.0.1 may log in \
             with an empty password (root@localhost also still through the unix socket), \
             as the test URL does over local TCP",
        );
        let mut grant = host.privileged(&[
            &program("mariadb")?,
            "-uroot",
            "-e",
            "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(''); \
             CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; \
             GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;",
        ]);
        run(&mut grant, "allow root over local TCP without a password")?;
    }
    Ok(())
}

fn start_rabbitmq(host: &mut Host, address: &str, port: u16) -> Result<()> {
    if find_program("rabbitmq-server").is_none() {
        host.apt_install(&["rabbitmq-server"])?;
    }
    if answers(address, port) {
        return Ok(());
    }
    announce("starting RabbitMQ; it keeps running after this run (stop: rabbitmqctl stop)");
    let mut start = host.privileged(&[&program("rabbitmq-server")?, "-detached"]);
    run(&mut start, "rabbitmq-server -detached")?;
    // Best effort: waits for the broker application, not just the Erlang node; the port
    // check that follows is the actual condition.
    let mut wait = host.privileged(&[
        &program("rabbitmqctl")?,
        "--timeout",
        "120",
        "await_startup",
    ]);
    if let Err(error) = run(&mut wait, "rabbitmqctl await_startup") {
        eprintln!("warning: {error:#}; waiting for the port instead");
    }
    Ok(())
}

/// The pinned SecantusDB (a pre-release: only `==` selects one without `--pre`).
pub const SECANTUSDB: &str = "secantusdb==0.7.0b3";

/// SecantusDB: a MongoDB-wire-compatible server from PyPI (there is no MongoDB package in
/// the reachable registries). Installed once into a virtualenv in the cache directory,
/// started detached with in-memory storage; its output goes to `secantusdb.log`. Returns
/// its process id, which is also its process group's.
fn start_secantusdb(host: &mut Host, cache: &Path, address: &str, port: u16) -> Result<u32> {
    let server = python_tool(host, cache, SECANTUSDB, "secantusd-py")?;
    let log_path = cache.join("secantusdb.log");
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&log_path)
        .with_context(|| format!("cannot open {}", log_path.display()))?;
    let log_start = log.metadata().map(|meta| meta.len()).unwrap_or(0);
    let port_text = port.to_string();
    let server_args = [address, &port_text];
    // `setsid`: its own session, so it outlives this process and the terminal's Ctrl-C.
    let mut command = match find_program("setsid") {
        Some(setsid) => {
            let mut command = Command::new(setsid);
            command.arg(&server);
            command
        }
        None => {
            use std::os::unix::process::CommandExt as _;
            let mut command = Command::new(&server);
            command.process_group(0);
            command
        }
    };
    command
        .args([
            "--host",
            server_args[0],
            "--port",
            server_args[1],
            "--storage-path",
            ":memory:",
        ])
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    announce(&format!(
        "starting {SECANTUSDB} on {address}:{port} with in-memory storage (log: {}); \
         `matrix` stops it when done, `services` leaves it running",
        log_path.display()
    ));
    eprintln!(
        "+ {} --host {address} --port {port} --storage-path :memory:",
        server.display()
    );
    let mut child = command
        .spawn()
        .with_context(|| format!("cannot start {}", server.display()))?;
    let deadline = Instant::now() + Service::Mongodb.ready_timeout();
    while Instant::now() < deadline {
        if answers(address, port) {
            return Ok(child.id());
        }
        if let Some(status) = child.try_wait()? {
            bail!(
                "SecantusDB exited ({status}) before answering; its log says:\n{}",
                tail_from(&log_path, log_start)
            );
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    bail!(
        "SecantusDB did not answer on {address}:{port} within {}s; its log says:\n{}",
        Service::Mongodb.ready_timeout().as_secs(),
        tail_from(&log_path, log_start)
    )
}

/// A program from PyPI, installed with its pinned `requirement` (`name==version`) into a
/// virtualenv of its own in the cache directory, once per version: a new pin gets a new
/// virtualenv, so a stale install is never used. Returns the program's path.
pub fn python_tool(
    host: &mut Host,
    cache: &Path,
    requirement: &str,
    program: &str,
) -> Result<PathBuf> {
    let venv = cache.join(format!("venv-{}", requirement.replace("==", "-")));
    let executable = venv.join("bin").join(program);
    if executable.exists() {
        return Ok(executable);
    }
    let venv_text = venv.display().to_string();
    let pip = venv.join("bin/pip");
    if !pip.exists() {
        let mut create = Command::new("python3");
        create.args(["-m", "venv", &venv_text]);
        if run(&mut create, &format!("python3 -m venv {venv_text}")).is_err() {
            // Debian splits ensurepip into python3-venv.
            let _ = std::fs::remove_dir_all(&venv);
            host.apt_install(&["python3-venv"])?;
            run(&mut create, &format!("python3 -m venv {venv_text}"))?;
        }
    }
    announce(&format!(
        "installing {requirement} from PyPI into {venv_text} (the work directory, not the system)"
    ));
    let started = Instant::now();
    let mut install = Command::new(&pip);
    install.args([
        "install",
        "--quiet",
        "--disable-pip-version-check",
        requirement,
    ]);
    run(
        &mut install,
        &format!("pip install {requirement} (into {venv_text})"),
    )?;
    eprintln!(
        "{requirement} installed in {:.0}s",
        started.elapsed().as_secs_f64()
    );
    ensure!(
        executable.exists(),
        "pip installed {requirement} but {} does not exist",
        executable.display()
    );
    Ok(executable)
}

/// What a log gained since `offset`, for error messages.
fn tail_from(path: &Path, offset: u64) -> String {
    let mut text = String::new();
    if let Ok(mut file) = File::open(path)
        && file.seek(SeekFrom::Start(offset)).is_ok()
    {
        let _ = file.read_to_string(&mut text);
    }
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(40)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socket_targets_of_the_default_urls() {
        let cases = [
            (Service::Postgres, "127.0.0.1", 5432),
            (Service::Mysql, "127.0.0.1", 3306),
            (Service::Rabbitmq, "127.0.0.1", 5672),
            (Service::Mongodb, "127.0.0.1", 27017),
        ];
        for (service, host, port) in cases {
            assert_eq!(
                socket_target(service.default_url(), 1).unwrap(),
                (host.to_owned(), port),
                "{service:?}"
            );
        }
    }

    #[test]
    fn socket_target_edge_cases() {
        assert_eq!(
            socket_target("postgres://u:p@db.example:6000/app?sslmode=require", 5432).unwrap(),
            ("db.example".to_owned(), 6000)
        );
        assert_eq!(
            socket_target("mongodb://a:1,b:2/?replicaSet=rs", 27017).unwrap(),
            ("a".to_owned(), 1)
        );
        assert_eq!(
            socket_target("mysql://root@[::1]:3307", 3306).unwrap(),
            ("::1".to_owned(), 3307)
        );
        assert_eq!(
            socket_target("amqp://localhost", 5672).unwrap(),
            ("localhost".to_owned(), 5672)
        );
        assert!(socket_target("postgres://host:port", 5432).is_err());
        assert!(socket_target("postgres:///db", 5432).is_err());
    }

    #[test]
    fn env_lines_use_the_override_names() {
        let mut endpoints = Endpoints::default();
        for service in Service::ALL {
            endpoints
                .urls
                .insert(*service, service.default_url().to_owned());
        }
        assert_eq!(
            endpoints.env_lines(),
            [
                "TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432",
                "TEST_MYSQL_URL=mysql://root@127.0.0.1:3306",
                "TEST_AMQP_URL=amqp://guest:guest@127.0.0.1:5672/%2f",
                "TEST_MONGODB_URL=mongodb://127.0.0.1:27017/?directConnection=true",
            ]
        );
    }

    #[test]
    fn passwords_are_masked() {
        let cases = [
            (
                "amqp://guest:guest@127.0.0.1:5672/%2f",
                "amqp://guest:***@127.0.0.1:5672/%2f",
            ),
            (
                "postgres://app:s3cr:et@db:5432/x?a=b@c",
                "postgres://app:***@db:5432/x?a=b@c",
            ),
            (
                "mongodb://u:p@a:1,b:2/?replicaSet=rs",
                "mongodb://u:***@a:1,b:2/?replicaSet=rs",
            ),
            (
                "postgres://postgres@127.0.0.1:5432",
                "postgres://postgres@127.0.0.1:5432",
            ),
            (
                "mongodb://127.0.0.1:27017/?directConnection=true",
                "mongodb://127.0.0.1:27017/?directConnection=true",
            ),
            ("not a url", "not a url"),
        ];
        for (url, masked) in cases {
            assert_eq!(mask_password(url), masked, "{url}");
        }
        let mut endpoints = Endpoints::default();
        endpoints
            .urls
            .insert(Service::Rabbitmq, Service::Rabbitmq.default_url().into());
        assert_eq!(
            endpoints.masked_env_lines(),
            ["TEST_AMQP_URL=amqp://guest:***@127.0.0.1:5672/%2f"]
        );
    }

    #[test]
    fn unreachable_servers_block_only_the_combinations_that_need_them() {
        let config = crate::combos::TemplateConfig::parse(
            "[placeholders.database]\ntype = \"string\"\nchoices = [\"sqlite\", \"postgres\"]\ndefault = \"sqlite\"\n\
             [placeholders.message_bus]\ntype = \"string\"\nchoices = [\"none\", \"rabbitmq\"]\ndefault = \"none\"\n\
             [placeholders.aggregate]\ntype = \"string\"\ndefault = \"order\"\n",
        )
        .unwrap();
        let combinations = crate::combos::expand(&config).unwrap();
        let mut endpoints = Endpoints::default();
        endpoints
            .urls
            .insert(Service::Postgres, Service::Postgres.default_url().into());
        endpoints
            .failures
            .insert(Service::Rabbitmq, "cannot make RabbitMQ reachable".into());
        let blocked: Vec<&str> = combinations
            .iter()
            .filter(|c| endpoints.unavailable_for(c).is_some())
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(blocked, ["sqlite-rabbitmq", "postgres-rabbitmq"]);
        let postgres = combinations.iter().find(|c| c.name == "postgres").unwrap();
        assert_eq!(
            test_env(postgres, &endpoints).unwrap(),
            [(
                "TEST_DATABASE_URL",
                "postgres://postgres@127.0.0.1:5432".to_owned()
            )]
        );
        assert_eq!(test_env(&combinations[0], &endpoints).unwrap(), []);
    }

    #[test]
    fn every_test_variable_is_cleared() {
        for (_, _, _, var) in OPTION_SERVICES {
            assert!(
                TEST_ENV_VARS.contains(var),
                "{var} missing from TEST_ENV_VARS"
            );
        }
    }
}
