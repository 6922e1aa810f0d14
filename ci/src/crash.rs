//! `cargo xtask crash`: the transactional outbox loses no event when the service is
//! SIGKILLed under load.
//!
//! The generated service's tests show that a committed change's event reaches the broker
//! and that a relay which stops publishing leaves its messages to another one after the
//! lease. They never end a process in the middle of a request, a transaction or a publish:
//! in-process tests cannot. This command does, with the real binary on the real servers.
//! It generates the project with `message_bus=rabbitmq` for a database, builds the binary,
//! binds a queue to a fresh exchange and puts the service under a steady load of creates.
//! During the load it kills the service with SIGKILL (no drain, no rollback: whatever was
//! in flight is cut) a few times, restarting it on the same port and database after each
//! kill. Every create answered with 201 was committed, so its `<aggregate>.created` event
//! must arrive on the queue eventually: the restarted relay re-claims what a killed one
//! held once the lease (shortened here to a few seconds) has passed. An event published
//! twice (killed between the broker's confirm and marking the message published) is
//! allowed and counted; an event missing is a failure.
//!
//! The service's own subscriber consumes the same events through a queue of its own (with
//! an inbox against duplicates): after the load, every 201'd id's activity feed must hold
//! exactly one `created` record, however often its event was delivered.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::amqp::{Received, Subscriber, unique_suffix};
use crate::combos::{Combination, PROJECT_NAME};
use crate::fuzz::{FuzzDatabase, free_port, start_service, stop, wait_ready};
use crate::matrix::{cargo_command, run_logged};
use crate::services::{self, Endpoints, Service};
use anyhow::{Context, Result, bail};

/// The databases the command runs against: one per persistence crate (SeaORM, MongoDB).
pub const DATABASES: &[&str] = &["postgres", "mongodb"];

/// Kills per database unless `--kills` says otherwise.
pub const DEFAULT_KILLS: u32 = 5;

/// The collection of the default aggregate (`order`).
const ORDERS: &str = "/api/v1/orders";

/// Client threads: two keep requests in flight while the other one reads its response.
const LOAD_THREADS: usize = 2;

/// The relay's poll interval: a restarted relay finds what is due within it.
const POLL_INTERVAL_MS: u64 = 200;

/// The relay's lease: what a killed relay had claimed is claimed again after it.
const LEASE_SECS: u64 = 5;

/// Load between two kills, drawn anew for each.
const LOAD_BETWEEN_KILLS_MS: std::ops::Range<u64> = 500..2_000;

/// How long every 201'd id may take to arrive after the load stopped: several leases.
const EVENT_TIMEOUT: Duration = Duration::from_secs(60);

/// How long every 201'd id may take to appear in its activity feed once the events are in.
/// An event whose handling a kill cut off stays held on MongoDB until the server aborts the
/// orphaned transaction (60 s after its last statement), then its retry records it.
const ACTIVITY_TIMEOUT: Duration = Duration::from_secs(90);

/// A client's pause after a request that did not create: the service is down or starting,
/// and a client spinning on refusals and 503s would take the CPU its startup needs.
const BACK_OFF: Duration = Duration::from_millis(20);

/// Bounds on the load, whatever happens to the kill loop.
const MAX_ATTEMPTS: u64 = 200_000;
const MAX_LOAD: Duration = Duration::from_secs(15 * 60);

#[derive(Debug)]
pub struct Options {
    /// A subset of [`DATABASES`]; empty means all.
    pub databases: Vec<String>,
    pub kills: u32,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            databases: Vec::new(),
            kills: DEFAULT_KILLS,
        }
    }
}

