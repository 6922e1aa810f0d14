//! The template's options and the combinations the matrix runs, read from
//! `cargo-generate.toml` so that a choice added there joins the matrix without touching `ci/`.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context, Result, bail, ensure};

/// The project name of the product's combinations. Hyphenated so that the kebab-case →
/// snake_case derivations (`crate_name`, crate prefixes) are exercised, and unrelated to
/// any aggregate name so that a mix-up between the two shows.
pub const PROJECT_NAME: &str = "acme-shop";

/// A combination run in addition to the cartesian product.
#[derive(Debug, Clone, Copy)]
pub struct Extra {
    /// Its project name.
    pub project: &'static str,
    /// The options it overrides; every other option keeps its default.
    pub options: &'static [(&'static str, &'static str)],
}

/// Combinations run in addition to the cartesian product. Free-text placeholders (like
/// `aggregate`) are not part of the product, so this is where the matrix exercises
/// non-default names: here another aggregate (two words) in a project whose name is one
/// word, sorts elsewhere among the crates the generated code imports, and is its own
/// crate name (`orders`, where `acme-shop` becomes `acme_shop`).
pub const EXTRA_COMBINATIONS: &[Extra] = &[Extra {
    project: "orders",
    options: &[("aggregate", "purchase_invoice")],
}];

/// Combinations that share this option's value run next to each other, because they share
/// most of their dependency builds in the common `CARGO_TARGET_DIR`.
pub const GROUP_BY: &str = "database";

/// What values a placeholder accepts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// A string restricted to `choices`: every choice is part of the matrix.
    Choice(Vec<String>),
    /// `type = "bool"`: both values are part of the matrix.
    Bool,
    /// Free text (optionally regex-checked): the matrix uses the default.
    Text { regex: Option<String> },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placeholder {
    pub name: String,
    pub kind: Kind,
    /// The default as cargo-generate would render it (`true`/`false` for bools).
    pub default: Option<String>,
}

impl Placeholder {
    /// The values the matrix expands this placeholder to (bools: the default first).
    fn matrix_values(&self) -> Result<Vec<String>> {
        match &self.kind {
            Kind::Choice(choices) => Ok(choices.clone()),
            Kind::Bool => Ok(if self.default.as_deref() == Some("false") {
                vec!["false".into(), "true".into()]
            } else {
                vec!["true".into(), "false".into()]
            }),
            Kind::Text { .. } => Ok(vec![self.required_default()?.to_owned()]),
        }
    }

    fn required_default(&self) -> Result<&str> {
        self.default.as_deref().with_context(|| {
            format!(
                "placeholder `{}` has no default in cargo-generate.toml; the matrix and `--silent` generation need one",
                self.name
            )
        })
    }

    /// Checks a value the way cargo-generate will, but with an error that names the
    /// allowed values (cargo-generate only says "is not a valid value").
    pub fn check(&self, value: &str) -> Result<()> {
        match &self.kind {
            Kind::Choice(choices) => ensure!(
                choices.iter().any(|choice| choice == value),
                "`{}={value}` is not allowed; allowed values: {}",
                self.name,
                choices.join(", ")
            ),
            Kind::Bool => ensure!(
                value == "true" || value == "false",
                "`{}={value}` is not allowed; allowed values: true, false",
                self.name
            ),
            Kind::Text {
                regex: Some(pattern),
            } => {
                let regex = regex::Regex::new(pattern).with_context(|| {
                    format!(
                        "placeholder `{}` has an invalid regex `{pattern}`",
                        self.name
                    )
                })?;
                ensure!(
                    regex.is_match(value),
                    "`{}={value}` does not match the required pattern {pattern}",
                    self.name
                );
            }
            Kind::Text { regex: None } => {}
        }
        Ok(())
    }
}

/// The parts of `cargo-generate.toml` the harness needs.
#[derive(Debug, Clone)]
pub struct TemplateConfig {
    /// In file order.
    pub placeholders: Vec<Placeholder>,
    /// The first `[template] sub_templates` entry: the directory that is the template.
    pub sub_template: Option<String>,
}

