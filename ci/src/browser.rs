//! `/docs` in a real browser, for the `fuzz` step: headless Chromium (Debian's `chromium`,
//! installed on first use) loads Swagger UI from the running service with every other
//! host unresolvable, so the page works offline or not at all, and the rendered page must
//! show every operation of the service's `/openapi.json`.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail, ensure};
use serde_json::Value;

use crate::services;

/// How long Chromium's scripts may run (virtual time: the page's timers, not the wall).
const SCRIPT_BUDGET_MS: &str = "20000";
/// A browser that has not printed the page by then is stuck.
const WALL_TIMEOUT: Duration = Duration::from_secs(120);

/// Loads `/docs/` from the service on `port` and checks that each operation of its OpenAPI
/// document is on the rendered page; what it found goes to `log`.
pub fn docs_render(port: u16, log: &Path) -> Result<()> {
    // `CHROMIUM` names another Chromium-based browser (GitHub's runners have
    // `google-chrome`, and Ubuntu's `chromium` package is a snap).
    let browser = match std::env::var("CHROMIUM") {
        Ok(browser) if !browser.is_empty() => browser,
        _ => {
            services::ensure_program("chromium", "chromium")?;
            "chromium".to_owned()
        }
    };
    let (status, body) = crate::fuzz::http_get(port, "/openapi.json")?;
    ensure!(status == 200, "/openapi.json answered {status}");
    let document: Value = serde_json::from_str(&body).context("/openapi.json is not JSON")?;
    let operations = operations(&document);
    let dom = render(&browser, &format!("http://127.0.0.1:{port}/docs/"))?;
    let rendered = dom.matches("opblock-summary-method").count();
    let mut missing = Vec::new();
    for (method, path) in &operations {
        if !dom.contains(&format!("data-path=\"{path}\"")) {
            missing.push(format!("{method} {path}"));
        }
    }
    let summary = format!(
        "/docs in headless Chromium (other hosts unresolvable): {rendered} operations rendered, \
         {} in /openapi.json, {} missing\n",
        operations.len(),
        missing.len()
    );
    crate::matrix::append(log, &summary);
    ensure!(
        missing.is_empty() && rendered == operations.len(),
        "/docs does not render every operation; missing: {}",
        missing.join(", ")
    );
    Ok(())
}

/// `(METHOD, path)` of every operation in an OpenAPI document.
fn operations(document: &Value) -> Vec<(String, String)> {
    let methods = ["get", "put", "post", "delete", "patch"];
    let paths = document["paths"].as_object().into_iter().flatten();
    paths
        .flat_map(|(path, item)| {
            let present = methods.into_iter().filter(|m| item.get(*m).is_some());
            present.map(|m| (m.to_uppercase(), path.clone()))
        })
        .collect()
}

/// The DOM of `url` after its scripts ran, as headless Chromium prints it.
fn render(browser: &str, url: &str) -> Result<String> {
    let profile = std::env::temp_dir().join(format!("xtask-chromium-{}", std::process::id()));
    let mut child = Command::new(browser)
        .args([
            "--headless",
            // The harness may run as root, where Chromium's sandbox cannot start.
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            &format!("--virtual-time-budget={SCRIPT_BUDGET_MS}"),
            &format!("--user-data-dir={}", profile.display()),
            "--dump-dom",
            url,
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("cannot start {browser}"))?;
    // Read while it writes: a page larger than the pipe's buffer would block it.
    let mut stdout = child.stdout.take().context("chromium's stdout")?;
    let reader = std::thread::spawn(move || {
        let mut dom = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut dom).map(|_| dom)
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > WALL_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            let _ = std::fs::remove_dir_all(&profile);
            bail!("chromium did not print {url} within {WALL_TIMEOUT:?}");
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let _ = std::fs::remove_dir_all(&profile);
    ensure!(status.success(), "chromium failed on {url}: {status}");
    let dom = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the reader panicked"))?;
    Ok(dom?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operations_are_method_and_path_pairs() {
        let document = serde_json::json!({ "paths": {
            "/things": { "get": {}, "post": {}, "parameters": [] },
            "/things/{id}": { "delete": {} },
        }});
        let mut found = operations(&document);
        found.sort();
        let expected = [
            ("DELETE", "/things/{id}"),
            ("GET", "/things"),
            ("POST", "/things"),
        ];
        let expected: Vec<_> = expected.map(|(m, p)| (m.to_owned(), p.to_owned())).into();
        assert_eq!(found, expected);
    }
}