/// Runs the selected databases; `Ok(false)` when any lost an event or could not run.
pub fn run(repo: &Path, cache: &Path, options: &Options) -> Result<bool> {
    let started = Instant::now();
    let selected: Vec<&str> = DATABASES
        .iter()
        .copied()
        .filter(|db| options.databases.is_empty() || options.databases.iter().any(|d| d == db))
        .collect();
    if selected.is_empty() {
        bail!(
            "--only {} selects no database; the databases are: {}",
            options.databases.join(" --only "),
            DATABASES.join(", ")
        );
    }
    let logs = cache.join("logs").join("crash");
    std::fs::create_dir_all(&logs).with_context(|| format!("cannot create {}", logs.display()))?;
    let mut needed = vec![Service::Rabbitmq];
    needed.extend(selected.iter().map(|db| service_of(db)));
    let mut endpoints = services::ensure(&needed, cache);
    for line in endpoints.masked_env_lines() {
        println!("{line}");
    }
    println!(
        "crash: {} database(s), {} SIGKILLs each under load, work dir {}",
        selected.len(),
        options.kills,
        cache.display()
    );
    println!("  {}", Report::HEADER);
    let mut failed = Vec::new();
    for database in selected {
        let db_started = Instant::now();
        let case = Case::new(repo, cache, &logs, database);
        match case.run(&endpoints, options.kills) {
            Ok(report) => {
                let seconds = db_started.elapsed().as_secs_f64();
                println!("  {}", report.line(database, seconds));
                println!("    {}", report.detail());
                if !report.passed() {
                    report.print_missing(&case.timeline);
                    failed.push(database);
                }
            }
            Err(error) => {
                println!("  {database:<9} FAIL: {error:#}");
                println!("    logs: {}", logs.display());
                failed.push(database);
            }
        }
    }
    endpoints.stop_started();
    Ok(crate::report::summary("crash", &failed, started))
}

fn service_of(database: &str) -> Service {
    match database {
        "mongodb" => Service::Mongodb,
        _ => Service::Postgres,
    }
}

/// One database's run: where its project, binary and logs are.
struct Case {
    repo: PathBuf,
    cache: PathBuf,
    database: &'static str,
    dest: PathBuf,
    logs: PathBuf,
    /// What happened when: kills, restarts, the wait for events, the result.
    timeline: PathBuf,
}

impl Case {
    fn new(repo: &Path, cache: &Path, logs: &Path, database: &'static str) -> Self {
        Self {
            repo: repo.to_path_buf(),
            cache: cache.to_path_buf(),
            database,
            dest: cache.join("crash").join(database),
            logs: logs.to_path_buf(),
            timeline: logs.join(format!("{database}.log")),
        }
    }

    fn combination(&self) -> Combination {
        let values = [("database", self.database), ("message_bus", "rabbitmq")];
        Combination::ad_hoc(format!("crash-{}", self.database), &values)
    }

    fn run(&self, endpoints: &Endpoints, kills: u32) -> Result<Report> {
        let combination = self.combination();
        if let Some(reason) = endpoints.unavailable_for(&combination) {
            bail!("not run: {reason}");
        }
        std::fs::write(&self.timeline, "")
            .with_context(|| format!("cannot create {}", self.timeline.display()))?;
        let (project, binary) = self.build()?;
        let amqp = endpoints
            .url(Service::Rabbitmq)
            .context("RabbitMQ was not started")?
            .to_owned();
        let database = FuzzDatabase::create(&combination, endpoints, &project)?;
        let exchange = format!("crash.{}.{}", self.database, unique_suffix());
        let outcome = Subscriber::bind(&amqp, &exchange).and_then(|subscriber| {
            let target = Target {
                binary,
                project,
                database_url: database.url.clone(),
                amqp,
                exchange,
                queue: subscriber.service_queue(),
                port: free_port()?,
            };
            // The subscriber deletes its queue and the exchange when dropped.
            self.exercise(&target, &subscriber, kills)
        });
        database.drop_it();
        outcome
    }

