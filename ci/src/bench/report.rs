//! The benchmark's figures: medians, the lines on the terminal, `docs/benchmarks.md`.

use std::fmt::Write as _;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use super::Options;
use super::wrk::{Figures, Scenario};

/// Build times of the generated project (release).
#[derive(Debug, Clone, Copy)]
pub struct Build {
    /// The release build, into the shared target directory as this run found it.
    pub took: Duration,
    /// Whether that directory held no release artifacts (the first database, by default).
    pub cold: bool,
    /// After touching one handler (the first database only).
    pub incremental: Option<Duration>,
}

impl Build {
    /// `160 s (cold)`.
    pub fn describe(&self) -> String {
        let cold = if self.cold { " (cold)" } else { "" };
        format!("{:.0} s{cold}", self.took.as_secs_f64())
    }

    fn incremental(&self) -> String {
        self.incremental.map_or_else(
            || "not measured".to_owned(),
            |took| format!("{:.1} s", took.as_secs_f64()),
        )
    }
}

/// One server of the comparison.
#[derive(Debug, Clone, Copy)]
pub struct Side {
    /// From the spawn to the first 200 (the service: `/health/ready`).
    pub ready: Duration,
    /// Resident set after the load.
    pub rss_bytes: u64,
    pub binary_bytes: u64,
}

/// The medians of one scenario's rounds.
#[derive(Debug, Clone, Copy)]
pub struct Measured {
    pub scenario: Scenario,
    pub ours: Figures,
    pub bare: Figures,
}

impl Measured {
    /// Ours over bare, in requests per second.
    pub fn ratio(&self) -> f64 {
        self.ours.requests_per_second / self.bare.requests_per_second
    }
}

/// One database's results.
#[derive(Debug, Clone)]
pub struct Run {
    pub database: &'static str,
    pub build: Build,
    pub ours: Side,
    pub bare: Side,
    pub measured: Vec<Measured>,
}

impl Run {
    /// Failed requests on either side, over all rounds.
    pub fn errors(&self) -> u64 {
        let per_scenario = self.measured.iter().map(|m| m.ours.errors + m.bare.errors);
        per_scenario.sum()
    }
}

/// The median of each figure over the rounds (latencies and throughput separately);
/// requests and errors are summed.
pub fn median(rounds: &[Figures]) -> Figures {
    fn middle<T: Copy + PartialOrd>(mut values: Vec<T>) -> T {
        values.sort_by(|a, b| a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal));
        values[values.len() / 2]
    }
    Figures {
        requests_per_second: middle(rounds.iter().map(|f| f.requests_per_second).collect()),
        p50: middle(rounds.iter().map(|f| f.p50).collect()),
        p99: middle(rounds.iter().map(|f| f.p99).collect()),
        requests: rounds.iter().map(|f| f.requests).sum(),
        errors: rounds.iter().map(|f| f.errors).sum(),
    }
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// The terminal lines of one database, `ratio <scenario> <database> = 0.NN` among them.
pub fn print_run(run: &Run) {
    let db = run.database;
    println!("  {db}");
    println!(
        "    {:<8} {:>10} {:>10} {:>9} {:>9} {:>9} {:>9} {:>7} {:>7}",
        "scenario",
        "ours r/s",
        "bare r/s",
        "ours p50",
        "bare p50",
        "ours p99",
        "bare p99",
        "err o/b",
        "ratio"
    );
    for m in &run.measured {
        println!(
            "    {:<8} {:>10.0} {:>10.0} {:>7.2}ms {:>7.2}ms {:>7.2}ms {:>7.2}ms {:>7} {:>7.2}",
            m.scenario.name(),
            m.ours.requests_per_second,
            m.bare.requests_per_second,
            millis(m.ours.p50),
            millis(m.bare.p50),
            millis(m.ours.p99),
            millis(m.bare.p99),
            format!("{}/{}", m.ours.errors, m.bare.errors),
            m.ratio()
        );
    }
    println!(
        "    RSS after load {:.1} MiB (bare {:.1}), ready after {:.0} ms (bare {:.0}), \
         binary {:.1} MiB (bare {:.1})",
        mib(run.ours.rss_bytes),
        mib(run.bare.rss_bytes),
        millis(run.ours.ready),
        millis(run.bare.ready),
        mib(run.ours.binary_bytes),
        mib(run.bare.binary_bytes)
    );
    println!(
        "    release build {}, incremental (touch {}) {}",
        run.build.describe(),
        super::TOUCHED,
        run.build.incremental()
    );
    for m in &run.measured {
        println!("ratio {} {db} = {:.2}", m.scenario.name(), m.ratio());
    }
}

