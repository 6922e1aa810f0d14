//! The expected file set of each combination, from `ci/file-set.toml`.
//!
//! The expectation is written independently of `cargo-generate.toml` on purpose: a
//! `[conditional]` whose expression fails to evaluate is silently treated as false by
//! cargo-generate, so the configuration cannot be trusted to check itself.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};
use serde::Deserialize;

use crate::combos::{Combination, TemplateConfig};
use crate::residue;

/// The rules file, relative to the repository root.
pub const RULES_FILE: &str = "ci/file-set.toml";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    rule: Vec<RawRule>,
    #[serde(default)]
    residue_allow: Vec<residue::Allow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    paths: Vec<String>,
    #[serde(default)]
    when: BTreeMap<String, toml::Value>,
    #[serde(default)]
    never: bool,
}

/// A set of paths that must exist exactly when `when` holds (always, if `when` is empty), or
/// never, if `never` is set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    pub paths: Vec<String>,
    /// Every option must have one of its listed values.
    pub when: Vec<(String, Vec<String>)>,
    /// No combination may contain the paths.
    pub never: bool,
}

impl Rule {
    pub fn applies(&self, combination: &Combination) -> bool {
        !self.never
            && self.when.iter().all(|(key, values)| {
                combination
                    .get(key)
                    .is_some_and(|value| values.iter().any(|allowed| allowed == value))
            })
    }

    fn condition(&self) -> String {
        if self.never {
            return "never".to_owned();
        }
        if self.when.is_empty() {
            return "always".to_owned();
        }
        self.when
            .iter()
            .map(|(key, values)| match values.as_slice() {
                [single] => format!("{key}={single}"),
                many => format!("{key} in [{}]", many.join(", ")),
            })
            .collect::<Vec<_>>()
            .join(" and ")
    }
}

/// The parsed and validated rules file.
#[derive(Debug, Clone)]
pub struct FileSet {
    pub rules: Vec<Rule>,
    pub residue_allow: Vec<residue::Allow>,
}

/// One way a generated project differs from the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub path: String,
    pub problem: &'static str,
    pub condition: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (expected when: {})",
            self.path, self.problem, self.condition
        )
    }
}

impl FileSet {
    pub fn load(repo: &Path, config: &TemplateConfig) -> Result<Self> {
        let path = repo.join(RULES_FILE);
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text, config).with_context(|| format!("in {}", path.display()))
    }

    /// Parses the rules and checks them against the template's options, so that a typo in
    /// an option name or value is an error instead of a rule that never applies.
    pub fn parse(text: &str, config: &TemplateConfig) -> Result<Self> {
        let raw: RawFile = toml::from_str(text).context("invalid rules file")?;
        let mut rules = Vec::new();
        for (index, raw_rule) in raw.rule.into_iter().enumerate() {
            let rule = validate_rule(raw_rule, config).with_context(|| {
                format!("in rule #{} ([[rule]] number {})", index + 1, index + 1)
            })?;
            rules.push(rule);
        }
        Ok(Self {
            rules,
            residue_allow: raw.residue_allow,
        })
    }

    /// Compares the generated project at `root` with every rule.
    pub fn check(
        &self,
        root: &Path,
        combination: &Combination,
        project_name: &str,
    ) -> Vec<Violation> {
        // A path listed by several rules is expected when any of them holds
        // (rules are alternatives: "a server database, or a message bus").
        // In the order the rules first list them.
        let mut expected: Vec<(&str, bool, Vec<String>)> = Vec::new();
        for rule in &self.rules {
            for pattern in &rule.paths {
                let index = match expected.iter().position(|(p, ..)| p == pattern) {
                    Some(index) => index,
                    None => {
                        expected.push((pattern, false, Vec::new()));
                        expected.len() - 1
                    }
                };
                expected[index].1 |= rule.applies(combination);
                expected[index].2.push(rule.condition());
            }
        }
        let mut violations = Vec::new();
        for (pattern, expected, conditions) in expected {
            let path = substitute(pattern, combination, project_name);
            let wants_dir = path.ends_with('/');
            let full = root.join(path.trim_end_matches('/'));
            let problem = match (expected, full.exists()) {
                (true, false) => Some("missing"),
                (true, true) if wants_dir && !full.is_dir() => Some("is not a directory"),
                (false, true) => Some("present but not expected"),
                _ => None,
            };
            if let Some(problem) = problem {
                violations.push(Violation {
                    path,
                    problem,
                    condition: conditions.join(" or "),
                });
            }
        }
        violations
    }
}