    /// Generates the project and builds its binary, then copies the binary out of the
    /// shared target directory: a matrix run may rebuild `acme-shop` there with other
    /// options while this one restarts it.
    fn build(&self) -> Result<(PathBuf, PathBuf)> {
        let log = self.logs.join(format!("{}-build.log", self.database));
        std::fs::write(&log, "").with_context(|| format!("cannot create {}", log.display()))?;
        let project = self.dest.join(PROJECT_NAME);
        remove_dir(&project)?;
        let exe = std::env::current_exe().context("cannot locate the xtask binary")?;
        let mut generate = Command::new(exe);
        generate
            .args(["new", PROJECT_NAME, "--no-fmt", "--from"])
            .arg(&self.repo)
            .arg("--dest")
            .arg(&self.dest)
            .args(["-d", &format!("database={}", self.database)])
            .args(["-d", "message_bus=rabbitmq"]);
        if !run_logged(generate, &log)? {
            bail!("generation failed, see {}", log.display());
        }
        let target = self.cache.join("target");
        let mut build = cargo_command(&project, &target);
        build.args(["build", "--bin", PROJECT_NAME]);
        if !run_logged(build, &log)? {
            bail!("the build failed, see {}", log.display());
        }
        let built = target.join("debug").join(PROJECT_NAME);
        let binary = self.dest.join("bin").join(PROJECT_NAME);
        std::fs::create_dir_all(self.dest.join("bin"))
            .with_context(|| format!("cannot create {}", self.dest.join("bin").display()))?;
        std::fs::copy(&built, &binary)
            .with_context(|| format!("cannot copy {} to {}", built.display(), binary.display()))?;
        Ok((project, binary))
    }

    /// Load, kills and restarts, then the wait for every event.
    fn exercise(&self, target: &Target, subscriber: &Subscriber, kills: u32) -> Result<Report> {
        let clock = Instant::now();
        let note = |text: &str| {
            let seconds = clock.elapsed().as_secs_f64();
            crate::matrix::append(&self.timeline, &format!("[{seconds:>7.2}s] {text}\n"));
        };
        // Seeded here and logged: `fastrand`'s own seed comes from the clock alone.
        let seed = u64::from(std::process::id()) ^ u64::from(clock_nanos());
        note(&format!(
            "{} on port {}, exchange {}, lease {LEASE_SECS}s, poll {POLL_INTERVAL_MS}ms, \
             kill delays seeded with {seed}",
            self.database, target.port, target.exchange
        ));
        let mut service = self.start(target, 0)?;
        if let Err(error) = wait_ready(&mut service, target.port) {
            stop(&mut service);
            return Err(error).context(self.service_log_hint(0));
        }
        note("instance 0 ready; load starts");
        let load = Load::start(target.port, clock);
        let mut delays = fastrand::Rng::with_seed(seed);
        let chaos = self.kill_and_restart(target, &mut service, kills, &mut delays, &note);
        let load = load.stop();
        note(&format!(
            "load stopped: {} attempts, {} created",
            load.attempts,
            load.created.len()
        ));
        let kills_done = match chaos {
            Ok(kills_done) => kills_done,
            Err(error) => {
                stop(&mut service);
                return Err(error);
            }
        };

        let ids: Vec<String> = load.created.iter().map(|(id, _)| id.clone()).collect();
        let waited = Instant::now();
        while waited.elapsed() < EVENT_TIMEOUT
            && !tally(&ids, &subscriber.events()).missing.is_empty()
        {
            std::thread::sleep(Duration::from_millis(200));
        }
        note(&format!(
            "waited {:.1}s for the events; {} missing",
            waited.elapsed().as_secs_f64(),
            tally(&ids, &subscriber.events()).missing.len()
        ));
        // What a killed relay had published but not yet marked comes again after the
        // lease: wait for it, so that the duplicates are counted.
        std::thread::sleep(Duration::from_secs(LEASE_SECS + 2));
        let activity = activity_tally(target.port, &ids);
        note(&format!(
            "activity: {} ids with one created record, {} with none, {} with more",
            activity.one,
            activity.none.len(),
            activity.more.len()
        ));
        for id in activity.none.iter().chain(&activity.more) {
            note(&format!("ACTIVITY {id}: not exactly one created record"));
        }
        stop(&mut service);
        note("instance stopped (SIGTERM)");
        std::thread::sleep(Duration::from_millis(500));
        let tally = tally(&ids, &subscriber.events());
        for id in &tally.missing {
            let created = load.created.iter().find(|(i, _)| i == id).map(|(_, t)| *t);
            note(&format!(
                "MISSING {id} (201 at {:.2}s)",
                created.unwrap_or_default()
            ));
        }
        Ok(Report {
            load,
            kills: kills_done,
            tally,
            activity,
        })
    }

