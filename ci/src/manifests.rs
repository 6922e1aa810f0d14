//! The `manifests` step: the generated Kubernetes base in `deploy/k8s/` parses as YAML,
//! names only kinds and API versions Kubernetes serves, lists exactly the files it has,
//! and agrees with the service it deploys: the container port is the configured one,
//! the probes and the Service use it, selectors match the pods, every environment
//! variable a pod sets is one the service reads, and the mounted configuration holds
//! only keys the service knows. Where `kubectl` is installed, `kubectl kustomize` (the
//! kustomize a user's `kubectl apply -k` runs) must render the base into exactly its
//! manifests and generated config maps. Whether the probe paths answer is checked on the
//! running binary by the `fuzz` step ([`probe_paths`]).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result};
use serde::Deserialize;
use serde_json::Value;

/// The Kubernetes base, relative to the generated project.
pub const DIR: &str = "deploy/k8s";

/// Every (apiVersion, kind) the base may use: stable versions only.
const KNOWN_KINDS: &[(&str, &str)] = &[
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("v1", "PersistentVolumeClaim"),
    ("policy/v1", "PodDisruptionBudget"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("batch/v1", "Job"),
];

/// Variables the service reads besides `APP__…` and the conventional ones.
const SERVICE_VARIABLES: &[&str] = &["APP_ENVIRONMENT", "APP_CONFIG_DIR", "RUST_LOG", "NO_COLOR"];

/// Runs the step on `project`, writing what it checked and found to `log`.
pub fn check(project: &Path, log: &Path) -> Result<bool> {
    let mut report = Report::default();
    let base = Base::load(project)?;
    base.check_files(project, &mut report)?;
    base.check_documents(&mut report);
    base.check_environment(project, &mut report)?;
    base.check_kustomize(project, &mut report);
    report.note(format!("probe paths: {}", base.probe_paths().join(", ")));
    let text = report.render(&project.join(DIR));
    crate::matrix::append(log, &text);
    Ok(report.problems.is_empty())
}

/// The HTTP paths the Deployment's probes request, for the `fuzz` step to call.
pub fn probe_paths(project: &Path) -> Result<Vec<String>> {
    Ok(Base::load(project)?.probe_paths())
}

#[derive(Default)]
struct Report {
    notes: Vec<String>,
    problems: Vec<String>,
}

impl Report {
    fn note(&mut self, note: String) {
        self.notes.push(note);
    }

    fn problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    fn render(&self, dir: &Path) -> String {
        let mut text = format!("Kubernetes base {}\n", dir.display());
        for note in &self.notes {
            text.push_str(&format!("  {note}\n"));
        }
        for problem in &self.problems {
            text.push_str(&format!("problem: {problem}\n"));
        }
        text.push_str(&format!("{} problem(s)\n", self.problems.len()));
        text
    }
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Kustomization {
    resources: Vec<String>,
    #[serde(default)]
    config_map_generator: Vec<Generator>,
}

#[derive(Debug, Deserialize)]
struct Generator {
    name: String,
    files: Vec<String>,
}

/// The kustomization and the documents of its resources, each with its file,
/// and the service's settings (`config/default.toml`) they are checked against.
struct Base {
    kustomization: Kustomization,
    documents: Vec<(String, Value)>,
    defaults: toml::Table,
    setting_keys: BTreeSet<String>,
}

impl Base {
    fn load(project: &Path) -> Result<Self> {
        let dir = project.join(DIR);
        let path = dir.join("kustomization.yaml");
        let text = read(&path)?;
        let kustomization: Kustomization = serde_norway::from_str(&text)
            .with_context(|| format!("{} is not a kustomization", path.display()))?;
        let mut documents = Vec::new();
        for resource in &kustomization.resources {
            let path = dir.join(resource);
            let text = read(&path)?;
            for document in serde_norway::Deserializer::from_str(&text) {
                let value = Value::deserialize(document)
                    .with_context(|| format!("{} is not valid YAML", path.display()))?;
                documents.push((resource.clone(), value));
            }
        }
        let defaults = read(&project.join("config/default.toml"))?;
        let setting_keys = setting_keys(&defaults)?;
        Ok(Self {
            kustomization,
            documents,
            defaults: defaults.parse()?,
            setting_keys,
        })
    }

    /// The kustomization lists every manifest in the directory, and only those; the
    /// configuration files it mounts exist and hold only keys the service knows.
    fn check_files(&self, project: &Path, report: &mut Report) -> Result<()> {
        let dir = project.join(DIR);
        let mut on_disk = BTreeSet::new();
        for entry in std::fs::read_dir(&dir).with_context(|| format!("{}", dir.display()))? {
            let name = entry?.file_name().to_string_lossy().into_owned();
            if name.ends_with(".yaml") && name != "kustomization.yaml" {
                on_disk.insert(name);
            }
        }
        let listed: BTreeSet<String> = self.kustomization.resources.iter().cloned().collect();
        for unlisted in on_disk.difference(&listed) {
            report.problem(format!(
                "{unlisted} is not in kustomization.yaml's resources"
            ));
        }
        report.note(format!("resources: {}", join(&listed)));
        let known = &self.setting_keys;
        for generator in &self.kustomization.config_map_generator {
            for file in &generator.files {
                let text = read(&dir.join(file))?;
                let keys = setting_keys(&text).with_context(|| format!("{file} in {DIR}"))?;
                for unknown in keys.difference(known) {
                    report.problem(format!("{file}: the service has no setting {unknown}"));
                }
                report.note(format!(
                    "config map {}: {file} ({})",
                    generator.name,
                    join(&keys)
                ));
            }
        }
        Ok(())
    }

    /// Kinds, names, ports, probes, selectors and hardening of each document.
    fn check_documents(&self, report: &mut Report) {
        let deployments = self.of_kind("Deployment");
        if deployments.len() != 1 {
            report.problem(format!("{} Deployments, expected one", deployments.len()));
        }
        for (file, document) in &self.documents {
            let api_version = text(&document["apiVersion"]);
            let kind = text(&document["kind"]);
            if !KNOWN_KINDS.contains(&(api_version, kind)) {
                report.problem(format!("{file}: unknown kind {api_version}/{kind}"));
            }
            if text(&document["metadata"]["name"]).is_empty() {
                report.problem(format!("{file}: {kind} without metadata.name"));
            }
        }
        let Some(deployment) = deployments.first() else {
            return;
        };
        let name = text(&deployment["metadata"]["name"]);
        let pod_labels = &deployment["spec"]["template"]["metadata"]["labels"];
        if !selects(&deployment["spec"]["selector"]["matchLabels"], pod_labels) {
            report.problem("the Deployment's selector does not match its pods".to_owned());
        }
        for (file, document) in &self.documents {
            let selector = match text(&document["kind"]) {
                "Service" => &document["spec"]["selector"],
                "PodDisruptionBudget" => &document["spec"]["selector"]["matchLabels"],
                "HorizontalPodAutoscaler" => {
                    let target = text(&document["spec"]["scaleTargetRef"]["name"]);
                    if target != name {
                        report.problem(format!("{file}: scales {target:?}, not {name:?}"));
                    }
                    continue;
                }
                _ => continue,
            };
            if !selects(selector, pod_labels) {
                report.problem(format!("{file}: its selector matches no pod of {name}"));
            }
        }
        self.check_service_port(report);
        for (file, document) in &self.documents {
            if let Some(pod) = pod_spec(document) {
                check_pod(file, pod, report);
            }
        }
    }

    /// The container port is named `http`, the probes and the Service use it.
    fn check_service_port(&self, report: &mut Report) {
        let Some(container) = self.service_container() else {
            report.problem("the Deployment has no container".to_owned());
            return;
        };
        let port = container["ports"]
            .as_array()
            .and_then(|ports| ports.iter().find(|p| p["name"] == "http"))
            .map(|p| p["containerPort"].clone());
        let Some(port) = port else {
            report.problem("the container has no port named http".to_owned());
            return;
        };
        report.note(format!("container port http = {port}"));
        for probe in ["startupProbe", "readinessProbe", "livenessProbe"] {
            let used = &container[probe]["httpGet"]["port"];
            if used != "http" && *used != port {
                report.problem(format!("{probe} uses port {used}, not http"));
            }
        }
        for (file, service) in self
            .documents
            .iter()
            .filter(|(_, d)| d["kind"] == "Service")
        {
            let targets = service["spec"]["ports"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if !targets.iter().any(|p| p["targetPort"] == "http") {
                report.problem(format!("{file}: no port targets the container's http port"));
            }
        }
    }

    /// Every variable a pod sets is read by the service: `APP__SECTION__KEY` for a key
    /// of `config/default.toml`, a conventional one (`DATABASE_URL`), or one of
    /// [`SERVICE_VARIABLES`]. And the container port is `server.port`'s default.
    fn check_environment(&self, project: &Path, report: &mut Report) -> Result<()> {
        let keys = &self.setting_keys;
        let config = read(&project.join("crates/service/src/config.rs"))?;
        let conventional = conventional_variables(&config);
        report.note(format!("conventional variables: {}", join(&conventional)));
        for (file, document) in &self.documents {
            let Some(pod) = pod_spec(document) else {
                continue;
            };
            for container in pod["containers"].as_array().into_iter().flatten() {
                for variable in container["env"].as_array().into_iter().flatten() {
                    let name = text(&variable["name"]);
                    let read = SERVICE_VARIABLES.contains(&name)
                        || conventional.contains(name)
                        || setting_of(name).is_some_and(|key| keys.contains(&key));
                    if !read {
                        report.problem(format!("{file}: the service does not read {name}"));
                    }
                }
            }
        }
        let port = self.defaults["server"]["port"].as_integer();
        let served = self.service_container().and_then(|container| {
            let ports = container["ports"].as_array()?;
            ports.iter().find_map(|p| p["containerPort"].as_i64())
        });
        if port != served {
            report.problem(format!(
                "containerPort {served:?}, but server.port = {port:?}"
            ));
        }
        Ok(())
    }

    /// `kubectl kustomize` renders every manifest and one ConfigMap per generator.
    fn check_kustomize(&self, project: &Path, report: &mut Report) {
        let dir = project.join(DIR);
        let rendered = match Command::new("kubectl").arg("kustomize").arg(&dir).output() {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                report.note("kubectl not installed: `kubectl kustomize` not run".to_owned());
                return;
            }
            Err(error) => {
                report.problem(format!("kubectl kustomize could not run: {error}"));
                return;
            }
            Ok(output) if !output.status.success() => {
                let stderr = String::from_utf8_lossy(&output.stderr);
                report.problem(format!("kubectl kustomize {DIR} failed: {}", stderr.trim()));
                return;
            }
            Ok(output) => String::from_utf8_lossy(&output.stdout).into_owned(),
        };
        let mut kinds = Vec::new();
        for document in serde_norway::Deserializer::from_str(&rendered) {
            match Value::deserialize(document) {
                Ok(value) => kinds.push(text(&value["kind"]).to_owned()),
                Err(error) => {
                    report.problem(format!("kubectl kustomize printed invalid YAML: {error}"));
                    return;
                }
            }
        }
        let expected = self.documents.len() + self.kustomization.config_map_generator.len();
        if kinds.len() != expected {
            report.problem(format!(
                "kubectl kustomize rendered {} objects, expected {expected}",
                kinds.len()
            ));
        }
        report.note(format!("kubectl kustomize: {}", kinds.join(", ")));
    }

    fn of_kind(&self, kind: &str) -> Vec<&Value> {
        let of_kind = self.documents.iter().filter(|(_, d)| d["kind"] == kind);
        of_kind.map(|(_, document)| document).collect()
    }

    fn service_container(&self) -> Option<&Value> {
        let deployment = self.of_kind("Deployment").into_iter().next()?;
        deployment["spec"]["template"]["spec"]["containers"].get(0)
    }

    fn probe_paths(&self) -> Vec<String> {
        let Some(container) = self.service_container() else {
            return Vec::new();
        };
        let probes = ["startupProbe", "readinessProbe", "livenessProbe"];
        let paths = probes.map(|probe| text(&container[probe]["httpGet"]["path"]).to_owned());
        let paths: BTreeSet<String> = paths.into_iter().filter(|p| !p.is_empty()).collect();
        paths.into_iter().collect()
    }
}

/// Every container runs as non-root on a read-only root filesystem, with requests and
/// limits, and the pod's configuration volume comes from the generated config map.
fn check_pod(file: &str, pod: &Value, report: &mut Report) {
    if pod["securityContext"]["runAsNonRoot"] != true {
        report.problem(format!("{file}: the pod may run as root"));
    }
    for container in pod["containers"].as_array().into_iter().flatten() {
        let name = text(&container["name"]);
        let security = &container["securityContext"];
        if security["readOnlyRootFilesystem"] != true {
            report.problem(format!("{file}: {name}'s root filesystem is writable"));
        }
        if security["allowPrivilegeEscalation"] != false {
            report.problem(format!("{file}: {name} may escalate privileges"));
        }
        for bound in ["requests", "limits"] {
            let resources = &container["resources"][bound];
            if resources["cpu"].is_null() || resources["memory"].is_null() {
                report.problem(format!("{file}: {name} has no cpu and memory {bound}"));
            }
        }
    }
}

/// The pod template of a Deployment or a Job.
fn pod_spec(document: &Value) -> Option<&Value> {
    let spec = &document["spec"]["template"]["spec"];
    spec.is_object().then_some(spec)
}

/// Whether every label of `selector` is on the pods (and it selects something).
fn selects(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .is_some_and(|s| !s.is_empty() && s.iter().all(|(k, v)| labels[k] == *v))
}

/// The dotted keys (`server.port`) of a TOML configuration's leaves.
fn setting_keys(toml_text: &str) -> Result<BTreeSet<String>> {
    fn walk(prefix: &str, table: &toml::Table, keys: &mut BTreeSet<String>) {
        for (key, value) in table {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            match value {
                toml::Value::Table(inner) => walk(&path, inner, keys),
                _ => {
                    keys.insert(path);
                }
            }
        }
    }
    let table: toml::Table = toml_text.parse()?;
    let mut keys = BTreeSet::new();
    walk("", &table, &mut keys);
    Ok(keys)
}

/// `APP__STARTUP__MIGRATE` → `startup.migrate`.
fn setting_of(variable: &str) -> Option<String> {
    let path = variable.strip_prefix("APP__")?;
    Some(
        path.split("__")
            .collect::<Vec<_>>()
            .join(".")
            .to_lowercase(),
    )
}

/// The variables of `CONVENTIONAL_VARIABLES` in the service's `config.rs`.
fn conventional_variables(config_rs: &str) -> BTreeSet<String> {
    let Some(start) = config_rs.find("CONVENTIONAL_VARIABLES") else {
        return BTreeSet::new();
    };
    let list = &config_rs[start..];
    let list = &list[..list.find("];").unwrap_or(list.len())];
    let pair = regex::Regex::new(r#"\("([A-Z_]+)", "[a-z_.]+"\)"#).expect("a valid pattern");
    pair.captures_iter(list).map(|c| c[1].to_owned()).collect()
}

fn text(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
}

fn join(items: &BTreeSet<String>) -> String {
    items.iter().cloned().collect::<Vec<_>>().join(", ")
}

fn read(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn variables_map_to_settings() {
        assert_eq!(
            setting_of("APP__STARTUP__MIGRATE").as_deref(),
            Some("startup.migrate")
        );
        assert_eq!(setting_of("DATABASE_URL"), None);
    }

    #[test]
    fn conventional_variables_are_read_from_the_service() {
        let config = r#"pub const CONVENTIONAL_VARIABLES: &[(&str, &str)] = &[
    // Set by platforms.
    ("PORT", "server.port"),
    ("DATABASE_URL", "database.url"),
];
const OTHER: &[(&str, &str)] = &[("NOT_THIS", "a.b")];"#;
        let found = conventional_variables(config);
        let expected: BTreeSet<String> = ["DATABASE_URL", "PORT"].map(String::from).into();
        assert_eq!(found, expected);
    }

    #[test]
    fn selectors_must_select_and_match() {
        let labels = serde_json::json!({ "app": "shop", "tier": "api" });
        assert!(selects(&serde_json::json!({ "app": "shop" }), &labels));
        assert!(!selects(&serde_json::json!({ "app": "other" }), &labels));
        assert!(!selects(&serde_json::json!({}), &labels));
    }

    const DEPLOYMENT: &str = r#"apiVersion: apps/v1
kind: Deployment
metadata:
  name: shop
spec:
  selector:
    matchLabels: { app: shop }
  template:
    metadata:
      labels: { app: shop }
    spec:
      securityContext: { runAsNonRoot: true }
      containers:
        - name: shop
          ports: [{ name: http, containerPort: 8080 }]
          env:
            - { name: APP_ENVIRONMENT, value: production }
            - { name: APP__SERVER__HOST, value: 0.0.0.0 }
            - { name: DATABASE_URL, value: "sqlite://x" }
          startupProbe: { httpGet: { path: /health/live, port: http } }
          readinessProbe: { httpGet: { path: /health/ready, port: http } }
          livenessProbe: { httpGet: { path: /health/live, port: http } }
          resources:
            requests: { cpu: 100m, memory: 64Mi }
            limits: { cpu: "1", memory: 256Mi }
          securityContext: { readOnlyRootFilesystem: true, allowPrivilegeEscalation: false }
"#;

    const SERVICE: &str = r#"apiVersion: v1
kind: Service
metadata: { name: shop }
spec:
  selector: { app: shop }
  ports: [{ name: http, port: 80, targetPort: http }]
"#;

    /// A project with a consistent base; `change` edits one file before the check.
    fn problems_after(change: impl FnOnce(&Path)) -> Vec<String> {
        let project = std::env::temp_dir().join(format!(
            "xtask-manifests-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&project);
        let dir = project.join(DIR);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::create_dir_all(project.join("config")).unwrap();
        std::fs::create_dir_all(project.join("crates/service/src")).unwrap();
        let files = [
            (
                "config/default.toml",
                "[server]\nhost = \"127.0.0.1\"\nport = 8080\n",
            ),
            (
                "crates/service/src/config.rs",
                "pub const CONVENTIONAL_VARIABLES: &[(&str, &str)] = &[\n    (\"DATABASE_URL\", \"database.url\"),\n];\n",
            ),
            (
                "deploy/k8s/kustomization.yaml",
                "resources: [deployment.yaml, service.yaml]\nconfigMapGenerator:\n  - { name: shop-config, files: [production.toml] }\n",
            ),
            (
                "deploy/k8s/production.toml",
                "[server]\nhost = \"0.0.0.0\"\n",
            ),
            ("deploy/k8s/deployment.yaml", DEPLOYMENT),
            ("deploy/k8s/service.yaml", SERVICE),
        ];
        for (path, text) in files {
            std::fs::write(project.join(path), text).unwrap();
        }
        change(&dir);
        let mut report = Report::default();
        let base = Base::load(&project).unwrap();
        base.check_files(&project, &mut report).unwrap();
        base.check_documents(&mut report);
        base.check_environment(&project, &mut report).unwrap();
        base.check_kustomize(&project, &mut report);
        let _ = std::fs::remove_dir_all(&project);
        report.problems
    }

    fn edit(dir: &Path, file: &str, from: &str, to: &str) {
        let path = dir.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains(from), "{from} in {file}");
        std::fs::write(path, text.replace(from, to)).unwrap();
    }

    #[test]
    fn a_base_kustomize_cannot_render_is_reported_where_kubectl_is_installed() {
        let installed = Command::new("kubectl")
            .arg("version")
            .arg("--client")
            .output();
        let problems = problems_after(|dir| {
            let kustomization = dir.join("kustomization.yaml");
            let mut text = std::fs::read_to_string(&kustomization).unwrap();
            text.push_str("patches:\n  - path: missing-patch.yaml\n");
            std::fs::write(kustomization, text).unwrap();
        });
        if installed.is_ok() {
            assert_eq!(problems.len(), 1, "{problems:?}");
            assert!(problems[0].contains("kubectl kustomize"), "{problems:?}");
            assert!(problems[0].contains("missing-patch.yaml"), "{problems:?}");
        } else {
            assert_eq!(problems, Vec::<String>::new());
        }
    }

    #[test]
    fn a_consistent_base_has_no_problems() {
        assert_eq!(problems_after(|_| {}), Vec::<String>::new());
    }

    #[test]
    fn each_disagreement_with_the_service_is_named() {
        let cases: [(&str, &str, &str, &str); 8] = [
            (
                "deployment.yaml",
                "containerPort: 8080",
                "containerPort: 9090",
                "server.port",
            ),
            (
                "deployment.yaml",
                "DATABASE_URL",
                "DB_URL",
                "does not read DB_URL",
            ),
            (
                "deployment.yaml",
                "APP__SERVER__HOST",
                "APP__SERVER__HOSTNAME",
                "HOSTNAME",
            ),
            (
                "deployment.yaml",
                "port: http } }\n          livenessProbe",
                "port: 81 } }\n          livenessProbe",
                "readinessProbe uses port",
            ),
            (
                "deployment.yaml",
                "readOnlyRootFilesystem: true",
                "readOnlyRootFilesystem: false",
                "writable",
            ),
            (
                "service.yaml",
                "selector: { app: shop }",
                "selector: { app: other }",
                "matches no pod",
            ),
            (
                "service.yaml",
                "apiVersion: v1",
                "apiVersion: v2",
                "unknown kind v2/Service",
            ),
            (
                "production.toml",
                "[server]",
                "[sever]",
                "no setting sever.host",
            ),
        ];
        for (file, from, to, expected) in cases {
            let problems = problems_after(|dir| edit(dir, file, from, to));
            assert!(
                problems.iter().any(|p| p.contains(expected)),
                "{file}: {from} -> {to}: {problems:?}"
            );
        }
        let unlisted =
            problems_after(|dir| std::fs::write(dir.join("extra.yaml"), SERVICE).unwrap());
        assert!(
            unlisted.iter().any(|p| p.contains("extra.yaml is not in")),
            "{unlisted:?}"
        );
    }

    #[test]
    fn setting_keys_are_the_leaves() {
        let keys = setting_keys("[server]\nport = 1\n[a.b]\nc = []\n").unwrap();
        let expected: BTreeSet<String> = ["a.b.c", "server.port"].map(String::from).into();
        assert_eq!(keys, expected);
    }
}
