//! `cargo xtask bench`: a generated service against the bare stack it is built on.
//!
//! For each database it generates the default service (no message bus), builds it in
//! release mode, starts it on loopback with a pool of 8 and the log filter `warn`, and
//! seeds 1,000 orders through its API. Beside it runs the bare baseline (`ci/bench/bare`):
//! plain axum handlers issuing the same statements on the same database, with the same
//! pool. `wrk` drives both in turn (ours, bare, ours, bare …) for every scenario, and the
//! medians of the rounds are compared. The results go to stdout and to
//! `docs/benchmarks.md` (a table, and the figures as JSON).

mod report;
mod wrk;

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};

use self::report::{Build, Measured, Run, Side};
use self::wrk::{Scenario, Seeded};
use crate::combos::{Combination, PROJECT_NAME};
use crate::crash::request;
use crate::fuzz::{FuzzDatabase, free_port, http_status, start_service, stop};
use crate::matrix::{cargo_command, run_logged};
use crate::services::{self, Endpoints, Service};

/// The databases benchmarked unless `--only` says otherwise.
pub const DATABASES: &[&str] = &["sqlite", "postgres", "mongodb"];

/// Rows created before the load.
const SEED_ROWS: usize = 1_000;

/// Connections in the pool of both sides.
const POOL: u32 = 8;

/// The pause before each run, for the previous one's last requests: a write may wait for
/// SQLite's lock after wrk has stopped, a read is answered in milliseconds.
const SETTLE_AFTER_WRITES: Duration = Duration::from_millis(500);
const SETTLE_AFTER_READS: Duration = Duration::from_millis(250);

/// The file touched for the incremental build: a handler.
const TOUCHED: &str = "crates/service/src/http/orders.rs";

#[derive(Debug, Clone)]
pub struct Options {
    pub databases: Vec<String>,
    pub duration: Duration,
    pub rounds: u32,
    pub threads: u32,
    pub connections: u32,
    /// Empty the release artifacts first, so that the first project's build is a cold one.
    pub cold_build: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            databases: Vec::new(),
            duration: Duration::from_secs(3),
            rounds: 3,
            threads: 2,
            connections: 32,
            cold_build: true,
        }
    }
}

/// Runs the benchmark; `Ok(false)` when a request failed or a database could not run.
pub fn run(repo: &Path, cache: &Path, options: &Options) -> Result<bool> {
    let started = Instant::now();
    rows_per_update_run(options)?;
    let selected: Vec<&'static str> = DATABASES
        .iter()
        .copied()
        .filter(|db| options.databases.is_empty() || options.databases.iter().any(|d| d == db))
        .collect();
    let work = cache.join("bench");
    let logs = cache.join("logs").join("bench");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    services::ensure_program("wrk", "wrk")?;
    let needed: Vec<Service> = selected.iter().filter_map(|db| service_of(db)).collect();
    let mut endpoints = services::ensure(&needed, cache);
    let target = cache.join("target");
    println!(
        "bench: {} database(s), wrk -t{} -c{} -d{}s, {} interleaved rounds, work dir {}",
        selected.len(),
        options.threads,
        options.connections,
        options.duration.as_secs(),
        options.rounds,
        cache.display()
    );
    if options.cold_build {
        // Release artifacts only: the matrix's debug builds share this target directory.
        crate::crash::remove_dir(&target.join("release"))?;
    }
    let mut failed = Vec::new();
    // The baseline has a target directory of its own, which the cold build leaves alone:
    // its dependencies are locked (ci/bench/bare/Cargo.lock) at versions that the
    // generated projects, resolved afresh, rarely share, and it is not what is measured.
    let bare = build_bare(repo, &work.join("bare-target"), &logs)?;
    let mut built = Vec::new();
    for (index, database) in selected.iter().enumerate() {
        let case = Case {
            repo,
            database,
            dest: work.join(database),
            logs: &logs,
            target: &target,
        };
        let first = index == 0;
        match case.build(first && options.cold_build, first) {
            Ok(project) => built.push((case, project)),
            Err(error) => {
                println!("  {database}: FAIL: {error:#}");
                println!("    logs: {}", logs.display());
                failed.push(*database);
            }
        }
    }
    let mut runs = Vec::new();
    for (case, project) in built {
        let database = case.database;
        match case.run(&endpoints, &bare, options, project) {
            Ok(run) => {
                report::print_run(&run);
                if run.errors() > 0 {
                    failed.push(database);
                }
                runs.push(run);
            }
            Err(error) => {
                println!("  {database}: FAIL: {error:#}");
                println!("    logs: {}", logs.display());
                failed.push(database);
            }
        }
    }
    endpoints.stop_started();
    if !runs.is_empty() {
        let machine = report::machine();
        let path = repo.join("docs").join("benchmarks.md");
        report::write_markdown(&path, &machine, options, &runs)?;
        println!("report: {}", path.display());
    }
    Ok(crate::report::summary("bench", &failed, started))
}