    /// `kills` times: some load, SIGKILL, restart on the same port and database, ready.
    fn kill_and_restart(
        &self,
        target: &Target,
        service: &mut Child,
        kills: u32,
        delays: &mut fastrand::Rng,
        note: &dyn Fn(&str),
    ) -> Result<u32> {
        for kill in 1..=kills {
            let pause = delays.u64(LOAD_BETWEEN_KILLS_MS);
            std::thread::sleep(Duration::from_millis(pause));
            // `Child::kill` is SIGKILL: no shutdown hook runs.
            service.kill().context("cannot kill the service")?;
            let status = service.wait().context("cannot reap the service")?;
            note(&format!(
                "KILL {kill}: instance {} after {pause}ms of load ({status})",
                kill - 1
            ));
            *service = self.start(target, kill)?;
            wait_ready(service, target.port).context(self.service_log_hint(kill))?;
            note(&format!("instance {kill} ready"));
        }
        // The last instance serves load too before the load stops.
        std::thread::sleep(Duration::from_millis(delays.u64(LOAD_BETWEEN_KILLS_MS)));
        Ok(kills)
    }

    fn service_log(&self, instance: u32) -> PathBuf {
        self.logs
            .join(format!("{}-service-{instance}.log", self.database))
    }

    fn service_log_hint(&self, instance: u32) -> String {
        format!(
            "instance {instance} did not turn ready, see {}",
            self.service_log(instance).display()
        )
    }

    /// Starts instance `instance` of the service (its log: `<db>-service-<instance>.log`),
    /// with the broker's settings and an `info` log.
    fn start(&self, target: &Target, instance: u32) -> Result<Child> {
        let env = [
            ("APP__SERVER__PORT", target.port.to_string()),
            ("APP__DATABASE__URL", target.database_url.clone()),
            ("APP__RABBITMQ__URL", target.amqp.clone()),
            ("APP__RABBITMQ__EXCHANGE", target.exchange.clone()),
            (
                "APP__RABBITMQ__POLL_INTERVAL_MS",
                POLL_INTERVAL_MS.to_string(),
            ),
            ("APP__RABBITMQ__LEASE_SECS", LEASE_SECS.to_string()),
            ("APP__RABBITMQ__SUBSCRIBER__QUEUE", target.queue.clone()),
            (
                "APP__RABBITMQ__SUBSCRIBER__RETRY_DELAY_MS",
                "500".to_owned(),
            ),
            ("RUST_LOG", "info".to_owned()),
        ];
        start_service(
            &target.binary,
            &target.project,
            &env,
            &self.service_log(instance),
        )
    }
}

/// What the service instances are started with.
struct Target {
    binary: PathBuf,
    project: PathBuf,
    database_url: String,
    amqp: String,
    exchange: String,
    /// The service subscriber's queue, deleted with the harness's subscriber.
    queue: String,
    port: u16,
}

/// The sub-second part of the wall clock.
fn clock_nanos() -> u32 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.subsec_nanos())
}

pub(crate) fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("cannot remove {}", dir.display())),
    }
}

/// The client threads posting creates until stopped.
struct Load {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<LoadStats>>,
}

/// What the load saw: every 201'd id with the second it was answered.
#[derive(Debug, Default)]
struct LoadStats {
    attempts: u64,
    created: Vec<(String, f64)>,
    /// Connection refused or reset, no complete response: the service was down.
    failed: u64,
    /// Statuses other than 201, by status.
    statuses: BTreeMap<u16, u64>,
    /// A 201 whose body held no id.
    bad_bodies: u64,
}

