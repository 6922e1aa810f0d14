//! The matrix result: a table on the terminal, Markdown and JSON files in the cache dir;
//! and the closing line of the commands that run a list of cases.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::{Context, Result};
use serde::Serialize;

/// The steps of one combination, in order.
pub const STEPS: [&str; 11] = [
    "generate",
    "residue",
    "file-set",
    "manifests",
    "layers",
    "fmt",
    "grow",
    "clippy",
    "doc",
    "test",
    "fuzz",
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Passed,
    Failed,
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct StepReport {
    pub step: &'static str,
    pub status: Status,
    pub seconds: f64,
    pub log: Option<PathBuf>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CombinationReport {
    pub name: String,
    /// `key=value` pairs in placeholder order.
    pub options: Vec<String>,
    pub project_dir: PathBuf,
    pub steps: Vec<StepReport>,
    pub passed: bool,
    pub seconds: f64,
    /// Why the combination did not run at all (a server it needs is unreachable).
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MatrixReport {
    pub passed: usize,
    pub failed: usize,
    pub seconds: f64,
    pub combinations: Vec<CombinationReport>,
}

impl MatrixReport {
    pub fn new(combinations: Vec<CombinationReport>, seconds: f64) -> Self {
        let passed = combinations.iter().filter(|c| c.passed).count();
        Self {
            passed,
            failed: combinations.len() - passed,
            seconds,
            combinations,
        }
    }

    /// The line `.ci/run`'s readers look for: `N passed, N failed`.
    pub fn summary_line(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed)
    }

    fn rows(&self) -> (Vec<String>, Vec<Vec<String>>) {
        let mut header = vec!["combination".to_owned()];
        header.extend(STEPS.iter().map(|step| (*step).to_owned()));
        header.extend(["total".to_owned(), "result".to_owned()]);
        let rows = self
            .combinations
            .iter()
            .map(|combination| {
                let mut row = vec![combination.name.clone()];
                for step in STEPS {
                    row.push(
                        combination
                            .steps
                            .iter()
                            .find(|report| report.step == step)
                            .map_or_else(|| "-".to_owned(), cell),
                    );
                }
                row.push(format!("{:.1}s", combination.seconds));
                row.push(if combination.passed { "PASS" } else { "FAIL" }.to_owned());
                row
            })
            .collect();
        (header, rows)
    }

    /// A fixed-width table for the terminal.
    pub fn text_table(&self) -> String {
        let (header, rows) = self.rows();
        let mut widths: Vec<usize> = header.iter().map(String::len).collect();
        for row in &rows {
            for (width, value) in widths.iter_mut().zip(row) {
                *width = (*width).max(value.len());
            }
        }
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&rows) {
            let line: Vec<String> = row
                .iter()
                .zip(&widths)
                .map(|(value, width)| format!("{value:<width$}"))
                .collect();
            let _ = writeln!(out, "{}", line.join("  ").trim_end());
        }
        let _ = writeln!(out, "total {:.1}s; {}", self.seconds, self.summary_line());
        out
    }

    pub fn markdown(&self) -> String {
        let (header, rows) = self.rows();
        let mut out = String::from("# Template matrix report\n\n");
        let _ = writeln!(out, "| {} |", header.join(" | "));
        let _ = writeln!(out, "|{}", "---|".repeat(header.len()));
        for row in rows {
            let _ = writeln!(out, "| {} |", row.join(" | "));
        }
        let _ = writeln!(
            out,
            "\n**{}** in {:.1}s.\n\n## Combinations\n",
            self.summary_line(),
            self.seconds
        );
        for combination in &self.combinations {
            let _ = writeln!(
                out,
                "- `{}`: {}",
                combination.name,
                combination.options.join(", ")
            );
            if let Some(error) = &combination.error {
                let _ = writeln!(out, "  - not run: {error}");
            }
        }
        out
    }

    /// Writes `matrix-report.md` and `matrix-report.json` into `dir`.
    pub fn write(&self, dir: &Path) -> Result<(PathBuf, PathBuf)> {
        let markdown = dir.join("matrix-report.md");
        std::fs::write(&markdown, self.markdown())
            .with_context(|| format!("cannot write {}", markdown.display()))?;
        let json = dir.join("matrix-report.json");
        let text = serde_json::to_string_pretty(self).context("cannot serialize the report")?;
        std::fs::write(&json, text + "\n")
            .with_context(|| format!("cannot write {}", json.display()))?;
        Ok((markdown, json))
    }
}

fn cell(step: &StepReport) -> String {
    match step.status {
        Status::Passed => format!("ok {:.1}s", step.seconds),
        Status::Failed => format!("FAIL {:.1}s", step.seconds),
        Status::Skipped => "skip".to_owned(),
    }
}

/// The last line of a command that runs cases (`names`, `crash`): how many failed, how long
/// it took and which. `Ok(true)` when none failed.
pub fn summary(command: &str, failed: &[&str], started: Instant) -> bool {
    let which = if failed.is_empty() {
        String::new()
    } else {
        format!(" ({})", failed.join(", "))
    };
    println!(
        "{command}: {} failed in {:.1}s{which}",
        failed.len(),
        started.elapsed().as_secs_f64()
    );
    failed.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn step(step: &'static str, status: Status, seconds: f64) -> StepReport {
        StepReport {
            step,
            status,
            seconds,
            log: None,
        }
    }

    fn report() -> MatrixReport {
        MatrixReport::new(
            vec![
                CombinationReport {
                    name: "sqlite-migrations".into(),
                    options: vec!["database=sqlite".into(), "migrations=true".into()],
                    project_dir: "/c/runs/sqlite-migrations/acme-shop".into(),
                    steps: STEPS.iter().map(|s| step(s, Status::Passed, 1.0)).collect(),
                    passed: true,
                    seconds: 6.0,
                    error: None,
                },
                CombinationReport {
                    name: "postgres-migrations".into(),
                    options: vec!["database=postgres".into(), "migrations=true".into()],
                    project_dir: "/c/runs/postgres-migrations/acme-shop".into(),
                    steps: vec![
                        step("generate", Status::Passed, 2.0),
                        step("residue", Status::Failed, 0.1),
                        step("file-set", Status::Skipped, 0.0),
                    ],
                    passed: false,
                    seconds: 2.1,
                    error: None,
                },
            ],
            8.1,
        )
    }

    #[test]
    fn summary_counts_combinations() {
        assert_eq!(report().summary_line(), "1 passed, 1 failed");
    }

    #[test]
    fn tables_show_every_step() {
        let text = report().text_table();
        assert!(text.contains("combination"), "{text}");
        assert!(text.contains("FAIL 0.1s"), "{text}");
        assert!(
            text.lines()
                .any(|l| l.starts_with("postgres-migrations") && l.ends_with("FAIL")),
            "{text}"
        );
        let markdown = report().markdown();
        let passed = format!(
            "| sqlite-migrations |{} 6.0s | PASS |",
            " ok 1.0s |".repeat(STEPS.len())
        );
        assert!(markdown.contains(&passed), "{markdown}");
        let not_run = " - |".repeat(STEPS.len() - 3);
        let failed =
            format!("| postgres-migrations | ok 2.0s | FAIL 0.1s | skip |{not_run} 2.1s | FAIL |");
        assert!(markdown.contains(&failed), "{markdown}");
    }

    #[test]
    fn json_has_statuses() {
        let json = serde_json::to_value(report()).unwrap();
        assert_eq!(json["passed"], 1);
        assert_eq!(json["combinations"][1]["steps"][1]["status"], "failed");
    }
}