/// The machine in one line: CPU model and count, memory, kernel, rustc.
pub fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map_or("unknown CPU", |rest| {
            rest.trim_start_matches([' ', '\t', ':'])
        });
    let cpus = std::thread::available_parallelism().map_or(0, usize::from);
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let memory = meminfo
        .lines()
        .find_map(|line| line.strip_prefix("MemTotal:"))
        .and_then(|kib| kib.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0.0, |kib| kib as f64 / (1024.0 * 1024.0));
    let output = |program: &str, arg: &str| {
        Command::new(program)
            .arg(arg)
            .output()
            .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_owned())
            .unwrap_or_default()
    };
    format!(
        "{cpus} × {model}, {memory:.0} GiB, Linux {}, {}, {}",
        output("uname", "-r"),
        output("rustc", "--version"),
        output("wrk", "--version")
            .split(" Copyright")
            .next()
            .unwrap_or("wrk")
    )
}

/// Writes `docs/benchmarks.md`: how it was measured, a table per database, and the JSON.
pub fn write_markdown(path: &Path, machine: &str, options: &Options, runs: &[Run]) -> Result<()> {
    let mut md = String::from(
        "# Benchmarks\n\n\
         Written by `cargo xtask bench` (see `ci/src/bench.rs`); run it again to refresh this \
         page. Each database's default generated service (no message bus), built in release \
         mode, against the bare baseline `ci/bench/bare`: plain axum handlers that issue the \
         same statements on the same database with nothing around them (no validation, \
         middleware, metrics, tracing, or transaction around a write). Both use a pool of 8 \
         connections; the service logs at `warn`. 1,000 orders are seeded through the API \
         first. wrk shares the machine's cores with the servers.\n\n",
    );
    let _ = writeln!(md, "Machine: {machine}.\n");
    let _ = writeln!(
        md,
        "Load: `wrk -t{} -c{} -d{}s --latency --timeout 10s`, {} rounds per scenario, ours and bare \
         interleaved; medians of the rounds. Scenarios: `get` (by id, over the seeded ids), \
         `list` (`?status=draft&page=1&page_size=20`), `update` (`PUT` with `If-Match`), \
         `create` (`POST`). Ratio: ours over bare in requests per second.\n",
        options.threads,
        options.connections,
        options.duration.as_secs(),
        options.rounds
    );
    for run in runs {
        let _ = writeln!(md, "## {}\n", run.database);
        md.push_str(
            "| scenario | req/s | bare req/s | ratio | p50 | bare p50 | p99 | bare p99 | errors (ours/bare) |\n\
             |---|---|---|---|---|---|---|---|---|\n",
        );
        for m in &run.measured {
            let _ = writeln!(
                md,
                "| {} | {:.0} | {:.0} | {:.2} | {:.2} ms | {:.2} ms | {:.2} ms | {:.2} ms | {}/{} |",
                m.scenario.name(),
                m.ours.requests_per_second,
                m.bare.requests_per_second,
                m.ratio(),
                millis(m.ours.p50),
                millis(m.bare.p50),
                millis(m.ours.p99),
                millis(m.bare.p99),
                m.ours.errors,
                m.bare.errors
            );
        }
        let _ = writeln!(
            md,
            "\n| | generated service | bare |\n|---|---|---|\n\
             | RSS after load | {:.1} MiB | {:.1} MiB |\n\
             | start to ready | {:.0} ms | {:.0} ms |\n\
             | release binary | {:.1} MiB | {:.1} MiB |\n\
             | release build | {} | |\n\
             | incremental (touch `{}`) | {} | |\n",
            mib(run.ours.rss_bytes),
            mib(run.bare.rss_bytes),
            millis(run.ours.ready),
            millis(run.bare.ready),
            mib(run.ours.binary_bytes),
            mib(run.bare.binary_bytes),
            run.build.describe(),
            super::TOUCHED,
            run.build.incremental()
        );
    }
    md.push_str("## Figures (JSON)\n\n```json\n");
    md.push_str(&serde_json::to_string_pretty(&json(
        machine, options, runs,
    ))?);
    md.push_str("\n```\n");
    std::fs::write(path, md).with_context(|| format!("cannot write {}", path.display()))
}