impl LoadStats {
    fn merge(&mut self, other: Self) {
        self.attempts += other.attempts;
        self.created.extend(other.created);
        self.failed += other.failed;
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        self.bad_bodies += other.bad_bodies;
    }
}

impl Load {
    fn start(port: u16, clock: Instant) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let counter = Arc::new(AtomicU64::new(0));
        let threads = (0..LOAD_THREADS)
            .map(|_| {
                let (stop, counter) = (Arc::clone(&stop), Arc::clone(&counter));
                std::thread::spawn(move || load_loop(port, &counter, &stop, clock))
            })
            .collect();
        Self { stop, threads }
    }

    fn stop(self) -> LoadStats {
        self.stop.store(true, Ordering::Relaxed);
        let mut all = LoadStats::default();
        for thread in self.threads {
            // A load thread has no panicking code path; a panic would lose its counts only.
            if let Ok(stats) = thread.join() {
                all.merge(stats);
            }
        }
        all
    }
}

fn load_loop(port: u16, counter: &AtomicU64, stop: &AtomicBool, clock: Instant) -> LoadStats {
    let mut stats = LoadStats::default();
    while !stop.load(Ordering::Relaxed)
        && counter.load(Ordering::Relaxed) < MAX_ATTEMPTS
        && clock.elapsed() < MAX_LOAD
    {
        let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
        stats.attempts += 1;
        match post_order(port, n) {
            Ok((201, body)) => match created_id(&body) {
                Ok(id) => stats.created.push((id, clock.elapsed().as_secs_f64())),
                Err(_) => stats.bad_bodies += 1,
            },
            // 503 while a restarted instance runs its startup tasks.
            Ok((status, _)) => {
                *stats.statuses.entry(status).or_default() += 1;
                std::thread::sleep(BACK_OFF);
            }
            Err(_) => {
                stats.failed += 1;
                std::thread::sleep(BACK_OFF);
            }
        }
    }
    stats
}

/// One create over a fresh connection: the status and the body.
fn post_order(port: u16, n: u64) -> Result<(u16, String)> {
    let body = serde_json::json!({ "name": format!("crash {n}"), "amount_cents": n }).to_string();
    request(port, "POST", ORDERS, &body)
}

/// One request over a fresh connection: the status and the body.
pub(crate) fn request(port: u16, method: &str, path: &str, body: &str) -> Result<(u16, String)> {
    let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(10)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse_response(&raw)
}

/// The 201'd ids by how many `created` records their activity feed holds.
#[derive(Debug, Default, PartialEq)]
struct ActivityTally {
    one: usize,
    /// No record (the subscriber never recorded the event), or no readable feed.
    none: Vec<String>,
    /// More than one: a duplicate delivery had a second effect.
    more: Vec<String>,
}

/// Reads every id's feed, waiting up to [`ACTIVITY_TIMEOUT`] for the subscriber to catch up
/// with those that have no record yet.
fn activity_tally(port: u16, ids: &[String]) -> ActivityTally {
    let mut tally = ActivityTally::default();
    let mut pending: Vec<&String> = ids.iter().collect();
    let started = Instant::now();
    loop {
        let mut waiting = Vec::new();
        for id in pending {
            match created_records(port, id) {
                Some(1) => tally.one += 1,
                Some(0) | None => waiting.push(id),
                Some(_) => tally.more.push(id.clone()),
            }
        }
        if waiting.is_empty() || started.elapsed() > ACTIVITY_TIMEOUT {
            tally.none = waiting.into_iter().cloned().collect();
            return tally;
        }
        pending = waiting;
        std::thread::sleep(Duration::from_millis(500));
    }
}

