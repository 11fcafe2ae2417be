//! The per-target files: updates.tsv, obsoletes.tsv and advisories.tsv (dnf's answers as
//! columns), the findings of the atomic `json` (security advisories as vulnerabilities, every
//! update as a result), and the historical CentOS `pipeline_scanner_results.json`.

use report::Vulnerability;
use serde_json::{json, Map, Value};

use crate::scan::Outcome;

/// `name epoch version release arch repoid`, one line per update, sorted.
pub fn updates_tsv(o: &Outcome) -> String {
    let mut lines: Vec<String> = o
        .updates
        .iter()
        .map(|u| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\n",
                u.name, u.evr.epoch, u.evr.version, u.evr.release, u.arch, u.repo
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines.concat()
}

/// The obsoleting package's six columns, then the obsoleted installed package's name, epoch,
/// version, release, arch; sorted.
pub fn obsoletes_tsv(o: &Outcome) -> String {
    let mut lines: Vec<String> = o
        .obsoletes
        .iter()
        .map(|x| {
            format!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n",
                x.name,
                x.evr.epoch,
                x.evr.version,
                x.evr.release,
                x.arch,
                x.repo,
                x.old_name,
                x.old_evr.epoch,
                x.old_evr.version,
                x.old_evr.release,
                x.old_arch
            )
        })
        .collect();
    lines.sort();
    lines.dedup();
    lines.concat()
}

/// `dnf updateinfo list` rows: `id label nevra`, sorted.
pub fn advisories_tsv(o: &Outcome) -> String {
    let mut lines: Vec<String> = o
        .advisory_rows
        .iter()
        .map(|h| format!("{}\t{}\t{}\n", h.id, h.label(), h.nevra))
        .collect();
    lines.sort();
    lines.dedup();
    lines.concat()
}

fn cve_url(id: &str) -> String {
    format!("https://access.redhat.com/security/cve/{id}")
}

/// One atomic vulnerability per security advisory that applies (an advisory package newer than
/// what is installed).
pub fn vulnerabilities(o: &Outcome) -> Vec<Vulnerability> {
    let mut out = Vec::new();
    let mut ids: Vec<&str> = o
        .advisory_rows
        .iter()
        .filter(|h| h.kind == "security")
        .map(|h| h.id.as_str())
        .collect();
    ids.sort();
    ids.dedup();
    for id in ids {
        let Some(a) = o.advisories.get(id) else {
            continue;
        };
        let severity = if a.severity.is_empty() {
            "Unknown".to_string()
        } else {
            a.severity.clone()
        };
        let title = if a.title.is_empty() {
            format!("{id} ({severity})")
        } else {
            format!("{id}: {} ({severity})", a.title)
        };
        let pkgs: Vec<Value> = o
            .advisory_rows
            .iter()
            .filter(|h| h.id == id)
            .map(|h| Value::String(h.nevra.clone()))
            .collect();
        let fixed_by: Vec<Value> = o
            .updates
            .iter()
            .filter(|u| u.advisories.iter().any(|x| x == id))
            .map(|u| Value::String(format!("{}-{}.{} ({})", u.name, u.evr, u.arch, u.repo)))
            .collect();
        let mut custom = Map::new();
        custom.insert("Advisory ID".into(), json!(id));
        custom.insert("Type".into(), json!(a.kind));
        custom.insert("Issued".into(), json!(a.issued));
        if !a.updated.is_empty() {
            custom.insert("Updated".into(), json!(a.updated));
        }
        if let Some(r) = a.references.iter().find(|r| r.kind == "self") {
            custom.insert("Advisory URL".into(), json!(r.href));
        }
        custom.insert("Packages".into(), Value::Array(pkgs));
        custom.insert("Available Updates".into(), Value::Array(fixed_by));
        let cves = a.cves();
        if !cves.is_empty() {
            custom.insert(
                "Associated CVEs".into(),
                Value::Array(
                    cves.iter()
                        .map(|c| {
                            // The advisory's own link when it has one.
                            let href = a
                                .references
                                .iter()
                                .find(|r| r.kind == "cve" && &r.id == c && !r.href.is_empty())
                                .map(|r| r.href.clone())
                                .unwrap_or_else(|| cve_url(c));
                            json!({"CVE ID": c, "CVE URL": href})
                        })
                        .collect(),
                ),
            );
        }
        out.push(Vulnerability {
            title,
            severity,
            description: a.description.trim().to_string(),
            custom: Value::Object(custom),
        });
    }
    out
}

