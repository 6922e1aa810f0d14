//! Where the repository is and where the harness keeps its work.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The template repository's root: the parent of this crate. Taken from the build, not the
/// current directory, so `cargo xtask` behaves the same from any sub-directory.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("ci/ has a parent directory")
        .to_path_buf()
}

/// The harness's work directory: generated combinations, their shared `CARGO_TARGET_DIR`,
/// logs, reports and the SecantusDB virtualenv.
///
/// It is outside the repository on purpose: a project generated under the repository would
/// be copied into the temp dir on every later generation (cargo-generate copies the whole
/// template repository) and would sit under the repository's `.cargo/config.toml`.
/// `$TEMPLATE_CACHE_DIR` overrides it (CI caches can point it at a cached path).
pub fn cache_dir() -> Result<PathBuf> {
    let dir = cache_dir_from(|name| std::env::var_os(name).filter(|value| !value.is_empty()))?;
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("cannot create the cache directory {}", dir.display()))?;
    Ok(dir)
}

fn cache_dir_from(var: impl Fn(&str) -> Option<std::ffi::OsString>) -> Result<PathBuf> {
    if let Some(dir) = var("TEMPLATE_CACHE_DIR") {
        return Ok(absolute(PathBuf::from(dir)));
    }
    let base = match var("XDG_CACHE_HOME") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(var("HOME").context(
            "neither TEMPLATE_CACHE_DIR, XDG_CACHE_HOME nor HOME is set: set TEMPLATE_CACHE_DIR",
        )?)
        .join(".cache"),
    };
    Ok(absolute(base.join("rust-service-template")))
}

/// Child processes run in other directories, so every path handed to them is absolute.
pub fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::ffi::OsString;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<OsString> {
        let map: HashMap<String, OsString> = pairs
            .iter()
            .map(|(key, value)| ((*key).to_owned(), OsString::from(value)))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn cache_dir_precedence() {
        let all = env(&[
            ("TEMPLATE_CACHE_DIR", "/c"),
            ("XDG_CACHE_HOME", "/x"),
            ("HOME", "/h"),
        ]);
        assert_eq!(cache_dir_from(all).unwrap(), PathBuf::from("/c"));
        let xdg = env(&[("XDG_CACHE_HOME", "/x"), ("HOME", "/h")]);
        assert_eq!(
            cache_dir_from(xdg).unwrap(),
            PathBuf::from("/x/rust-service-template")
        );
        let home = env(&[("HOME", "/h")]);
        assert_eq!(
            cache_dir_from(home).unwrap(),
            PathBuf::from("/h/.cache/rust-service-template")
        );
        assert!(cache_dir_from(env(&[])).is_err());
    }
}
