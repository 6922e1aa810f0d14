//! `cargo xtask`: the template repository's own harness.
//!
//! Run from anywhere in the repository (the alias lives in `.cargo/config.toml`):
//! `cargo xtask new <name>`, `cargo xtask services`, `cargo xtask matrix`.
//! Argument parsing is hand-written to keep the harness's dependency graph (and so its
//! first build in CI) small.

mod combos;
mod file_set;
mod generate;
mod matrix;
mod paths;
mod report;
mod residue;
mod services;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};

const USAGE: &str = "\
usage: cargo xtask <command> [options]

commands:
  new <name> [-d key=value]... [--dest DIR] [--no-fmt]
        Generate one service from this repository's template into DIR/<name>
        (default DIR: <repo>/generated, ignored by git). Options not given take the
        template's defaults. --no-fmt skips cargo-generate's rustfmt pass.
  services
        Make PostgreSQL, MariaDB, RabbitMQ and a MongoDB-compatible server reachable
        (start what is installed, install what is missing) and print their URLs as
        KEY=value lines (TEST_POSTGRES_URL, TEST_MYSQL_URL, TEST_AMQP_URL, TEST_MONGODB_URL;
        set one of these to use your own server instead).
  matrix [--only FILTER]... [--keep-going]
        Generate, check, lint and test every option combination. FILTER is a comma-separated
        list of terms that must all match: `key=value` (an option's value, e.g.
        database=postgres) or a substring of the combination name (e.g. postgres-migrations).
        Several --only flags select the union. --keep-going runs a combination's remaining
        steps after a failing one (generation failures always stop the combination).
        Work directory: $TEMPLATE_CACHE_DIR, default ${XDG_CACHE_HOME:-$HOME/.cache}/rust-service-template.
  help
        Show this text.";