/// One atomic result per update.
pub fn results(o: &Outcome) -> Vec<Value> {
    o.updates
        .iter()
        .map(|u| {
            let installed: Vec<Value> = u
                .installed
                .iter()
                .map(|(e, a)| Value::String(format!("{e}.{a}")))
                .collect();
            let advisories: Vec<Value> = u
                .advisories
                .iter()
                .map(|id| match o.advisories.get(id) {
                    Some(a) => json!({
                        "ID": id,
                        "Type": a.kind,
                        "Severity": a.severity,
                        "Issued": a.issued,
                        "CVEs": a.cves(),
                    }),
                    None => json!({ "ID": id }),
                })
                .collect();
            json!({"Custom": {
                "Name": u.name,
                "Arch": u.arch,
                "Installed": installed,
                "Available": u.evr.to_string(),
                "Repository": u.repo,
                "Advisories": advisories,
            }})
        })
        .collect()
}

/// Top-level custom block: summary counts, repos, obsoletes, warnings.
pub fn custom(o: &Outcome) -> Value {
    let repos: Vec<Value> = o
        .repos
        .iter()
        .map(|r| {
            let mut m = Map::new();
            m.insert("ID".into(), json!(r.id));
            m.insert("Enabled".into(), json!(r.enabled));
            if r.enabled {
                m.insert("Priority".into(), json!(r.priority));
                m.insert("GPG check".into(), json!(r.gpgcheck));
                if let Some(u) = &r.loaded_from {
                    m.insert("Base URL".into(), json!(u));
                    m.insert("Packages".into(), json!(r.packages));
                    m.insert("Advisories".into(), json!(r.advisories));
                }
                if let Some(e) = &r.error {
                    m.insert("Error".into(), json!(e));
                }
            }
            Value::Object(m)
        })
        .collect();
    let obsoletes: Vec<Value> = o
        .obsoletes
        .iter()
        .map(|x| {
            Value::String(format!(
                "{}-{}.{} ({}) obsoletes {}-{}.{}",
                x.name, x.evr, x.arch, x.repo, x.old_name, x.old_evr, x.old_arch
            ))
        })
        .collect();
    let mut m = Map::new();
    m.insert(
        "Summary".into(),
        json!(format!(
            "{} package updates, {} obsoleting packages, {} security advisories",
            o.updates.len(),
            o.obsoletes.len(),
            vulnerabilities(o).len()
        )),
    );
    if let Some(r) = &o.os_release {
        m.insert("OS Release".into(), json!(r));
    }
    m.insert(
        "Release version".into(),
        json!(o.releasever.clone().unwrap_or_default()),
    );
    m.insert("Base arch".into(), json!(o.basearch));
    m.insert("Installed packages".into(), json!(o.installed_count));
    m.insert("Repositories".into(), Value::Array(repos));
    if !obsoletes.is_empty() {
        m.insert("Obsoleting packages".into(), Value::Array(obsoletes));
    }
    if !o.warnings.is_empty() {
        m.insert("Warnings".into(), json!(o.warnings));
    }
    Value::Object(m)
}

/// The historical `pipeline_scanner_results.json` (CentOS pipeline-scanner): `uuid` is the
/// /scanin sub-directory name minus its first character (their quirk), times in
/// `%Y-%m-%d-%H-%M-%S-%f`. `result` is the outcome or the error text.
pub fn pipeline_json(
    dir_name: &str,
    start: &str,
    finish: &str,
    os_release: Option<&str>,
    result: Result<&Outcome, &str>,
) -> Value {
    let os = os_release.map(str::to_string).unwrap_or_else(|| {
        "Could not find OS release of image under test as /etc/os-release file does not exist."
            .to_string()
    });
    let (ok, updates, summary) = match result {
        Ok(o) => {
            let mut names: Vec<String> = o
                .updates
                .iter()
                .map(|u| format!("{}.{}", u.name, u.arch))
                .collect();
            names.dedup();
            let s = if names.is_empty() {
                "No RPM updates available."
            } else {
                "RPM updates available for the image."
            };
            (true, names, s.to_string())
        }
        Err(e) => (
            false,
            Vec::new(),
            format!("Error occured while processing yum updates. {e}"),
        ),
    };
    let uuid: String = dir_name.chars().skip(1).collect();
    let mut m = Map::new();
    m.insert("Start Time".into(), json!(start));
    m.insert("Successful".into(), json!(ok));
    m.insert("Scan Type".into(), json!("Image Scan"));
    m.insert("UUID".into(), json!(uuid));
    m.insert("CVE Feed Last Updated".into(), json!("NA"));
    m.insert("Scanner".into(), json!("pipeline-scanner"));
    m.insert(
        "Scan Results".into(),
        json!({"OS Release": os, "Package Updates": updates}),
    );
    m.insert("Summary".into(), json!(summary));
    m.insert("Finished Time".into(), json!(finish));
    Value::Object(m)
}
