//! Modularity (RHEL 8/9 AppStream): which module streams are active in the image, and the
//! packages dnf hides because of them (libdnf `setModuleExcludes`): artifacts of inactive
//! streams, and packages named like (or providing) an artifact of an active stream unless they
//! are artifacts of an active stream themselves. Installed packages and packages of
//! `module_hotfixes` repos are never hidden.
//!
//! Active streams: a stream enabled in `/etc/dnf/modules.d`, else the repos' default stream of a
//! module that is not disabled (nor set to another stream), plus the streams they require; only
//! contexts whose `platform` requirement names the image's platform (module_platform_id or
//! os-release PLATFORM_ID) count when the platform is known.

use std::collections::{BTreeMap, BTreeSet};

use serde_yaml::Value;

/// One `modulemd` document (a module stream build).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleStream {
    pub name: String,
    pub stream: String,
    pub version: u64,
    pub context: String,
    pub arch: String,
    /// `name-E:V-R.arch` strings.
    pub artifacts: Vec<String>,
    pub demodularized: Vec<String>,
    /// module name → acceptable streams (empty = any), from every `dependencies[].requires`.
    pub requires: Vec<(String, Vec<String>)>,
}

/// What a repo's modules.yaml holds.
#[derive(Debug, Clone, Default)]
pub struct ModuleMetadata {
    pub streams: Vec<ModuleStream>,
    /// module → default stream (`modulemd-defaults`).
    pub defaults: BTreeMap<String, String>,
}

/// modules.yaml could not be parsed.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct ModulesError {
    pub file: String,
    pub message: String,
}

fn s(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Bool(b) => b.to_string(),
        _ => String::new(),
    }
}

fn strings(v: Option<&Value>) -> Vec<String> {
    match v {
        Some(Value::Sequence(seq)) => seq.iter().map(s).collect(),
        Some(Value::String(x)) => vec![x.clone()],
        _ => Vec::new(),
    }
}