fn service_of(database: &str) -> Option<Service> {
    match database {
        "postgres" => Some(Service::Postgres),
        "mongodb" => Some(Service::Mongodb),
        _ => None,
    }
}

/// The bare baseline, built in release mode into `target`.
fn build_bare(repo: &Path, target: &Path, logs: &Path) -> Result<PathBuf> {
    let log = logs.join("bare-build.log");
    std::fs::write(&log, "").with_context(|| format!("cannot create {}", log.display()))?;
    let manifest = repo.join("ci").join("bench").join("bare");
    let mut build = cargo_command(&manifest, target);
    build.args(["build", "--release", "--locked"]);
    let started = Instant::now();
    if !run_logged(build, &log)? {
        bail!("the bare baseline did not build, see {}", log.display());
    }
    println!(
        "  bare baseline built in {:.1}s",
        started.elapsed().as_secs_f64()
    );
    Ok(target.join("release").join("bench-bare"))
}

/// One database: the generated project, its build, the two servers and the runs.
struct Case<'a> {
    repo: &'a Path,
    database: &'static str,
    dest: PathBuf,
    logs: &'a Path,
    target: &'a Path,
}

impl Case<'_> {
    fn combination(&self) -> Combination {
        let values = [("database", self.database), ("message_bus", "none")];
        Combination::ad_hoc(format!("bench-{}", self.database), &values)
    }

    fn log(&self, what: &str) -> PathBuf {
        self.logs.join(format!("{}-{what}.log", self.database))
    }

    fn run(
        &self,
        endpoints: &Endpoints,
        bare: &Path,
        options: &Options,
        built: Built,
    ) -> Result<Run> {
        let combination = self.combination();
        if let Some(reason) = endpoints.unavailable_for(&combination) {
            bail!("not run: {reason}");
        }
        let database = FuzzDatabase::create(&combination, endpoints, &built.project)?;
        let servers = Servers {
            project: built.project,
            binary: built.binary,
            bare: bare.to_path_buf(),
            url: without_tls(self.database, &database.url),
        };
        let outcome = self.measure(&servers, options, built.build);
        database.drop_it();
        outcome
    }

    /// Generates the project and builds it (release); with `incremental`, then times a
    /// rebuild after touching a handler.
    fn build(&self, cold: bool, incremental: bool) -> Result<Built> {
        let log = self.log("build");
        std::fs::write(&log, "").with_context(|| format!("cannot create {}", log.display()))?;
        let project = self.dest.join(PROJECT_NAME);
        crate::crash::remove_dir(&project)?;
        let exe = std::env::current_exe().context("cannot locate the xtask binary")?;
        let mut generate = Command::new(exe);
        generate
            .args(["new", PROJECT_NAME, "--from"])
            .arg(self.repo)
            .arg("--dest")
            .arg(&self.dest)
            .args(["-d", &format!("database={}", self.database)])
            .args(["-d", "message_bus=none"]);
        if !run_logged(generate, &log)? {
            bail!("generation failed, see {}", log.display());
        }
        let release = || -> Result<Duration> {
            let mut build = cargo_command(&project, self.target);
            build.args(["build", "--release", "--bin", PROJECT_NAME]);
            let started = Instant::now();
            if !run_logged(build, &log)? {
                bail!("the release build failed, see {}", log.display());
            }
            Ok(started.elapsed())
        };
        let took = release()?;
        let build = Build {
            took,
            cold,
            incremental: None,
        };
        println!("  {}: release build {}", self.database, build.describe());
        let incremental = if incremental {
            let touched = project.join(TOUCHED);
            let text = std::fs::read_to_string(&touched)
                .with_context(|| format!("cannot read {}", touched.display()))?;
            std::fs::write(&touched, text)
                .with_context(|| format!("cannot touch {}", touched.display()))?;
            Some(release()?)
        } else {
            None
        };
        // The shared target's binary is overwritten by the next project's build.
        let built = self.target.join("release").join(PROJECT_NAME);
        let binary = self.dest.join("bin").join(PROJECT_NAME);
        std::fs::create_dir_all(self.dest.join("bin"))?;
        // Removed first: a copy cannot overwrite a binary that is still running.
        match std::fs::remove_file(&binary) {
            Err(error) if error.kind() != std::io::ErrorKind::NotFound => {
                return Err(error).with_context(|| format!("cannot remove {}", binary.display()));
            }
            _ => {}
        }
        std::fs::copy(&built, &binary)
            .with_context(|| format!("cannot copy {} to {}", built.display(), binary.display()))?;
        Ok(Built {
            project,
            binary,
            build: Build {
                incremental,
                ..build
            },
        })
    }

    fn measure(&self, servers: &Servers, options: &Options, build: Build) -> Result<Run> {
        let port = free_port()?;
        let env = [
            ("APP__SERVER__PORT", port.to_string()),
            ("APP__DATABASE__URL", servers.url.clone()),
            ("APP__DATABASE__MAX_CONNECTIONS", POOL.to_string()),
            ("APP__TELEMETRY__FILTER", "warn".to_owned()),
            ("APP__TELEMETRY__FORMAT", "json".to_owned()),
        ];
        let started = Instant::now();
        let log = self.log("service");
        let mut ours = start_service(&servers.binary, &servers.project, &env, &log)?;
        let ours_ready = ready(&mut ours, port, "/health/ready", started);
        let outcome = ours_ready.and_then(|ready| {
            let ours = Started {
                pid: ours.id(),
                port,
                ready,
            };
            self.beside_bare(ours, servers, options, build)
        });
        stop(&mut ours);
        outcome
    }

    /// Seeds through the running service, starts the bare baseline and loads both.
    fn beside_bare(
        &self,
        ours: Started,
        servers: &Servers,
        options: &Options,
        build: Build,
    ) -> Result<Run> {
        let ours_binary = std::fs::metadata(&servers.binary)?.len();
        let bare_binary = std::fs::metadata(&servers.bare)?.len();
        let rows = seed(ours.port)?;
        let bare_port = free_port()?;
        let env = [
            ("BARE_PORT", bare_port.to_string()),
            ("BARE_DATABASE_URL", servers.url.clone()),
            ("BARE_POOL", POOL.to_string()),
        ];
        let started = Instant::now();
        let log = self.log("bare");
        let mut bare_child = start_service(&servers.bare, self.repo, &env, &log)?;
        let probe = format!("/api/v1/orders/{}", rows[0].id);
        let outcome = ready(&mut bare_child, bare_port, &probe, started).and_then(|bare_ready| {
            let sides = [ours.port, bare_port];
            let measured = self.load(&sides, &rows, options)?;
            Ok(Run {
                database: self.database,
                build,
                ours: Side {
                    ready: ours.ready,
                    rss_bytes: rss(ours.pid),
                    binary_bytes: ours_binary,
                },
                bare: Side {
                    ready: bare_ready,
                    rss_bytes: rss(bare_child.id()),
                    binary_bytes: bare_binary,
                },
                measured,
            })
        });
        stop(&mut bare_child);
        outcome
    }

    /// Warm-up, then every scenario: `rounds` times ours then bare.
    fn load(&self, sides: &[u16; 2], rows: &[Seeded], options: &Options) -> Result<Vec<Measured>> {
        let scripts = self.dest.join("scripts");
        std::fs::create_dir_all(&scripts)?;
        std::fs::write(self.log("wrk"), "")?;
        let warm = Duration::from_secs(1);
        for port in sides {
            let script = scripts.join("warm-up.lua");
            std::fs::write(&script, wrk::script(Scenario::Get, rows, "warm"))?;
            let url = format!("http://127.0.0.1:{port}");
            wrk::run(&url, &script, warm, options.threads, options.connections)?;
        }
        let mut updated = update_slices(rows, options)?;
        let mut measured = Vec::new();
        for scenario in Scenario::ALL {
            let mut ours = Vec::new();
            let mut bare = Vec::new();
            for round in 0..options.rounds {
                for (side, port) in sides.iter().enumerate() {
                    // wrk stops with requests in flight, and a server finishes them after
                    // it has gone (a write may wait up to the busy timeout for SQLite's
                    // lock): let them land before the next run.
                    std::thread::sleep(match scenario {
                        Scenario::Get | Scenario::List => SETTLE_AFTER_READS,
                        Scenario::Update | Scenario::Create => SETTLE_AFTER_WRITES,
                    });
                    let addressed = match scenario {
                        Scenario::Update => updated.next().context("no rows left to update")?,
                        Scenario::Get | Scenario::List | Scenario::Create => rows,
                    };
                    let name = format!("{}-{}-{round}-{side}", self.database, scenario.name());
                    let run_id = format!("{}{}", std::process::id(), name.replace('-', ""));
                    let script = scripts.join(format!("{name}.lua"));
                    std::fs::write(&script, wrk::script(scenario, addressed, &run_id))?;
                    let url = format!("http://127.0.0.1:{port}");
                    let (figures, report) = wrk::run(
                        &url,
                        &script,
                        options.duration,
                        options.threads,
                        options.connections,
                    )?;
                    let log = format!("== {name} ({})\n{report}\n", ["ours", "bare"][side]);
                    crate::matrix::append(&self.log("wrk"), &log);
                    if side == 0 {
                        ours.push(figures);
                    } else {
                        bare.push(figures);
                    }
                }
            }
            measured.push(Measured {
                scenario,
                ours: report::median(&ours),
                bare: report::median(&bare),
            });
        }
        Ok(measured)
    }
}