fn validate_rule(raw: RawRule, config: &TemplateConfig) -> Result<Rule> {
    ensure!(!raw.paths.is_empty(), "`paths` is empty");
    ensure!(
        !raw.never || raw.when.is_empty(),
        "a rule with `never = true` cannot also have `when`"
    );
    let mut when = Vec::new();
    for (key, value) in raw.when {
        let values: Vec<String> = match value {
            toml::Value::Array(items) => items.iter().map(scalar).collect::<Result<_>>()?,
            other => vec![scalar(&other)?],
        };
        ensure!(!values.is_empty(), "`when.{key}` lists no values");
        for value in &values {
            config.check(&key, value)?;
        }
        when.push((key, values));
    }
    for path in &raw.paths {
        ensure!(
            !path.starts_with('/') && !path.split('/').any(|part| part == ".."),
            "path `{path}` must be relative to the generated project"
        );
        for name in placeholders_in(path)? {
            ensure!(
                is_known_name(config, name),
                "path `{path}` uses `{{{name}}}`; known names: project-name, crate_name, {}",
                config.names().join(", ")
            );
        }
    }
    Ok(Rule {
        paths: raw.paths,
        when,
        never: raw.never,
    })
}

fn scalar(value: &toml::Value) -> Result<String> {
    match value {
        toml::Value::String(text) => Ok(text.clone()),
        toml::Value::Boolean(flag) => Ok(flag.to_string()),
        other => bail!("condition values must be strings or booleans, got {other}"),
    }
}

fn is_known_name(config: &TemplateConfig, name: &str) -> bool {
    matches!(name, "project-name" | "crate_name") || config.get(name).is_some()
}

/// The `{name}` placeholders in a path pattern.
fn placeholders_in(path: &str) -> Result<Vec<&str>> {
    let mut names = Vec::new();
    let mut rest = path;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let end = after
            .find('}')
            .with_context(|| format!("unclosed `{{` in path `{path}`"))?;
        names.push(&after[..end]);
        rest = &after[end + 1..];
    }
    Ok(names)
}

