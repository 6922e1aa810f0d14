//! `cargo xtask matrix`: every option combination generated, checked, linted and tested.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

use crate::actionlint::Actionlint;
use crate::combos::{self, Combination, Filter, TemplateConfig};
use crate::file_set::FileSet;
use crate::paths;
use crate::report::{CombinationReport, MatrixReport, STEPS, Status, StepReport};
use crate::residue;
use crate::services::{self, Endpoints};

/// Lines of a failing step's log printed on the terminal.
const LOG_TAIL_LINES: usize = 60;

#[derive(Debug, Default)]
pub struct Options {
    /// `--only` values (see [`Filter`]).
    pub filters: Vec<String>,
    /// Run a combination's remaining steps after a failing check or lint step.
    pub keep_going: bool,
    /// `--list`: print the selected combinations instead of running them.
    pub list: Option<Listing>,
}

/// How `--list` prints the combinations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// One line each: name and options.
    Text,
    /// A GitHub Actions job matrix.
    Json,
}

/// Everything a combination's steps need.
struct Run<'a> {
    file_set: &'a FileSet,
    actionlint: &'a Actionlint,
    endpoints: &'a Endpoints,
    cache: &'a Path,
    keep_going: bool,
}

/// Runs the selected combinations; `Ok(false)` when any of them failed.
pub fn run(repo: &Path, options: &Options) -> Result<bool> {
    let started = Instant::now();
    let config = TemplateConfig::load(repo)?;
    let file_set = FileSet::load(repo, &config)?;
    let filter = Filter::parse(&config, &options.filters)?;
    let all = combos::expand(&config)?;
    let selected: Vec<Combination> = all.iter().filter(|c| filter.matches(c)).cloned().collect();
    if selected.is_empty() {
        bail!(
            "--only {} selects no combination; the combinations are:\n  {}",
            options.filters.join(" --only "),
            all.iter()
                .map(|c| format!("{}  ({})", c.name, c.spec()))
                .collect::<Vec<_>>()
                .join("\n  ")
        );
    }

    if let Some(listing) = options.list {
        println!("{}", list(&selected, listing));
        return Ok(true);
    }

    let cache = paths::cache_dir()?;
    let needed: BTreeSet<services::Service> =
        selected.iter().flat_map(services::needed_by).collect();
    let needed: Vec<services::Service> = needed.into_iter().collect();
    let mut endpoints = services::ensure(&needed, &cache);
    for line in endpoints.masked_env_lines() {
        println!("{line}");
    }
    println!(
        "matrix: {} of {} combinations, work dir {}",
        selected.len(),
        all.len(),
        cache.display()
    );
    // The template repository's own workflows, then each generated one in its
    // `manifests` step.
    let actionlint = Actionlint::install(&cache)?;
    let own_workflows = lint_own_workflows(repo, &actionlint, &cache)?;

    let run = Run {
        file_set: &file_set,
        actionlint: &actionlint,
        endpoints: &endpoints,
        cache: &cache,
        keep_going: options.keep_going,
    };
    let mut reports = Vec::new();
    for (index, combination) in selected.iter().enumerate() {
        println!(
            "\n[{}/{}] {} ({})",
            index + 1,
            selected.len(),
            combination.name,
            combination.spec()
        );
        reports.push(run_combination(&run, combination));
    }

    endpoints.stop_started();
    let report = MatrixReport::new(reports, started.elapsed().as_secs_f64());
    println!("\n{}", report.text_table());
    // The summary line comes last whatever happens to the report files.
    let written = match report.write(&cache) {
        Ok((markdown, json)) => {
            println!("report: {}\nreport: {}", markdown.display(), json.display());
            true
        }
        Err(error) => {
            eprintln!("error: {error:#}");
            false
        }
    };
    println!("{}", report.summary_line());
    Ok(written && report.failed == 0 && own_workflows)
}

/// actionlint on `.github/workflows/*.yml` of the repository; prints the outcome.
fn lint_own_workflows(repo: &Path, actionlint: &Actionlint, cache: &Path) -> Result<bool> {
    let dir = repo.join(".github").join("workflows");
    let mut workflows: Vec<_> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot list {}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    workflows.sort();
    let log = cache.join("logs").join("actionlint-template.log");
    prepare_log(&log)?;
    let clean = actionlint.check(&workflows, &log)?;
    let verdict = if clean { "ok" } else { "FAIL" };
    println!(
        "actionlint on the template's workflows: {verdict} (log: {})",
        log.display()
    );
    if !clean {
        print_tail(&log);
    }
    Ok(clean)
}

