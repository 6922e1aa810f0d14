//! Liquid residue: template syntax that survived generation.
//!
//! cargo-generate aborts on a Liquid syntax error, but text inside `{% raw %}` or in files
//! it does not render reaches the user verbatim; so the generated tree is scanned for the
//! delimiters themselves.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

/// The Liquid delimiters. Any of them in a generated file is a finding.
pub const MARKERS: [&str; 4] = ["{{", "}}", "{%", "%}"];

/// Text that legitimately looks like Liquid in some generated files, e.g. GitHub Actions
/// expressions `${{ … }}` in workflows: spans from `open` to the next `close` on the same
/// line are ignored in files whose path starts with `path`. Configured in `ci/file-set.toml`.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Allow {
    pub path: String,
    pub open: String,
    pub close: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// Relative to the generated project.
    pub path: PathBuf,
    /// 1-based.
    pub line: usize,
    pub marker: &'static str,
    pub text: String,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{}: `{}` in: {}",
            self.path.display(),
            self.line,
            self.marker,
            self.text.trim()
        )
    }
}

/// Scans one file's text; `allow` holds the spans that apply to this file.
pub fn scan_text(text: &str, allow: &[&Allow]) -> Vec<(usize, &'static str, String)> {
    let mut findings = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let cleaned = remove_allowed(line, allow);
        for marker in MARKERS {
            if cleaned.contains(marker) {
                findings.push((index + 1, marker, line.to_owned()));
            }
        }
    }
    findings
}

fn remove_allowed(line: &str, allow: &[&Allow]) -> String {
    let mut line = line.to_owned();
    for span in allow {
        while let Some(start) = line.find(&span.open) {
            let after_open = start + span.open.len();
            let Some(length) = line[after_open..].find(&span.close) else {
                break;
            };
            line.replace_range(start..after_open + length + span.close.len(), " ");
        }
    }
    line
}

/// Scans every text file under `root` (skipping `target/` and `.git/`). Files that are not
/// UTF-8 or contain NUL bytes count as binary and are skipped.
pub fn scan_dir(root: &Path, allow: &[Allow]) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            !(entry.file_type().is_dir()
                && matches!(entry.file_name().to_str(), Some("target" | ".git")))
        });
    for entry in walker {
        let entry = entry.with_context(|| format!("cannot walk {}", root.display()))?;
        if !entry.file_type().is_file() {
            continue;
        }
        let bytes = std::fs::read(entry.path())
            .with_context(|| format!("cannot read {}", entry.path().display()))?;
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        if text.contains('\0') {
            continue;
        }
        let relative = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let relative_str = relative.to_string_lossy().replace('\\', "/");
        let applicable: Vec<&Allow> = allow
            .iter()
            .filter(|span| relative_str.starts_with(&span.path))
            .collect();
        for (line, marker, text) in scan_text(&text, &applicable) {
            findings.push(Finding {
                path: relative.to_path_buf(),
                line,
                marker,
                text,
            });
        }
    }
    Ok(findings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github() -> Allow {
        Allow {
            path: ".github/".into(),
            open: "${{".into(),
            close: "}}".into(),
        }
    }

    #[test]
    fn finds_every_marker_with_line_numbers() {
        let text = "fn main() {}\nlet x = \"{{ project-name }}\";\n{% if a %}\nok\n%}";
        let findings = scan_text(text, &[]);
        let summary: Vec<(usize, &str)> = findings.iter().map(|(l, m, _)| (*l, *m)).collect();
        assert_eq!(
            summary,
            [(2, "{{"), (2, "}}"), (3, "{%"), (3, "%}"), (5, "%}")]
        );
    }

    #[test]
    fn clean_rust_passes() {
        let text = "fn f() -> Result<(), E> {\n    if a { b() } else { c() }\n    Ok(())\n}\n";
        assert!(scan_text(text, &[]).is_empty());
    }

    #[test]
    fn allowed_spans_are_ignored_but_the_rest_of_the_line_is_not() {
        let allow = github();
        let line = "      DATABASE_URL: ${{ secrets.DB }}";
        assert!(scan_text(line, &[&allow]).is_empty());
        let mixed = "run: echo ${{ matrix.os }} {{ crate_name }}";
        let findings = scan_text(mixed, &[&allow]);
        assert_eq!(findings.len(), 2, "{findings:?}");
        // Without the allowance the expression is residue.
        assert_eq!(scan_text(line, &[]).len(), 2);
    }

    #[test]
    fn scan_dir_reports_relative_paths_and_skips_target_and_binaries() {
        let root = std::env::temp_dir().join(format!("xtask-residue-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::create_dir_all(root.join("target/debug")).unwrap();
        std::fs::create_dir_all(root.join(".github/workflows")).unwrap();
        std::fs::write(root.join("src/lib.rs"), "pub fn a() {}\n// {{aggregate}}\n").unwrap();
        std::fs::write(root.join("target/debug/x.rs"), "{{").unwrap();
        std::fs::write(root.join("logo.bin"), b"\0{{\xff").unwrap();
        std::fs::write(
            root.join(".github/workflows/ci.yml"),
            "env:\n  A: ${{ secrets.A }}\n",
        )
        .unwrap();
        let findings = scan_dir(&root, &[github()]).unwrap();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(findings.len(), 2, "{findings:?}");
        assert_eq!(findings[0].path, PathBuf::from("src/lib.rs"));
        assert_eq!(findings[0].line, 2);
        assert_eq!(
            findings[0].to_string(),
            "src/lib.rs:2: `{{` in: // {{aggregate}}"
        );
    }
}