fn main() -> ExitCode {
    ensure_user_is_set();
    match run(std::env::args().skip(1).collect()) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// cargo-generate derives `authors` from `$USER` and fails with "could not determine the
/// current user" when it is unset, which is common in CI containers.
fn ensure_user_is_set() {
    if std::env::var_os("USER").is_some_and(|user| !user.is_empty()) {
        return;
    }
    let user = std::process::Command::new("id")
        .arg("-un")
        .output()
        .ok()
        .filter(|output| output.status.success())
        .and_then(|output| String::from_utf8(output.stdout).ok())
        .map(|name| name.trim().to_owned())
        .filter(|name| !name.is_empty())
        .unwrap_or_else(|| "xtask".to_owned());
    // SAFETY: called first thing in `main`, before any other thread exists.
    unsafe { std::env::set_var("USER", user) };
}

fn run(args: Vec<String>) -> Result<ExitCode> {
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return Ok(ExitCode::from(2));
    };
    match command.as_str() {
        "new" => {
            let request = parse_new(rest)?;
            let path = generate::generate_from_repo(&paths::repo_root(), &request)?;
            println!("{}", path.display());
            Ok(ExitCode::SUCCESS)
        }
        "services" => {
            if let Some(extra) = rest.first() {
                bail!("`services` takes no arguments (got `{extra}`)\n\n{USAGE}");
            }
            let endpoints = services::ensure(services::Service::ALL, &paths::cache_dir()?);
            for line in endpoints.env_lines() {
                println!("{line}");
            }
            Ok(if endpoints.failures.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        "matrix" => {
            let options = parse_matrix(rest)?;
            let all_passed = matrix::run(&paths::repo_root(), &options)?;
            Ok(if all_passed {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        "help" | "-h" | "--help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        other => bail!("unknown command `{other}`\n\n{USAGE}"),
    }
}

/// Returns the value of an option that takes one (`--dest DIR` or `--dest=DIR`).
fn option_value<'a>(
    flag: &str,
    inline: Option<&'a str>,
    rest: &mut impl Iterator<Item = &'a String>,
) -> Result<&'a str> {
    match inline {
        Some(value) => Ok(value),
        None => rest
            .next()
            .map(String::as_str)
            .with_context(|| format!("`{flag}` needs a value\n\n{USAGE}")),
    }
}

/// `--flag=value` → (`--flag`, Some(`value`)); anything else is taken whole.
fn split_flag(arg: &str) -> (&str, Option<&str>) {
    match arg.split_once('=') {
        Some((flag, value)) if flag.starts_with("--") => (flag, Some(value)),
        _ => (arg, None),
    }
}

fn parse_new(args: &[String]) -> Result<generate::Request> {
    let mut name = None;
    let mut defines = Vec::new();
    let mut destination = None;
    let mut format = true;
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = split_flag(arg);
        match flag {
            "-d" | "--define" => {
                let pair = option_value(flag, inline, &mut iter)?;
                defines.push(parse_define(pair)?);
            }
            _ if flag.starts_with("-d") && flag.len() > 2 => {
                defines.push(parse_define(&flag[2..])?);
            }
            "--dest" | "--destination" => {
                destination = Some(PathBuf::from(option_value(flag, inline, &mut iter)?));
            }
            "--no-fmt" => format = false,
            _ if flag.starts_with('-') => bail!("unknown option `{arg}` for `new`\n\n{USAGE}"),
            _ => {
                if let Some(previous) = &name {
                    bail!("`new` takes one name, got `{previous}` and `{arg}`\n\n{USAGE}");
                }
                name = Some(arg.clone());
            }
        }
    }
    let name = name.with_context(|| format!("`new` needs a project name\n\n{USAGE}"))?;
    let destination = match destination {
        Some(dir) => dir,
        None => paths::repo_root().join("generated"),
    };
    Ok(generate::Request {
        name,
        destination,
        defines,
        format,
    })
}

fn parse_define(pair: &str) -> Result<(String, String)> {
    match pair.split_once('=') {
        Some((key, value)) if !key.is_empty() => Ok((key.to_owned(), value.to_owned())),
        _ => bail!("`-d {pair}`: expected key=value, e.g. `-d database=postgres`"),
    }
}

fn parse_matrix(args: &[String]) -> Result<matrix::Options> {
    let mut options = matrix::Options::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let (flag, inline) = split_flag(arg);
        match flag {
            "--only" => options
                .filters
                .push(option_value(flag, inline, &mut iter)?.to_owned()),
            "--keep-going" => options.keep_going = true,
            _ => bail!("unknown argument `{arg}` for `matrix`\n\n{USAGE}"),
        }
    }
    Ok(options)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(args: &[&str]) -> Vec<String> {
        args.iter().map(|arg| (*arg).to_owned()).collect()
    }

    #[test]
    fn new_accepts_all_define_spellings() {
        let request = parse_new(&strings(&[
            "demo",
            "-d",
            "database=postgres",
            "-dmigrations=false",
            "--define=aggregate=purchase_invoice",
            "--dest",
            "/tmp/x",
            "--no-fmt",
        ]))
        .unwrap();
        assert_eq!(request.name, "demo");
        assert_eq!(request.destination, PathBuf::from("/tmp/x"));
        assert!(!request.format);
        assert_eq!(
            request.defines,
            vec![
                ("database".to_owned(), "postgres".to_owned()),
                ("migrations".to_owned(), "false".to_owned()),
                ("aggregate".to_owned(), "purchase_invoice".to_owned()),
            ]
        );
    }

    #[test]
    fn new_rejects_bad_input_with_usage() {
        let missing_name = parse_new(&[]).unwrap_err().to_string();
        assert!(
            missing_name.contains("needs a project name"),
            "{missing_name}"
        );
        let bad_define = parse_new(&strings(&["demo", "-d", "database"]))
            .unwrap_err()
            .to_string();
        assert!(bad_define.contains("expected key=value"), "{bad_define}");
        let two_names = parse_new(&strings(&["a", "b"])).unwrap_err().to_string();
        assert!(two_names.contains("one name"), "{two_names}");
    }

    #[test]
    fn matrix_collects_filters() {
        let options = parse_matrix(&strings(&[
            "--only",
            "database=postgres",
            "--only=sqlite",
            "--keep-going",
        ]))
        .unwrap();
        assert_eq!(options.filters, vec!["database=postgres", "sqlite"]);
        assert!(options.keep_going);
        assert!(parse_matrix(&strings(&["--only"])).is_err());
        assert!(parse_matrix(&strings(&["--fast"])).is_err());
    }
}