/// The combinations as `--list` prints them. In JSON each has the `--only` filter that
/// selects it alone (every option's value, the project's name included) and the servers
/// it needs, for a CI job per combination.
fn list(combinations: &[Combination], listing: Listing) -> String {
    match listing {
        Listing::Text => {
            let lines = combinations
                .iter()
                .map(|c| format!("{}  ({})", c.name, c.spec()));
            lines.collect::<Vec<_>>().join("\n")
        }
        Listing::Json => {
            let include: Vec<serde_json::Value> = combinations
                .iter()
                .map(|c| {
                    let mut terms: Vec<String> = c
                        .values
                        .iter()
                        .map(|(key, value)| format!("{key}={value}"))
                        .collect();
                    terms.push(c.name.clone());
                    let services: Vec<&str> = services::needed_by(c)
                        .into_iter()
                        .map(services::Service::name)
                        .collect();
                    serde_json::json!({
                        "name": c.name,
                        "only": terms.join(","),
                        "services": services,
                    })
                })
                .collect();
            serde_json::json!({ "include": include }).to_string()
        }
    }
}

fn run_combination(run: &Run<'_>, combination: &Combination) -> CombinationReport {
    let started = Instant::now();
    let unavailable = run.endpoints.unavailable_for(combination);
    let run_dir = run.cache.join("runs").join(&combination.name);
    let log_dir = run.cache.join("logs").join(&combination.name);
    let project_dir = run_dir.join(&combination.project);
    // Logs of an earlier run must not be mistaken for this one's.
    let _ = remove_dir(&log_dir);
    let mut steps = Vec::new();
    let mut stopped = unavailable.is_some();
    if let Some(reason) = &unavailable {
        println!("  not run: {reason}");
    }

    for (number, step) in STEPS.into_iter().enumerate() {
        if stopped {
            steps.push(StepReport {
                step,
                status: Status::Skipped,
                seconds: 0.0,
                log: None,
            });
            continue;
        }
        let log = log_dir.join(format!("{}-{step}.log", number + 1));
        print!("  {step:<9}");
        let _ = std::io::stdout().flush();
        let step_started = Instant::now();
        let outcome = prepare_log(&log).and_then(|()| match step {
            "generate" => generate(combination, &run_dir, &log),
            "residue" => check_residue(run, &project_dir, &log),
            "file-set" => check_file_set(run, combination, &project_dir, &log),
            "manifests" => crate::manifests::check(&project_dir, &log).and_then(|deploy| {
                let workflow = project_dir.join(".github/workflows/ci.yml");
                Ok(run.actionlint.check(&[workflow], &log)? && deploy)
            }),
            "layers" => {
                crate::layers::check(&project_dir, combination, &run.cache.join("target"), &log)
            }
            "fmt" => cargo(
                run,
                combination,
                &project_dir,
                &log,
                &["fmt", "--check", "--", "--color", "never"],
            ),
            "grow" => grow(run, &project_dir, &log),
            "clippy" => cargo(
                run,
                combination,
                &project_dir,
                &log,
                &["clippy", "--all-targets", "--", "-D", "warnings"],
            ),
            // Broken intra-doc links and other rustdoc warnings fail the step.
            "doc" => cargo_with_env(
                run,
                combination,
                &project_dir,
                &log,
                &["doc", "--no-deps"],
                &[("RUSTDOCFLAGS", "-D warnings")],
            ),
            "test" => cargo(run, combination, &project_dir, &log, &["test"]),
            "fuzz" => crate::fuzz::run(
                &project_dir,
                &combination.project,
                combination,
                run.endpoints,
                run.cache,
                &log,
            ),
            other => unreachable!("step `{other}` has no implementation"),
        });
        let seconds = step_started.elapsed().as_secs_f64();
        let passed = match outcome {
            Ok(passed) => passed,
            Err(error) => {
                append(&log, &format!("\nharness error: {error:#}\n"));
                false
            }
        };
        println!(" {:<5}{seconds:>7.1}s", if passed { "ok" } else { "FAIL" });
        if !passed {
            print_tail(&log);
            // Nothing to check without a generated project.
            stopped = step == "generate" || !run.keep_going;
        }
        steps.push(StepReport {
            step,
            status: if passed {
                Status::Passed
            } else {
                Status::Failed
            },
            seconds,
            log: Some(log),
        });
    }

    CombinationReport {
        name: combination.name.clone(),
        options: combination
            .values
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .chain([format!("project {}", combination.project)])
            .collect(),
        project_dir,
        passed: unavailable.is_none() && steps.iter().all(|step| step.status == Status::Passed),
        steps,
        error: unavailable,
        seconds: started.elapsed().as_secs_f64(),
    }
}