impl TemplateConfig {
    pub fn load(repo: &Path) -> Result<Self> {
        let path = repo.join("cargo-generate.toml");
        let text = std::fs::read_to_string(&path)
            .with_context(|| format!("cannot read {}", path.display()))?;
        Self::parse(&text).with_context(|| format!("in {}", path.display()))
    }

    pub fn parse(text: &str) -> Result<Self> {
        let document: toml::Table = toml::from_str(text).context("invalid TOML")?;
        let sub_template = document
            .get("template")
            .and_then(|template| template.get("sub_templates"))
            .and_then(|list| list.as_array())
            .and_then(|list| list.first())
            .and_then(|first| first.as_str())
            .map(str::to_owned);
        let mut placeholders = Vec::new();
        if let Some(table) = document.get("placeholders") {
            let table = table.as_table().context("`placeholders` must be a table")?;
            for (name, spec) in table {
                placeholders.push(parse_placeholder(name, spec)?);
            }
        }
        Ok(Self {
            placeholders,
            sub_template,
        })
    }

    pub fn get(&self, name: &str) -> Option<&Placeholder> {
        self.placeholders.iter().find(|p| p.name == name)
    }

    /// Looks up a placeholder, listing the known ones when the name is wrong.
    pub fn placeholder(&self, name: &str) -> Result<&Placeholder> {
        self.get(name).with_context(|| {
            format!(
                "unknown option `{name}`; the template's options are: {}",
                self.names().join(", ")
            )
        })
    }

    pub fn names(&self) -> Vec<&str> {
        self.placeholders.iter().map(|p| p.name.as_str()).collect()
    }

    /// Checks `key=value` against the placeholder's type, choices or regex.
    pub fn check(&self, key: &str, value: &str) -> Result<()> {
        self.placeholder(key)?.check(value)
    }
}

fn parse_placeholder(name: &str, spec: &toml::Value) -> Result<Placeholder> {
    let spec = spec
        .as_table()
        .with_context(|| format!("placeholder `{name}` must be a table"))?;
    let kind_name = spec
        .get("type")
        .and_then(|t| t.as_str())
        .unwrap_or("string");
    let kind = match kind_name {
        "bool" => Kind::Bool,
        "string" | "text" | "editor" => match spec.get("choices") {
            Some(choices) => {
                let choices = choices
                    .as_array()
                    .with_context(|| format!("`{name}.choices` must be an array"))?
                    .iter()
                    .map(|choice| {
                        choice
                            .as_str()
                            .map(str::to_owned)
                            .with_context(|| format!("`{name}.choices` must contain strings only"))
                    })
                    .collect::<Result<Vec<_>>>()?;
                ensure!(!choices.is_empty(), "`{name}.choices` is empty");
                Kind::Choice(choices)
            }
            None => Kind::Text {
                regex: spec
                    .get("regex")
                    .and_then(|regex| regex.as_str())
                    .map(str::to_owned),
            },
        },
        other => bail!(
            "placeholder `{name}` has type `{other}`, which the harness does not know how to put in the matrix"
        ),
    };
    let default = match spec.get("default") {
        None => None,
        Some(toml::Value::String(value)) => Some(value.clone()),
        Some(toml::Value::Boolean(value)) => Some(value.to_string()),
        Some(other) => bail!("placeholder `{name}` has an unsupported default {other}"),
    };
    let placeholder = Placeholder {
        name: name.to_owned(),
        kind,
        default,
    };
    if let Some(default) = &placeholder.default {
        placeholder
            .check(default)
            .with_context(|| format!("the default of placeholder `{name}` is invalid"))?;
    }
    Ok(placeholder)
}

/// One set of option values, in placeholder order, and the project name to generate with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Combination {
    /// Short, unique, directory-safe name, e.g. `postgres-no-migrations`.
    pub name: String,
    pub values: Vec<(String, String)>,
    /// The project (`cargo generate --name`): [`PROJECT_NAME`] unless an extra says otherwise.
    pub project: String,
}

