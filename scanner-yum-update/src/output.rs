//! The per-target files: updates.tsv, obsoletes.tsv and advisories.tsv (dnf's answers as
//! columns), the findings of the atomic `json` (security advisories as vulnerabilities, every
//! update as a result), and the historical CentOS `pipeline_scanner_results.json`.

use report::Vulnerability;
use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::metadata::updateinfo::Advisory;
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

/// The security advisories that apply (an advisory package newer than what is installed),
/// sorted by id.
fn security_advisories(o: &Outcome) -> Vec<(&str, &Advisory)> {
    let mut ids: Vec<&str> = o
        .advisory_rows
        .iter()
        .filter(|h| h.kind == "security")
        .map(|h| h.id.as_str())
        .collect();
    ids.sort();
    ids.dedup();
    ids.into_iter()
        .filter_map(|id| o.advisories.get(id).map(|a| (id, a)))
        .collect()
}

/// One atomic vulnerability per security advisory that applies.
pub fn vulnerabilities(o: &Outcome) -> Vec<Vulnerability> {
    let advisories = security_advisories(o);
    // Each advisory's rows and the updates that fix it, in their order, in one pass over each.
    let mut pkgs: HashMap<&str, Vec<Value>> =
        advisories.iter().map(|(id, _)| (*id, Vec::new())).collect();
    for h in &o.advisory_rows {
        if let Some(v) = pkgs.get_mut(h.id.as_str()) {
            v.push(Value::String(h.nevra.clone()));
        }
    }
    let mut fixed_by: HashMap<&str, Vec<Value>> =
        advisories.iter().map(|(id, _)| (*id, Vec::new())).collect();
    for u in &o.updates {
        for (i, x) in u.advisories.iter().enumerate() {
            if u.advisories[..i].contains(x) {
                continue;
            }
            if let Some(v) = fixed_by.get_mut(x.as_str()) {
                v.push(Value::String(format!(
                    "{}-{}.{} ({})",
                    u.name, u.evr, u.arch, u.repo
                )));
            }
        }
    }
    let mut out = Vec::new();
    for (id, a) in advisories {
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
        let pkgs = pkgs.remove(id).unwrap_or_default();
        let fixed_by = fixed_by.remove(id).unwrap_or_default();
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
    // Maps built at their final size (what json! would give, without growing each of them).
    fn object<const N: usize>(entries: [(&str, Value); N]) -> Value {
        let mut m = Map::with_capacity(N);
        for (k, v) in entries {
            m.insert(k.to_string(), v);
        }
        Value::Object(m)
    }
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
                    Some(a) => object([
                        ("ID", Value::String(id.clone())),
                        ("Type", Value::String(a.kind.clone())),
                        ("Severity", Value::String(a.severity.clone())),
                        ("Issued", Value::String(a.issued.clone())),
                        (
                            "CVEs",
                            Value::Array(a.cves().into_iter().map(Value::String).collect()),
                        ),
                    ]),
                    None => object([("ID", Value::String(id.clone()))]),
                })
                .collect();
            object([(
                "Custom",
                object([
                    ("Name", Value::String(u.name.clone())),
                    ("Arch", Value::String(u.arch.clone())),
                    ("Installed", Value::Array(installed)),
                    ("Available", Value::String(u.evr.to_string())),
                    ("Repository", Value::String(u.repo.clone())),
                    ("Advisories", Value::Array(advisories)),
                ]),
            )])
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
            security_advisories(o).len()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advisories::AdvisoryHit;
    use crate::model::Evr;
    use crate::scan::Update;

    fn hit(id: &str, kind: &str, nevra: &str) -> AdvisoryHit {
        AdvisoryHit {
            nevra: nevra.into(),
            id: id.into(),
            kind: kind.into(),
            severity: "Important".into(),
            name: String::new(),
            arch: String::new(),
            evr: Evr::new(0, "1", "1"),
        }
    }

    fn update(name: &str, advisories: &[&str]) -> Update {
        Update {
            name: name.into(),
            evr: Evr::new(0, "2", "1"),
            arch: "noarch".into(),
            repo: "r".into(),
            installed: Vec::new(),
            advisories: advisories.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// Each security advisory lists its own rows and the updates fixing it, in their order;
    /// rows of other types, and of advisories the metadata does not hold, make none.
    #[test]
    fn vulnerabilities_list_their_packages_and_fixing_updates() {
        let mut o = Outcome::default();
        for (id, kind) in [("S-2", "security"), ("S-1", "security"), ("B-1", "bugfix")] {
            o.advisories.insert(
                id.into(),
                Advisory {
                    id: id.into(),
                    kind: kind.into(),
                    ..Advisory::default()
                },
            );
        }
        o.advisory_rows = vec![
            hit("S-1", "security", "a-1-1.noarch"),
            hit("S-2", "security", "b-1-1.noarch"),
            hit("S-1", "security", "c-1-1.noarch"),
            hit("B-1", "bugfix", "d-1-1.noarch"),
            hit("S-9", "security", "e-1-1.noarch"),
        ];
        o.updates = vec![
            update("c", &["S-1"]),
            update("b", &["B-1", "S-2", "S-1"]),
            update("d", &["B-1"]),
        ];
        let v = vulnerabilities(&o);
        let ids: Vec<&str> = v
            .iter()
            .map(|x| x.custom["Advisory ID"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["S-1", "S-2"]);
        assert_eq!(
            v[0].custom["Packages"],
            json!(["a-1-1.noarch", "c-1-1.noarch"])
        );
        assert_eq!(
            v[0].custom["Available Updates"],
            json!(["c-2-1.noarch (r)", "b-2-1.noarch (r)"])
        );
        assert_eq!(v[1].custom["Packages"], json!(["b-1-1.noarch"]));
        assert_eq!(
            v[1].custom["Available Updates"],
            json!(["b-2-1.noarch (r)"])
        );
        assert_eq!(
            custom(&o)["Summary"],
            "3 package updates, 0 obsoleting packages, 2 security advisories"
        );
    }

    /// Every update's result, keys in their order (the json file keeps it).
    #[test]
    fn results_name_the_update_and_its_advisories() {
        let mut o = Outcome::default();
        o.advisories.insert(
            "S-1".into(),
            Advisory {
                id: "S-1".into(),
                kind: "security".into(),
                severity: "Low".into(),
                issued: "2026-01-01".into(),
                references: vec![crate::metadata::updateinfo::Reference {
                    kind: "cve".into(),
                    id: "CVE-1".into(),
                    href: String::new(),
                    title: String::new(),
                }],
                ..Advisory::default()
            },
        );
        let mut u = update("b", &["S-1", "X-9"]);
        u.installed = vec![(Evr::new(1, "1", "2"), "noarch".into())];
        o.updates = vec![u];
        let want = json!([{"Custom": {
            "Name": "b",
            "Arch": "noarch",
            "Installed": ["1:1-2.noarch"],
            "Available": "2-1",
            "Repository": "r",
            "Advisories": [
                {"ID": "S-1", "Type": "security", "Severity": "Low", "Issued": "2026-01-01", "CVEs": ["CVE-1"]},
                {"ID": "X-9"},
            ],
        }}]);
        let got = Value::Array(results(&o));
        assert_eq!(got, want);
        assert_eq!(got.to_string(), want.to_string());
    }
}