fn prepare_log(log: &Path) -> Result<()> {
    let dir = log.parent().context("log path has no parent")?;
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    File::create(log).with_context(|| format!("cannot create {}", log.display()))?;
    Ok(())
}

pub fn append(log: &Path, text: &str) {
    if let Ok(mut file) = OpenOptions::new().append(true).create(true).open(log) {
        let _ = file.write_all(text.as_bytes());
    }
}

fn print_tail(log: &Path) {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(LOG_TAIL_LINES);
    println!(
        "    --- {} (last {} lines) ---",
        log.display(),
        lines.len() - start
    );
    for line in &lines[start..] {
        println!("    | {line}");
    }
    println!("    ---");
}

/// Generates into a fresh directory through `cargo xtask new` in a child process, so that
/// cargo-generate's output lands in the step's log and a panic cannot end the matrix.
fn generate(combination: &Combination, run_dir: &Path, log: &Path) -> Result<bool> {
    // Fresh each run: stale files would hide a file-set or residue problem.
    remove_dir(run_dir)?;
    let exe = std::env::current_exe().context("cannot locate the xtask binary")?;
    let mut command = Command::new(exe);
    // `--no-fmt`: the template's sources must be rustfmt-clean as written, so that
    // `cargo fmt --check` below catches an unformatted template file instead of
    // cargo-generate's formatting hiding it.
    command
        .args(["new", combination.project.as_str(), "--no-fmt", "--dest"])
        .arg(run_dir);
    for (key, value) in &combination.values {
        command.arg("-d").arg(format!("{key}={value}"));
    }
    run_logged(command, log)
}

/// The aggregate `grow` adds, two words so that every case conversion shows.
pub const SECOND_AGGREGATE: &str = "line_item";

/// Adds [`SECOND_AGGREGATE`] with `cargo xtask add-aggregate` in a child process (its
/// output in the step's log); the change must be additions only and leave no Liquid
/// residue. The steps after it then lint and test both aggregates.
fn grow(run: &Run<'_>, project: &Path, log: &Path) -> Result<bool> {
    let exe = std::env::current_exe().context("cannot locate the xtask binary")?;
    let mut command = Command::new(exe);
    command
        .args(["add-aggregate", SECOND_AGGREGATE, "--into"])
        .arg(project);
    if !run_logged(command, log)? {
        return Ok(false);
    }
    let output = std::fs::read_to_string(log).unwrap_or_default();
    if output.contains("warning:") {
        append(log, "\nthe change is not additions only\n");
        return Ok(false);
    }
    check_residue(run, project, log)
}

fn remove_dir(dir: &Path) -> Result<()> {
    match std::fs::remove_dir_all(dir) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(error) => Err(error).with_context(|| format!("cannot remove {}", dir.display())),
    }
}

fn check_residue(run: &Run<'_>, project: &Path, log: &Path) -> Result<bool> {
    let findings = residue::scan_dir(project, &run.file_set.residue_allow)?;
    let mut text = format!("Liquid residue scan of {}\n", project.display());
    for finding in &findings {
        let _ = std::fmt::Write::write_fmt(&mut text, format_args!("{finding}\n"));
    }
    text.push_str(&format!("{} finding(s)\n", findings.len()));
    append(log, &text);
    Ok(findings.is_empty())
}

fn check_file_set(
    run: &Run<'_>,
    combination: &Combination,
    project: &Path,
    log: &Path,
) -> Result<bool> {
    let violations = run
        .file_set
        .check(project, combination, &combination.project);
    let mut text = format!(
        "File set of {} against {}\n",
        project.display(),
        crate::file_set::RULES_FILE
    );
    for violation in &violations {
        text.push_str(&format!("{violation}\n"));
    }
    text.push_str(&format!("{} violation(s)\n", violations.len()));
    append(log, &text);
    Ok(violations.is_empty())
}

/// Runs cargo in the generated project with the shared target dir and the combination's
/// server URLs.
fn cargo(
    run: &Run<'_>,
    combination: &Combination,
    project: &Path,
    log: &Path,
    args: &[&str],
) -> Result<bool> {
    cargo_with_env(run, combination, project, log, args, &[])
}

