//! Generating a service through the cargo-generate library, exactly as a user's
//! `cargo generate --path <repo>` would, minus the prompts.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use cargo_generate::{GenerateArgs, TemplatePath, Vcs};

use crate::combos::TemplateConfig;
use crate::paths;

/// What `cargo xtask new` (and the matrix, through it) asks for.
#[derive(Debug, Clone)]
pub struct Request {
    pub name: String,
    /// The parent directory: the project lands in `destination/<name>`.
    pub destination: PathBuf,
    /// `key=value` template values; options not given take their defaults.
    pub defines: Vec<(String, String)>,
    /// Whether cargo-generate runs rustfmt on the generated files (its default). The matrix
    /// turns it off so that unformatted template sources fail `cargo fmt --check`.
    pub format: bool,
}

/// Validates the request against `cargo-generate.toml`, then generates from `repo`.
pub fn generate_from_repo(repo: &Path, request: &Request) -> Result<PathBuf> {
    let config = TemplateConfig::load(repo)?;
    for (key, value) in &request.defines {
        config.check(key, value)?;
    }
    if request.name.trim().is_empty() {
        bail!("the project name is empty");
    }
    let destination = paths::absolute(request.destination.clone());
    let target = destination.join(&request.name);
    if target.exists() {
        bail!(
            "{} already exists; remove it or choose another name or --dest",
            target.display()
        );
    }
    // cargo-generate creates only the last path component.
    let destination_existed = destination.exists();
    std::fs::create_dir_all(&destination)
        .with_context(|| format!("cannot create {}", destination.display()))?;
    let before = entries(&destination);

    let args = generate_args(repo, &config, request, destination.clone());
    cargo_generate::generate(args).map_err(|error| {
        let created = target.exists();
        remove_leftovers(&destination, &before, destination_existed);
        let mut context = format!(
            "cargo-generate failed for `{}` with {}",
            request.name,
            describe_defines(&request.defines)
        );
        // The hook's refusal tells CLI users to remove the directory; here it is done.
        if created && !target.exists() {
            context.push_str(&format!(
                " (`cargo xtask new` has removed {} again: nothing to clean up)",
                target.display()
            ));
        }
        error.context(context)
    })
}

fn entries(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .collect()
}

/// cargo-generate creates the project directory before running the hooks and rendering,
/// and leaves it behind when either fails; a failed generation should change nothing.
fn remove_leftovers(destination: &Path, before: &[PathBuf], destination_existed: bool) {
    for path in entries(destination) {
        if !before.contains(&path) {
            let _ = std::fs::remove_dir_all(&path);
        }
    }
    if !destination_existed {
        // Only succeeds when empty.
        let _ = std::fs::remove_dir(destination);
    }
}

fn describe_defines(defines: &[(String, String)]) -> String {
    if defines.is_empty() {
        return "the default options".to_owned();
    }
    defines
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The library equivalent of
/// `cargo generate --path <repo> <sub-template> --name <name> --destination <dir> --silent
///  --vcs none --no-workspace --overwrite [--no-fmt] -d key=value…`.
fn generate_args(
    repo: &Path,
    config: &TemplateConfig,
    request: &Request,
    destination: PathBuf,
) -> GenerateArgs {
    GenerateArgs {
        template_path: TemplatePath {
            path: Some(repo.display().to_string()),
            // With `path` set, cargo-generate reads the sub-folder from `auto_path` (see
            // `TemplatePath::subfolder`). Naming it explicitly means no prompt even without
            // `silent`; the config in the repository root still applies (it is looked up
            // from the sub-template upwards).
            auto_path: config.sub_template.clone(),
            ..TemplatePath::default()
        },
        name: Some(request.name.clone()),
        destination: Some(destination),
        define: request
            .defines
            .iter()
            .map(|(key, value)| format!("{key}={value}"))
            .collect(),
        // Options not defined take their defaults instead of prompting.
        silent: true,
        vcs: Some(Vcs::None),
        // `GenerateArgs::default()` says lib; the `cargo generate` CLI says bin.
        lib: false,
        bin: true,
        no_workspace: true,
        no_fmt: !request.format,
        overwrite: true,
        ..GenerateArgs::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_value_is_rejected_before_cargo_generate_runs() {
        let request = Request {
            name: "demo".into(),
            destination: std::env::temp_dir().join("xtask-never-created"),
            defines: vec![("database".into(), "oracle".into())],
            format: true,
        };
        let error = generate_from_repo(&paths::repo_root(), &request)
            .unwrap_err()
            .to_string();
        assert!(error.contains("`database=oracle` is not allowed; allowed values: sqlite"));
        assert!(!request.destination.exists());
    }

    #[test]
    fn args_match_the_cli_without_prompts() {
        let config = TemplateConfig::parse("[template]\nsub_templates = [\"template\"]\n").unwrap();
        let request = Request {
            name: "demo".into(),
            destination: "/tmp/out".into(),
            defines: vec![("database".into(), "postgres".into())],
            format: false,
        };
        let args = generate_args(Path::new("/repo"), &config, &request, "/tmp/out".into());
        assert_eq!(
            args.template_path.subfolder().map(AsRef::as_ref),
            Some("template")
        );
        assert_eq!(args.define, ["database=postgres"]);
        assert!(args.silent && args.no_workspace && args.no_fmt && args.bin && !args.lib);
        assert_eq!(args.vcs, Some(Vcs::None));
    }
}