/// The rows of each update run, none shared between runs: every row still has its
/// seeded version, so no run needs to read versions, and a write of an earlier run
/// that the database applies late (SecantusDB queues them) cannot make the next run's
/// `If-Match` stale.
fn update_slices<'r>(
    rows: &'r [Seeded],
    options: &Options,
) -> Result<impl Iterator<Item = &'r [Seeded]>> {
    Ok(rows.chunks_exact(rows_per_update_run(options)?))
}

/// How many seeded rows each update run gets (see [`update_slices`]).
fn rows_per_update_run(options: &Options) -> Result<usize> {
    let runs = options.rounds as usize * 2;
    let per_run = SEED_ROWS / runs.max(1);
    // The script keeps one update in flight per row: each of its threads needs more
    // rows than it has connections.
    let needed = options.connections as usize + 2;
    ensure!(
        per_run >= needed,
        "{} rounds leave {per_run} of the {SEED_ROWS} seeded rows to each update run; \
         {} connections need {needed}: use fewer rounds",
        options.rounds,
        options.connections
    );
    Ok(per_run)
}

/// `url` with TLS off where the service's driver would negotiate it. Its sqlx has rustls
/// and, by default (`sslmode=prefer`), encrypts when the server offers TLS; the baseline
/// is built without TLS. Over loopback that difference measured encryption, not layers.
fn without_tls(database: &str, url: &str) -> String {
    match database {
        "postgres" => {
            let separator = if url.contains('?') { '&' } else { '?' };
            format!("{url}{separator}sslmode=disable")
        }
        _ => url.to_owned(),
    }
}