impl Combination {
    fn new(config: &TemplateConfig, values: Vec<(String, String)>, project: &str) -> Self {
        let name = short_name(config, &values);
        Self {
            name,
            values,
            project: project.to_owned(),
        }
    }

    /// A combination of the default project outside the matrix (`crash`, `bench`): only
    /// the values given, the template's defaults for the rest.
    pub fn ad_hoc(name: String, values: &[(&str, &str)]) -> Self {
        Self {
            name,
            values: values
                .iter()
                .map(|(key, value)| ((*key).to_owned(), (*value).to_owned()))
                .collect(),
            project: PROJECT_NAME.to_owned(),
        }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }

    /// `key=value,key=value` in placeholder order, then the project name if it is not the
    /// default one.
    pub fn spec(&self) -> String {
        let mut spec = String::new();
        for (index, (key, value)) in self.values.iter().enumerate() {
            if index > 0 {
                spec.push(',');
            }
            let _ = write!(spec, "{key}={value}");
        }
        if self.project != PROJECT_NAME {
            let _ = write!(spec, " (project {})", self.project);
        }
        spec
    }
}

/// Choice values name themselves (`none` means "absent" and is left out), bools become
/// `name` / `no-name`, free text appears only when it is not the default.
fn short_name(config: &TemplateConfig, values: &[(String, String)]) -> String {
    let mut tokens = Vec::new();
    for (key, value) in values {
        let Some(placeholder) = config.get(key) else {
            continue;
        };
        match &placeholder.kind {
            Kind::Choice(_) if value == "none" => {}
            Kind::Choice(_) => tokens.push(value.clone()),
            Kind::Bool if value == "true" => tokens.push(key.replace('_', "-")),
            Kind::Bool => tokens.push(format!("no-{}", key.replace('_', "-"))),
            Kind::Text { .. } if placeholder.default.as_deref() == Some(value.as_str()) => {}
            Kind::Text { .. } => tokens.push(value.clone()),
        }
    }
    if tokens.is_empty() {
        "defaults".to_owned()
    } else {
        tokens.join("-")
    }
}

/// The cartesian product of every choice and bool placeholder (free text at its default),
/// then [`EXTRA_COMBINATIONS`], grouped by [`GROUP_BY`].
pub fn expand(config: &TemplateConfig) -> Result<Vec<Combination>> {
    expand_with(config, EXTRA_COMBINATIONS)
}

fn expand_with(config: &TemplateConfig, extras: &[Extra]) -> Result<Vec<Combination>> {
    let mut rows: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for placeholder in &config.placeholders {
        let values = placeholder.matrix_values()?;
        rows = rows
            .into_iter()
            .flat_map(|row| {
                values.iter().map(move |value| {
                    let mut row = row.clone();
                    row.push((placeholder.name.clone(), value.clone()));
                    row
                })
            })
            .collect();
    }
    let mut combinations: Vec<Combination> = rows
        .into_iter()
        .map(|values| Combination::new(config, values, PROJECT_NAME))
        .collect();

    for extra in extras {
        let overrides = extra.options;
        let mut values = Vec::new();
        for placeholder in &config.placeholders {
            let value = match overrides.iter().find(|(key, _)| *key == placeholder.name) {
                Some((_, value)) => (*value).to_owned(),
                None => placeholder.required_default()?.to_owned(),
            };
            values.push((placeholder.name.clone(), value));
        }
        for (key, value) in overrides {
            config
                .check(key, value)
                .context("in EXTRA_COMBINATIONS (ci/src/combos.rs)")?;
        }
        let combination = Combination::new(config, values, extra.project);
        if !combinations.contains(&combination) {
            combinations.push(combination);
        }
    }

    if let Some(Placeholder {
        kind: Kind::Choice(choices),
        ..
    }) = config.get(GROUP_BY)
    {
        // Stable: the product order is kept inside each group.
        combinations.sort_by_key(|combination| {
            combination
                .get(GROUP_BY)
                .and_then(|value| choices.iter().position(|choice| choice == value))
        });
    }

    for (index, combination) in combinations.iter().enumerate() {
        if let Some(twin) = combinations[..index]
            .iter()
            .find(|other| other.name == combination.name)
        {
            bail!(
                "combinations `{}` and `{}` get the same name `{}`; adjust short_name in ci/src/combos.rs",
                twin.spec(),
                combination.spec(),
                combination.name
            );
        }
    }
    Ok(combinations)
}