/// [`cargo`] with more environment variables.
fn cargo_with_env(
    run: &Run<'_>,
    combination: &Combination,
    project: &Path,
    log: &Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<bool> {
    let mut command = cargo_command(project, &run.cache.join("target"));
    command.args(args).envs(env.iter().copied());
    for var in services::TEST_ENV_VARS {
        command.env_remove(var);
    }
    for (var, url) in services::test_env(combination, run.endpoints)? {
        command.env(var, url);
    }
    run_logged(command, log)
}

/// Cargo in a generated project, building into the shared `target` directory.
pub fn cargo_command(project: &Path, target: &Path) -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(project)
        // One target dir for all combinations: dependencies compile once per feature set.
        .env("CARGO_TARGET_DIR", target)
        // Each combination's own crates are built once, from scratch: incremental state
        // would be written and never read again (it was a third of a 60 GiB target dir).
        .env("CARGO_INCREMENTAL", "0")
        // Line tables keep panics' and backtraces' file:line; full debug info made every
        // test binary's link slower and the target dir larger, for nothing CI reads.
        .env("CARGO_PROFILE_DEV_DEBUG", "line-tables-only")
        .env("CARGO_TERM_COLOR", "never");
    command
}

/// Runs `command` with stdout and stderr appended to `log`, preceded by the command line.
pub fn run_logged(mut command: Command, log: &Path) -> Result<bool> {
    let mut file = OpenOptions::new()
        .append(true)
        .create(true)
        .open(log)
        .with_context(|| format!("cannot open {}", log.display()))?;
    let mut line = String::from("$");
    if let Some(dir) = command.get_current_dir() {
        line.push_str(&format!(" cd {} &&", dir.display()));
    }
    for (key, value) in command.get_envs() {
        if let Some(value) = value {
            // Test URLs may carry a password; the log gets it masked.
            line.push_str(&format!(
                " {}={}",
                key.to_string_lossy(),
                services::mask_password(&value.to_string_lossy())
            ));
        }
    }
    line.push_str(&format!(" {}", command.get_program().to_string_lossy()));
    for arg in command.get_args() {
        line.push_str(&format!(" {}", arg.to_string_lossy()));
    }
    writeln!(file, "{line}")?;
    // Its own process group, so that a timeout also ends what it started
    // (cargo test runs the test binaries as its children).
    let mut child = command
        .stdin(Stdio::null())
        .stdout(file.try_clone()?)
        .stderr(file.try_clone()?)
        .process_group(0)
        .spawn()
        .with_context(|| format!("cannot run {:?}", command.get_program()))?;
    let limit = step_timeout();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            // A hung test (a lock wait, a deadlock) must fail its step, not
            // eat the whole CI budget.
            let group = format!("-{}", child.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = child.wait();
            writeln!(file, "\n[timed out after {limit:?}; killed]")?;
            return Ok(false);
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    writeln!(file, "\n[{status}]")?;
    Ok(status.success())
}

/// How long one step may run: `MATRIX_STEP_TIMEOUT_SECS`, default 20 minutes
/// (a cold build of the heaviest combination takes about 6 on two cores).
fn step_timeout() -> Duration {
    let secs = std::env::var("MATRIX_STEP_TIMEOUT_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20 * 60);
    Duration::from_secs(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_listed_filter_selects_exactly_its_combination() {
        let config = TemplateConfig::load(&paths::repo_root()).unwrap();
        let all = combos::expand(&config).unwrap();
        let listed: serde_json::Value = serde_json::from_str(&list(&all, Listing::Json)).unwrap();
        let include = listed["include"].as_array().unwrap();
        assert_eq!(include.len(), all.len());
        for entry in include {
            let only = entry["only"].as_str().unwrap().to_owned();
            let filter = Filter::parse(&config, &[only]).unwrap();
            let selected: Vec<&str> = all
                .iter()
                .filter(|c| filter.matches(c))
                .map(|c| c.name.as_str())
                .collect();
            assert_eq!(selected, [entry["name"].as_str().unwrap()], "{entry}");
        }
        let postgres = include
            .iter()
            .find(|e| e["name"] == "postgres-rabbitmq-migrations");
        let services = &postgres.expect("a postgres and rabbitmq combination")["services"];
        assert_eq!(*services, serde_json::json!(["postgres", "rabbitmq"]));
    }
}