/// How many `created` records the activity feed of `id` holds (`None`: unreadable).
fn created_records(port: u16, id: &str) -> Option<usize> {
    let path = format!("{ORDERS}/{id}/activity?page_size=100");
    let (status, body) = request(port, "GET", &path, "").ok()?;
    let feed: serde_json::Value = serde_json::from_str(&body).ok().filter(|_| status == 200)?;
    let items = feed.get("items")?.as_array()?;
    let created = items.iter().filter(|item| item["kind"] == "created");
    Some(created.count())
}

/// The status and body of a complete HTTP/1.1 response read until the server closed.
fn parse_response(raw: &[u8]) -> Result<(u16, String)> {
    let text = std::str::from_utf8(raw).context("the response is not UTF-8")?;
    let (head, body) = text
        .split_once("\r\n\r\n")
        .context("the response has no end of headers")?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .context("the response has no status line")?
        .parse()
        .context("the status is not a number")?;
    let chunked = lines.any(|line| {
        line.split_once(':').is_some_and(|(name, value)| {
            name.trim().eq_ignore_ascii_case("transfer-encoding")
                && value.trim().eq_ignore_ascii_case("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_owned()
    };
    Ok((status, body))
}

/// A chunked body joined (`<hex size>\r\n<data>\r\n`..., ending in a zero-size chunk).
fn dechunk(mut rest: &str) -> Result<String> {
    let mut body = String::new();
    loop {
        let (size, after) = rest
            .split_once("\r\n")
            .context("a chunk has no size line")?;
        let size = size.split(';').next().unwrap_or(size).trim();
        let size = usize::from_str_radix(size, 16).context("a chunk size is not hex")?;
        if size == 0 {
            return Ok(body);
        }
        body.push_str(after.get(..size).context("a chunk is cut short")?);
        rest = after
            .get(size..)
            .and_then(|after| after.strip_prefix("\r\n"))
            .context("a chunk does not end in CRLF")?;
    }
}

/// The `id` of a created aggregate's response body.
fn created_id(body: &str) -> Result<String> {
    let value: serde_json::Value = serde_json::from_str(body).context("the body is not JSON")?;
    value
        .get("id")
        .and_then(serde_json::Value::as_str)
        .map(str::to_owned)
        .context("the body has no string `id`")
}

/// The events held against the 201'd ids.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    events: usize,
    created: usize,
    distinct: usize,
    duplicates: usize,
    /// 201'd ids without a created event, in the order they were answered.
    missing: Vec<String>,
    /// Created events of ids the client never saw a 201 for: committed, then the
    /// response was cut by a kill.
    unanswered: usize,
}

fn tally(ids: &[String], events: &[Received]) -> Tally {
    let mut subjects: HashMap<&str, usize> = HashMap::new();
    let created: Vec<&Received> = events.iter().filter(|event| event.is_created()).collect();
    for event in &created {
        if let Some(subject) = &event.subject {
            *subjects.entry(subject.as_str()).or_default() += 1;
        }
    }
    let answered: HashSet<&str> = ids.iter().map(String::as_str).collect();
    Tally {
        events: events.len(),
        created: created.len(),
        distinct: subjects.len(),
        duplicates: subjects.values().map(|count| count - 1).sum(),
        missing: ids
            .iter()
            .filter(|id| !subjects.contains_key(id.as_str()))
            .cloned()
            .collect(),
        unanswered: subjects
            .keys()
            .filter(|subject| !answered.contains(*subject))
            .count(),
    }
}

/// One database's numbers.
struct Report {
    load: LoadStats,
    kills: u32,
    tally: Tally,
    activity: ActivityTally,
}

impl Report {
    const HEADER: &str = "database  attempts    201s  kills  events  distinct  duplicates  \
                          missing  activity  seconds";

    /// No event missing, and exactly one activity record per 201'd id.
    fn passed(&self) -> bool {
        let activity = &self.activity;
        let one_each = activity.none.is_empty() && activity.more.is_empty();
        self.tally.missing.is_empty() && !self.load.created.is_empty() && one_each
    }

    fn line(&self, database: &str, seconds: f64) -> String {
        format!(
            "{database:<9} {:>8} {:>7} {:>6} {:>7} {:>9} {:>11} {:>8} {:>9} {seconds:>8.1}  {}",
            self.load.attempts,
            self.load.created.len(),
            self.kills,
            self.tally.events,
            self.tally.distinct,
            self.tally.duplicates,
            self.tally.missing.len(),
            self.activity.one,
            if self.passed() { "ok" } else { "FAIL" }
        )
    }

    fn detail(&self) -> String {
        let statuses: Vec<String> = self
            .load
            .statuses
            .iter()
            .map(|(status, count)| format!("{status}: {count}"))
            .collect();
        format!(
            "{} created events ({} for ids whose 201 a kill cut off); {} requests without a \
             response; other statuses {{{}}}; {} 201s without an id",
            self.tally.created,
            self.tally.unanswered,
            self.load.failed,
            statuses.join(", "),
            self.load.bad_bodies
        )
    }

    fn print_missing(&self, timeline: &Path) {
        if self.load.created.is_empty() {
            println!("    no create was answered with 201: nothing was tested");
        }
        const SHOWN: usize = 20;
        for id in self.tally.missing.iter().take(SHOWN) {
            println!("    missing: {id}");
        }
        let activity = &self.activity;
        for id in activity.none.iter().take(SHOWN) {
            println!("    no activity record: {id}");
        }
        for id in activity.more.iter().take(SHOWN) {
            println!("    more than one created record: {id}");
        }
        if self.tally.missing.len() > SHOWN {
            println!("    ... and {} more", self.tally.missing.len() - SHOWN);
        }
        println!(
            "    timeline (kills, restarts, every missing id): {}",
            timeline.display()
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_status_and_body() {
        let raw = b"HTTP/1.1 201 Created\r\ncontent-type: application/json\r\n\
                    content-length: 11\r\n\r\n{\"id\":\"a\"}";
        let (status, body) = parse_response(raw).unwrap();
        assert_eq!(status, 201);
        assert_eq!(created_id(&body).unwrap(), "a");
        let (status, body) = parse_response(b"HTTP/1.1 503 Service Unavailable\r\n\r\n").unwrap();
        assert_eq!((status, body.as_str()), (503, ""));
        assert!(parse_response(b"HTTP/1.1 201 Created\r\ncontent-le").is_err());
    }

    #[test]
    fn chunked_response_is_joined() {
        let raw = b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n\
                    5\r\n{\"id\"\r\n7;x=y\r\n:\"0192\"\r\n1\r\n}\r\n0\r\n\r\n";
        let (_, body) = parse_response(raw).unwrap();
        assert_eq!(body, "{\"id\":\"0192\"}");
        assert!(dechunk("5\r\nab").is_err());
        assert!(dechunk("zz\r\n").is_err());
    }

    #[test]
    fn created_id_needs_a_string_id() {
        let id = created_id(r#"{"id": "0192f0c1-0000-7000-8000-000000000001", "n": 1}"#);
        assert_eq!(id.unwrap(), "0192f0c1-0000-7000-8000-000000000001");
        assert!(created_id(r#"{"id": 7}"#).is_err());
        assert!(created_id("<html>").is_err());
    }

    #[test]
    fn tally_counts_missing_duplicates_and_unanswered() {
        let created = |subject: &str| Received::parse("order.created", subject.as_bytes());
        let events = vec![
            created(r#"{"subject":"a"}"#),
            created(r#"{"subject":"b"}"#),
            created(r#"{"subject":"a"}"#),
            created(r#"{"subject":"x"}"#),
            Received::parse("order.updated", br#"{"subject":"c"}"#),
        ];
        let ids = ["a", "b", "c", "d"].map(str::to_owned);
        assert_eq!(
            tally(&ids, &events),
            Tally {
                events: 5,
                created: 4,
                distinct: 3,
                duplicates: 1,
                missing: vec!["c".to_owned(), "d".to_owned()],
                unanswered: 1,
            }
        );
    }
}