/// `--only` values: each is a comma-separated list of terms that must all match; several
/// `--only` values select the union.
#[derive(Debug, Default)]
pub struct Filter {
    alternatives: Vec<Vec<Term>>,
}

#[derive(Debug)]
enum Term {
    /// `key=value`: the option has exactly this value.
    Option { key: String, value: String },
    /// Anything else: a substring of the combination's short name.
    Name(String),
}

impl Filter {
    /// Parses the filters, rejecting unknown option names and impossible values so that a
    /// typo does not silently select nothing.
    pub fn parse(config: &TemplateConfig, filters: &[String]) -> Result<Self> {
        let mut alternatives = Vec::new();
        for filter in filters {
            let mut terms = Vec::new();
            for term in filter.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                match term.split_once('=') {
                    Some((key, value)) => {
                        config
                            .check(key, value)
                            .with_context(|| format!("in --only `{filter}`"))?;
                        terms.push(Term::Option {
                            key: key.to_owned(),
                            value: value.to_owned(),
                        });
                    }
                    None => terms.push(Term::Name(term.to_owned())),
                }
            }
            ensure!(!terms.is_empty(), "--only `{filter}` is empty");
            alternatives.push(terms);
        }
        Ok(Self { alternatives })
    }

    pub fn matches(&self, combination: &Combination) -> bool {
        self.alternatives.is_empty()
            || self.alternatives.iter().any(|terms| {
                terms.iter().all(|term| match term {
                    Term::Option { key, value } => combination.get(key) == Some(value.as_str()),
                    Term::Name(part) => combination.name.contains(part.as_str()),
                })
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: &str = r#"
[template]
sub_templates = ["template"]

[placeholders.database]
type = "string"
prompt = "Database"
choices = ["sqlite", "postgres", "mysql"]
default = "sqlite"

[placeholders.message_bus]
type = "string"
prompt = "Message bus"
choices = ["none", "rabbitmq"]
default = "none"

[placeholders.migrations]
type = "bool"
prompt = "Migrations?"
default = true

[placeholders.aggregate]
type = "string"
prompt = "Aggregate"
regex = "^[a-z][a-z0-9]*(_[a-z][a-z0-9]*)*$"
default = "order"
"#;

    fn config() -> TemplateConfig {
        TemplateConfig::parse(CONFIG).unwrap()
    }

    fn names(combinations: &[Combination]) -> Vec<&str> {
        combinations.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn parses_placeholders_in_file_order() {
        let config = config();
        assert_eq!(config.sub_template.as_deref(), Some("template"));
        assert_eq!(
            config.names(),
            ["database", "message_bus", "migrations", "aggregate"]
        );
        assert_eq!(config.get("migrations").unwrap().kind, Kind::Bool);
        assert_eq!(
            config.get("migrations").unwrap().default.as_deref(),
            Some("true")
        );
    }

    #[test]
    fn expands_product_plus_extra_grouped_by_database() {
        let combinations = expand(&config()).unwrap();
        assert_eq!(combinations.len(), 3 * 2 * 2 + 1);
        assert_eq!(
            names(&combinations),
            [
                "sqlite-migrations",
                "sqlite-no-migrations",
                "sqlite-rabbitmq-migrations",
                "sqlite-rabbitmq-no-migrations",
                "sqlite-migrations-purchase_invoice",
                "postgres-migrations",
                "postgres-no-migrations",
                "postgres-rabbitmq-migrations",
                "postgres-rabbitmq-no-migrations",
                "mysql-migrations",
                "mysql-no-migrations",
                "mysql-rabbitmq-migrations",
                "mysql-rabbitmq-no-migrations",
            ]
        );
        let extra = &combinations[4];
        assert_eq!(
            extra.spec(),
            "database=sqlite,message_bus=none,migrations=true,aggregate=purchase_invoice \
             (project orders)"
        );
        assert_eq!(extra.project, "orders");
        assert!(
            combinations
                .iter()
                .filter(|c| c.name != extra.name)
                .all(|c| c.get("aggregate") == Some("order") && c.project == PROJECT_NAME)
        );
    }

    #[test]
    fn a_new_choice_joins_the_matrix() {
        let text = CONFIG.replace(
            r#"["sqlite", "postgres", "mysql"]"#,
            r#"["sqlite", "postgres", "mysql", "mongodb"]"#,
        );
        let combinations = expand(&TemplateConfig::parse(&text).unwrap()).unwrap();
        assert_eq!(combinations.len(), 4 * 2 * 2 + 1);
        assert_eq!(
            combinations.last().unwrap().name,
            "mongodb-rabbitmq-no-migrations"
        );
    }

    #[test]
    fn extras_are_validated_and_deduplicated() {
        let config = config();
        let extra = |options| Extra {
            project: PROJECT_NAME,
            options,
        };
        let duplicate = expand_with(&config, &[extra(&[("database", "postgres")])]).unwrap();
        assert_eq!(duplicate.len(), 12);
        let unknown = format!(
            "{:#}",
            expand_with(&config, &[extra(&[("databse", "postgres")])]).unwrap_err()
        );
        assert!(unknown.contains("unknown option `databse`"), "{unknown}");
        let bad = format!(
            "{:#}",
            expand_with(&config, &[extra(&[("aggregate", "Bad Name")])]).unwrap_err()
        );
        assert!(bad.contains("does not match the required pattern"), "{bad}");
    }

    #[test]
    fn text_placeholder_without_default_is_an_error() {
        let text = CONFIG.replace("default = \"order\"\n", "");
        let error = expand(&TemplateConfig::parse(&text).unwrap())
            .unwrap_err()
            .to_string();
        assert!(error.contains("`aggregate` has no default"), "{error}");
    }

    #[test]
    fn check_names_allowed_values() {
        let error = config()
            .check("database", "oracle")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            "`database=oracle` is not allowed; allowed values: sqlite, postgres, mysql"
        );
        assert!(config().check("migrations", "yes").is_err());
        assert!(config().check("aggregate", "purchase_invoice").is_ok());
        assert!(config().check("aggregate", "PurchaseInvoice").is_err());
        let unknown = config().check("db", "x").unwrap_err().to_string();
        assert!(unknown.contains("database, message_bus, migrations, aggregate"));
    }

    #[test]
    fn filter_by_option_and_by_name() {
        let config = config();
        let combinations = expand(&config).unwrap();
        let select = |filters: &[&str]| {
            let filters: Vec<String> = filters.iter().map(|f| (*f).to_owned()).collect();
            let filter = Filter::parse(&config, &filters).unwrap();
            combinations
                .iter()
                .filter(|c| filter.matches(c))
                .map(|c| c.name.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(select(&[]).len(), 13);
        assert_eq!(
            select(&["database=postgres"]),
            [
                "postgres-migrations",
                "postgres-no-migrations",
                "postgres-rabbitmq-migrations",
                "postgres-rabbitmq-no-migrations"
            ]
        );
        assert_eq!(select(&["postgres-migrations"]), ["postgres-migrations"]);
        assert_eq!(
            select(&["database=mysql,migrations=false", "purchase_invoice"]),
            [
                "sqlite-migrations-purchase_invoice",
                "mysql-no-migrations",
                "mysql-rabbitmq-no-migrations"
            ]
        );
        assert_eq!(
            select(&["aggregate=purchase_invoice"]),
            ["sqlite-migrations-purchase_invoice"]
        );
        assert!(Filter::parse(&config, &["database=oracle".to_owned()]).is_err());
        assert!(Filter::parse(&config, &["colour=red".to_owned()]).is_err());
    }
}