/// A generated project and its release binary.
struct Built {
    project: PathBuf,
    binary: PathBuf,
    build: Build,
}

/// What the two servers run: the service's project and binary, the baseline's binary, and
/// the database both use.
struct Servers {
    project: PathBuf,
    binary: PathBuf,
    bare: PathBuf,
    url: String,
}

/// A server that answered: its process id, port and time to ready.
struct Started {
    pid: u32,
    port: u16,
    ready: Duration,
}

/// Waits until `path` answers 200 on `port`; how long since `started`.
fn ready(child: &mut Child, port: u16, path: &str, started: Instant) -> Result<Duration> {
    let deadline = started + Duration::from_secs(120);
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            bail!("the server exited before it was ready ({status})");
        }
        if http_status(port, path).is_ok_and(|status| status == 200) {
            return Ok(started.elapsed());
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    bail!("not ready within two minutes")
}

/// Creates [`SEED_ROWS`] orders through the service; their ids, names and versions.
fn seed(port: u16) -> Result<Vec<Seeded>> {
    let mut rows = Vec::with_capacity(SEED_ROWS);
    for n in 0..SEED_ROWS {
        let name = format!("seed-{n}");
        let body = format!("{{\"name\":\"{name}\",\"amount_cents\":{}}}", 100 + n);
        let (status, response) = request(port, "POST", "/api/v1/orders", &body)?;
        ensure!(status == 201, "seeding answered {status}: {response}");
        let created: serde_json::Value = serde_json::from_str(&response)?;
        let id = created["id"].as_str().context("no id in a 201")?.to_owned();
        rows.push(Seeded {
            id,
            name,
            version: 1,
        });
    }
    Ok(rows)
}