/// Replaces `{option}`, `{project-name}` and `{crate_name}` (the project name in
/// snake_case, as cargo-generate derives it).
fn substitute(pattern: &str, combination: &Combination, project_name: &str) -> String {
    let mut path = pattern
        .replace("{project-name}", project_name)
        .replace("{crate_name}", &project_name.replace('-', "_"));
    for (key, value) in &combination.values {
        path = path.replace(&format!("{{{key}}}"), value);
    }
    path
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::combos::{self, TemplateConfig};

    const CONFIG: &str = r#"
[placeholders.database]
type = "string"
choices = ["sqlite", "postgres", "mysql"]
default = "sqlite"
[placeholders.migrations]
type = "bool"
default = true
[placeholders.aggregate]
type = "string"
default = "order"
"#;

    const RULES: &str = r#"
[[rule]]
paths = ["Cargo.toml", "crates/entity-model/src/{aggregate}.rs", "crates/{project-name}-x/"]

[[rule]]
paths = ["crates/migration"]
when = { migrations = true }

[[rule]]
paths = ["crates/persistence-model/src/sql/"]
when = { database = ["postgres", "mysql"], migrations = "false" }

[[residue_allow]]
path = ".github/"
open = "${{"
close = "}}"
"#;

    fn config() -> TemplateConfig {
        TemplateConfig::parse(CONFIG).unwrap()
    }

    fn combination(database: &str, migrations: &str, aggregate: &str) -> Combination {
        combos::expand(&config())
            .unwrap()
            .into_iter()
            .find(|c| {
                c.get("database") == Some(database)
                    && c.get("migrations") == Some(migrations)
                    && c.get("aggregate") == Some(aggregate)
            })
            .unwrap()
    }

    fn project(files: &[&str]) -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let root = std::env::temp_dir().join(format!(
            "xtask-file-set-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&root);
        for file in files {
            let path = root.join(file);
            if file.ends_with('/') {
                std::fs::create_dir_all(&path).unwrap();
            } else {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(path, "").unwrap();
            }
        }
        root
    }

    #[test]
    fn parses_conditions_of_every_shape() {
        let rules = FileSet::parse(RULES, &config()).unwrap();
        assert_eq!(rules.rules.len(), 3);
        assert!(rules.rules[0].when.is_empty());
        assert_eq!(
            rules.rules[1].when,
            [("migrations".to_owned(), vec!["true".to_owned()])]
        );
        assert_eq!(
            rules.rules[2].condition(),
            "database in [postgres, mysql] and migrations=false"
        );
        assert_eq!(rules.residue_allow.len(), 1);
    }

    #[test]
    fn exact_file_set_passes() {
        let rules = FileSet::parse(RULES, &config()).unwrap();
        let root = project(&[
            "Cargo.toml",
            "crates/entity-model/src/order.rs",
            "crates/acme-shop-x/",
            "crates/migration/Cargo.toml",
        ]);
        let violations = rules.check(&root, &combination("sqlite", "true", "order"), "acme-shop");
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(violations, []);
    }

    #[test]
    fn missing_unexpected_and_wrong_kind_are_reported() {
        let rules = FileSet::parse(RULES, &config()).unwrap();
        let root = project(&[
            "Cargo.toml",
            "crates/entity-model/src/order.rs",
            "crates/acme-shop-x",
            "crates/migration/Cargo.toml",
        ]);
        let combination = combination("postgres", "false", "order");
        let violations: Vec<String> = rules
            .check(&root, &combination, "acme-shop")
            .iter()
            .map(ToString::to_string)
            .collect();
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(
            violations,
            [
                "crates/acme-shop-x/: is not a directory (expected when: always)",
                "crates/migration: present but not expected (expected when: migrations=true)",
                "crates/persistence-model/src/sql/: missing (expected when: database in [postgres, mysql] and migrations=false)",
            ]
        );
    }

    #[test]
    fn name_placeholders_follow_the_combination() {
        let rules = FileSet::parse(RULES, &config()).unwrap();
        let root = project(&["Cargo.toml", "crates/acme-shop-x/", "crates/migration/"]);
        let mut combination = combination("sqlite", "true", "order");
        combination.values[2].1 = "purchase_invoice".into();
        let violations = rules.check(&root, &combination, "acme-shop");
        std::fs::remove_dir_all(&root).unwrap();
        assert_eq!(violations.len(), 1);
        assert_eq!(
            violations[0].path,
            "crates/entity-model/src/purchase_invoice.rs"
        );
    }

    #[test]
    fn a_path_of_several_rules_is_expected_when_any_holds() {
        let rules = "[[rule]]\npaths = [\"proxy/\"]\nwhen = { database = \"postgres\" }\n\
                     [[rule]]\npaths = [\"proxy/\"]\nwhen = { migrations = true }\n";
        let rules = FileSet::parse(rules, &config()).unwrap();
        let root = project(&[]);
        let sqlite_without = combination("sqlite", "false", "order");
        assert!(rules.check(&root, &sqlite_without, "p").is_empty());
        let sqlite_with = combination("sqlite", "true", "order");
        let missing = rules.check(&root, &sqlite_with, "p");
        assert_eq!(
            missing.iter().map(ToString::to_string).collect::<Vec<_>>(),
            ["proxy/: missing (expected when: database=postgres or migrations=true)"]
        );
    }

    #[test]
    fn never_rules_hold_for_no_combination() {
        let rules = "[[rule]]\npaths = [\"src/tmp/\"]\nnever = true\n";
        let rules = FileSet::parse(rules, &config()).unwrap();
        let clean = project(&["Cargo.toml"]);
        let left = project(&["src/tmp/"]);
        for database in ["sqlite", "postgres", "mysql"] {
            let combination = combination(database, "true", "order");
            assert_eq!(rules.check(&clean, &combination, "acme-shop"), []);
            let violations = rules.check(&left, &combination, "acme-shop");
            assert_eq!(
                violations[0].to_string(),
                "src/tmp/: present but not expected (expected when: never)"
            );
        }
        std::fs::remove_dir_all(&clean).unwrap();
        std::fs::remove_dir_all(&left).unwrap();
        let both = "[[rule]]\npaths = [\"a\"]\nnever = true\nwhen = { migrations = true }\n";
        let error = format!("{:#}", FileSet::parse(both, &config()).unwrap_err());
        assert!(error.contains("cannot also have `when`"), "{error}");
    }

    #[test]
    fn typos_are_errors() {
        let config = config();
        let unknown_key = "[[rule]]\npaths = [\"a\"]\nwhen = { databse = \"sqlite\" }\n";
        let error = format!("{:#}", FileSet::parse(unknown_key, &config).unwrap_err());
        assert!(error.contains("unknown option `databse`"), "{error}");
        let unknown_value = "[[rule]]\npaths = [\"a\"]\nwhen = { database = \"oracle\" }\n";
        let error = format!("{:#}", FileSet::parse(unknown_value, &config).unwrap_err());
        assert!(
            error.contains("allowed values: sqlite, postgres, mysql"),
            "{error}"
        );
        let unknown_name = "[[rule]]\npaths = [\"src/{aggregat}.rs\"]\n";
        let error = format!("{:#}", FileSet::parse(unknown_name, &config).unwrap_err());
        assert!(error.contains("uses `{aggregat}`"), "{error}");
        let unknown_field = "[[rule]]\npaths = [\"a\"]\nif = { database = \"sqlite\" }\n";
        assert!(FileSet::parse(unknown_field, &config).is_err());
        let escaping = "[[rule]]\npaths = [\"../outside\"]\n";
        assert!(FileSet::parse(escaping, &config).is_err());
    }

    /// The committed rules must stay consistent with the committed `cargo-generate.toml`.
    #[test]
    fn repository_rules_are_valid() {
        let repo = crate::paths::repo_root();
        let config = TemplateConfig::load(&repo).unwrap();
        let rules = FileSet::load(&repo, &config).unwrap();
        assert!(!rules.rules.is_empty());
    }
}