fn json(machine: &str, options: &Options, runs: &[Run]) -> serde_json::Value {
    let figures = |f: &Figures| {
        serde_json::json!({
            "requests_per_second": (f.requests_per_second * 10.0).round() / 10.0,
            "p50_ms": (millis(f.p50) * 1000.0).round() / 1000.0,
            "p99_ms": (millis(f.p99) * 1000.0).round() / 1000.0,
            "requests": f.requests,
            "errors": f.errors,
        })
    };
    let side = |s: &Side| {
        serde_json::json!({
            "ready_ms": millis(s.ready).round(),
            "rss_bytes": s.rss_bytes,
            "binary_bytes": s.binary_bytes,
        })
    };
    let runs: Vec<serde_json::Value> = runs
        .iter()
        .map(|run| {
            let scenarios: serde_json::Map<String, serde_json::Value> = run
                .measured
                .iter()
                .map(|m| {
                    let value = serde_json::json!({
                        "ours": figures(&m.ours),
                        "bare": figures(&m.bare),
                        "ratio": (m.ratio() * 100.0).round() / 100.0,
                    });
                    (m.scenario.name().to_owned(), value)
                })
                .collect();
            serde_json::json!({
                "database": run.database,
                "scenarios": scenarios,
                "ours": side(&run.ours),
                "bare": side(&run.bare),
                "build_seconds": {
                    "release": run.build.took.as_secs_f64().round(),
                    "incremental": run.build.incremental
                        .map(|took| (took.as_secs_f64() * 10.0).round() / 10.0),
                },
                "cold_build": run.build.cold,
            })
        })
        .collect();
    serde_json::json!({
        "machine": machine,
        "load": {
            "threads": options.threads,
            "connections": options.connections,
            "seconds": options.duration.as_secs(),
            "rounds": options.rounds,
        },
        "runs": runs,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures(rps: f64, p99_ms: u64, errors: u64) -> Figures {
        Figures {
            requests_per_second: rps,
            p50: Duration::from_millis(1),
            p99: Duration::from_millis(p99_ms),
            requests: 100,
            errors,
        }
    }

    #[test]
    fn medians_take_each_figure_on_its_own_and_sum_the_errors() {
        let rounds = [
            figures(300.0, 9, 0),
            figures(100.0, 3, 1),
            figures(200.0, 5, 2),
        ];
        let median = median(&rounds);
        assert!((median.requests_per_second - 200.0).abs() < f64::EPSILON);
        assert_eq!(median.p99, Duration::from_millis(5));
        assert_eq!((median.requests, median.errors), (300, 3));
    }

    #[test]
    fn the_ratio_is_ours_over_bare() {
        let m = Measured {
            scenario: Scenario::Get,
            ours: figures(850.0, 2, 0),
            bare: figures(1000.0, 2, 0),
        };
        assert!((m.ratio() - 0.85).abs() < 1e-9);
    }
}