/// The resident set of a process, from `/proc` (0 when unreadable).
fn rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<u64>()
                .ok()
        })
        .map_or(0, |kib| kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seeded() -> Vec<Seeded> {
        (0..SEED_ROWS)
            .map(|n| Seeded {
                id: format!("id-{n}"),
                name: format!("seed-{n}"),
                version: 1,
            })
            .collect()
    }

    #[test]
    fn update_runs_share_no_row() {
        let rows = seeded();
        let options = Options::default();
        let slices: Vec<&[Seeded]> = update_slices(&rows, &options).unwrap().collect();
        assert!(slices.len() >= options.rounds as usize * 2);
        let mut seen = std::collections::HashSet::new();
        for slice in &slices {
            assert!(slice.len() > options.connections as usize);
            for row in *slice {
                assert!(seen.insert(&row.id), "{} is in two runs", row.id);
            }
        }
    }

    #[test]
    fn postgres_is_measured_without_tls() {
        let url = "postgres://postgres@127.0.0.1:5432/bench";
        assert_eq!(
            without_tls("postgres", url),
            "postgres://postgres@127.0.0.1:5432/bench?sslmode=disable"
        );
        assert_eq!(
            without_tls("postgres", "postgres://h/db?a=b"),
            "postgres://h/db?a=b&sslmode=disable"
        );
        assert_eq!(without_tls("sqlite", "sqlite://x.db"), "sqlite://x.db");
    }

    #[test]
    fn too_many_rounds_for_the_seeded_rows_are_refused() {
        let options = Options {
            rounds: 20,
            ..Options::default()
        };
        let refused = rows_per_update_run(&options).unwrap_err().to_string();
        assert!(refused.contains("use fewer rounds"), "{refused}");
    }
}