/// Parses a modules.yaml stream (all its documents).
pub fn parse(text: &str, file: &str) -> Result<ModuleMetadata, ModulesError> {
    let mut out = ModuleMetadata::default();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let v =
            serde::Deserialize::deserialize(doc).map_err(|e: serde_yaml::Error| ModulesError {
                file: file.to_string(),
                message: e.to_string(),
            })?;
        let v: Value = v;
        let kind = v.get("document").map(s).unwrap_or_default();
        let Some(data) = v.get("data") else { continue };
        match kind.as_str() {
            "modulemd" => {
                let mut requires = Vec::new();
                if let Some(Value::Sequence(deps)) = data.get("dependencies") {
                    for d in deps {
                        if let Some(Value::Mapping(req)) = d.get("requires") {
                            for (k, streams) in req {
                                requires.push((s(k), strings(Some(streams))));
                            }
                        }
                    }
                }
                let artifacts = strings(data.get("artifacts").and_then(|a| a.get("rpms")));
                let demodularized = strings(data.get("demodularized").and_then(|a| a.get("rpms")));
                out.streams.push(ModuleStream {
                    name: data.get("name").map(s).unwrap_or_default(),
                    stream: data.get("stream").map(s).unwrap_or_default(),
                    version: data.get("version").and_then(Value::as_u64).unwrap_or(0),
                    context: data.get("context").map(s).unwrap_or_default(),
                    arch: data.get("arch").map(s).unwrap_or_default(),
                    artifacts,
                    demodularized,
                    requires,
                });
            }
            "modulemd-defaults" => {
                let m = data.get("module").map(s).unwrap_or_default();
                if let Some(st) = data.get("stream") {
                    out.defaults.insert(m, s(st));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A module's state in `/etc/dnf/modules.d/<name>.module`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ModuleState {
    pub stream: String,
    /// "enabled", "disabled" or "" (default).
    pub state: String,
}

/// Parses the modules.d files' sections.
pub fn parse_state(text: &[u8], into: &mut BTreeMap<String, ModuleState>) {
    // A file dnf cannot parse sets no state here.
    for sec in crate::ini::parse_bytes(text).unwrap_or_default() {
        let name = sec.get("name").unwrap_or(&sec.name).to_string();
        into.insert(
            name,
            ModuleState {
                stream: sec.get("stream").unwrap_or_default().to_string(),
                state: sec.get("state").unwrap_or_default().to_ascii_lowercase(),
            },
        );
    }
}

/// The masking decided from the active streams.
#[derive(Debug, Clone, Default)]
pub struct Masking {
    /// NEVRAs (`name-E:V-R.arch`) of active artifacts: never hidden.
    pub include: BTreeSet<String>,
    /// NEVRAs of inactive streams' artifacts.
    pub exclude: BTreeSet<String>,
    /// Names of active artifacts: other packages with or providing these names are hidden.
    pub names: BTreeSet<String>,
    /// `name:stream` pairs found active (for the report).
    pub active: BTreeSet<String>,
}

fn platform_ok(m: &ModuleStream, platform: Option<&str>) -> bool {
    let Some(p) = platform else { return true };
    let Some(stream) = p.strip_prefix("platform:") else {
        return true;
    };
    let reqs: Vec<&Vec<String>> = m
        .requires
        .iter()
        .filter(|(k, _)| k == "platform")
        .map(|(_, v)| v)
        .collect();
    if reqs.is_empty() {
        return true;
    }
    reqs.iter().any(|streams| stream_matches(streams, stream))
}

/// modulemd stream lists: empty = any; `-x` excludes x.
fn stream_matches(streams: &[String], stream: &str) -> bool {
    if streams.is_empty() {
        return true;
    }
    let negative: Vec<&str> = streams.iter().filter_map(|s| s.strip_prefix('-')).collect();
    if negative.contains(&stream) {
        return false;
    }
    if streams.iter().all(|s| s.starts_with('-')) {
        return true;
    }
    streams.iter().any(|s| s == stream)
}

/// Computes the masking for the given module metadata and image state.
pub fn masking(
    md: &ModuleMetadata,
    state: &BTreeMap<String, ModuleState>,
    platform: Option<&str>,
) -> Masking {
    // Streams enabled explicitly or by default.
    let mut active: BTreeMap<String, String> = BTreeMap::new();
    let names: BTreeSet<&str> = md.streams.iter().map(|m| m.name.as_str()).collect();
    for name in names {
        match state.get(name) {
            Some(st) if st.state == "disabled" => {}
            Some(st) if st.state == "enabled" && !st.stream.is_empty() => {
                active.insert(name.to_string(), st.stream.clone());
            }
            Some(st) if !st.stream.is_empty() => {
                active.insert(name.to_string(), st.stream.clone());
            }
            _ => {
                if let Some(d) = md.defaults.get(name) {
                    active.insert(name.to_string(), d.clone());
                }
            }
        }
    }
    // Module dependencies (fixpoint).
    loop {
        let mut added = false;
        let current: Vec<(String, String)> =
            active.iter().map(|(a, b)| (a.clone(), b.clone())).collect();
        for (name, stream) in current {
            for m in md
                .streams
                .iter()
                .filter(|m| m.name == name && m.stream == stream && platform_ok(m, platform))
            {
                for (dep, streams) in &m.requires {
                    if dep == "platform" || active.contains_key(dep) {
                        continue;
                    }
                    if state.get(dep).is_some_and(|s| s.state == "disabled") {
                        continue;
                    }
                    let pick = streams
                        .iter()
                        .find(|s| !s.starts_with('-'))
                        .cloned()
                        .or_else(|| md.defaults.get(dep).cloned());
                    if let Some(p) = pick {
                        active.insert(dep.clone(), p);
                        added = true;
                    }
                }
            }
        }
        if !added {
            break;
        }
    }
    let mut out = Masking::default();
    for m in &md.streams {
        let is_active = active.get(&m.name) == Some(&m.stream) && platform_ok(m, platform);
        if is_active {
            out.active.insert(format!("{}:{}", m.name, m.stream));
            for a in &m.artifacts {
                out.include.insert(a.clone());
                if let Some((name, arch)) = nevra_name_arch(a) {
                    if arch != "src"
                        && arch != "nosrc"
                        && !m.demodularized.iter().any(|d| d == name)
                    {
                        out.names.insert(name.to_string());
                    }
                }
            }
        } else {
            out.exclude.extend(m.artifacts.iter().cloned());
        }
    }
    out
}

/// Name and arch of `name-[E:]V-R.arch`.
fn nevra_name_arch(s: &str) -> Option<(&str, &str)> {
    let (rest, arch) = s.rsplit_once('.')?;
    let (rest, _release) = rest.rsplit_once('-')?;
    let (name, _version) = rest.rsplit_once('-')?;
    Some((name, arch))
}

/// The `name-E:V-R.arch` key of a package, as artifacts list them.
pub fn nevra_key(name: &str, evr: &crate::model::Evr, arch: &str) -> String {
    format!(
        "{}-{}:{}-{}.{}",
        name, evr.epoch, evr.version, evr.release, arch
    )
}

/// Normalises an artifact string to [`nevra_key`] form (adds `0:` when the epoch is missing).
pub fn normalize_artifact(a: &str) -> String {
    let Some((rest, arch)) = a.rsplit_once('.') else {
        return a.to_string();
    };
    let Some((nv, release)) = rest.rsplit_once('-') else {
        return a.to_string();
    };
    let Some((name, version)) = nv.rsplit_once('-') else {
        return a.to_string();
    };
    if version.contains(':') {
        a.to_string()
    } else {
        format!("{name}-0:{version}-{release}.{arch}")
    }
}
