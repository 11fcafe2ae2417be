//! The `cve` scan of one image: choose the feed (or take `--oval`), evaluate it with the image
//! collectors, and build atomic's result: one vulnerability per true definition in the
//! historical openscap-daemon shape, plus `cve.xml` (OVAL results) and `results.tsv`.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use report::document::{ScanResult, Vulnerability};
use serde_json::{json, Map, Value};

use crate::eval::Engine;
use crate::feed;
use crate::model::{Definition, Document};
use crate::probes::ImageProbes;
use crate::result::OvalResult;
use crate::results_xml::{self, SystemInfo};

/// Why a target could not be scanned at all (an image that is not the feed's product is a
/// scan result, not an error).
#[derive(Debug, thiserror::Error)]
pub enum ScanError {
    #[error("opening image root {path}: {source}")]
    Root {
        path: PathBuf,
        #[source]
        source: rootfs::Error,
    },
    #[error("reading OVAL feed {path}: {source}")]
    Feed {
        path: PathBuf,
        #[source]
        source: crate::xml::XmlError,
    },
}

/// Where feeds come from.
#[derive(Debug, Clone)]
pub struct CveConfig {
    /// A feed forced for every target (`--oval`).
    pub oval: Option<PathBuf>,
    /// Directory holding feeds named `<id>-<major>.oval.xml[.bz2]` or
    /// `com.redhat.rhsa-RHEL<major>.xml[.bz2]`.
    pub content_dir: PathBuf,
    /// URL template (`{id}`, `{major}` replaced from os-release) of the feed to download when
    /// the content directory has none for the image's product.
    pub feed_url: Option<String>,
}

/// Feeds parsed (and downloaded) once per run and shared by the targets.
#[derive(Default)]
pub struct FeedCache {
    map: Mutex<HashMap<PathBuf, Arc<Document>>>,
    downloads: Mutex<HashMap<String, Result<PathBuf, String>>>,
    dir: Mutex<Option<tempfile::TempDir>>,
}

impl FeedCache {
    /// Removes the downloaded feeds (the parsed ones stay usable).
    pub fn remove_downloads(&self) {
        self.dir.lock().unwrap_or_else(|e| e.into_inner()).take();
    }

    /// The local copy of the feed at `url`, downloaded on first use into a private directory
    /// that lives as long as the cache.
    pub fn download(&self, url: &str) -> Result<PathBuf, String> {
        let mut downloads = self.downloads.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(r) = downloads.get(url) {
            return r.clone();
        }
        let r = (|| {
            let mut dir = self.dir.lock().unwrap_or_else(|e| e.into_inner());
            if dir.is_none() {
                *dir = Some(
                    tempfile::Builder::new()
                        .prefix("scanner-openscap-")
                        .tempdir()
                        .map_err(|e| format!("temporary directory: {e}"))?,
                );
            }
            let base = dir
                .as_ref()
                .map(|d| d.path().to_path_buf())
                .unwrap_or_default();
            let sub = base.join(downloads.len().to_string());
            std::fs::create_dir(&sub).map_err(|e| format!("{}: {e}", sub.display()))?;
            crate::fetch::download(url, &sub).map_err(|e| format!("downloading the feed: {e}"))
        })();
        downloads.insert(url.to_string(), r.clone());
        r
    }

    /// The parsed feed at `path`.
    pub fn get(&self, path: &Path) -> Result<Arc<Document>, ScanError> {
        if let Some(d) = self.map.lock().unwrap_or_else(|e| e.into_inner()).get(path) {
            return Ok(d.clone());
        }
        let doc = Arc::new(
            crate::parse::parse_file(path).map_err(|source| ScanError::Feed {
                path: path.to_path_buf(),
                source,
            })?,
        );
        self.map
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), doc.clone());
        Ok(doc)
    }
}

/// The vulnerability item of a true definition (openscap-daemon's summarize_cve_results).
pub fn vulnerability(d: &Definition) -> Vulnerability {
    let mut custom = Map::new();
    if let Some(r) = d.references.iter().find(|r| r.source == "RHSA") {
        custom.insert("RHSA ID".into(), Value::String(or_unknown(&r.ref_id)));
        custom.insert("RHSA URL".into(), Value::String(or_unknown(&r.ref_url)));
    }
    let cves: Vec<Value> = d
        .references
        .iter()
        .filter(|r| r.source == "CVE")
        .map(|r| json!({"CVE ID": or_unknown(&r.ref_id), "CVE URL": or_unknown(&r.ref_url)}))
        .collect();
    if !cves.is_empty() {
        custom.insert("Associated CVEs".into(), Value::Array(cves));
    }
    Vulnerability {
        title: d.title.clone().unwrap_or_else(|| "unknown".into()),
        severity: d.severity.clone().unwrap_or_else(|| "unknown".into()),
        description: d.description.clone().unwrap_or_else(|| "unknown".into()),
        custom: Value::Object(custom),
    }
}

fn or_unknown(s: &str) -> String {
    if s.is_empty() {
        "unknown".into()
    } else {
        s.to_string()
    }
}

/// `definition_id<TAB>result` lines, sorted by id.
pub fn results_tsv(results: &[(String, OvalResult)]) -> Vec<u8> {
    let mut v: Vec<_> = results.iter().collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    for (id, r) in v {
        out.push_str(id);
        out.push('\t');
        out.push_str(r.as_str());
        out.push('\n');
    }
    out.into_bytes()
}

/// The feed's generator timestamp as `%Y-%m-%dT%H:%M:%S`, or "unknown".
pub fn feed_timestamp(doc: &Document) -> String {
    match doc.timestamp.as_deref().and_then(|t| t.get(..19)) {
        Some(t) if t.as_bytes()[10] == b'T' => t.to_string(),
        _ => "unknown".into(),
    }
}

/// Current UTC time for the results document.
fn now_utc() -> String {
    let f = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    time::OffsetDateTime::now_utc()
        .format(&f)
        .unwrap_or_else(|_| "1970-01-01T00:00:00".into())
}

/// Scans one image root.
pub fn scan(root_path: &Path, cfg: &CveConfig, cache: &FeedCache) -> Result<ScanResult, ScanError> {
    let root = rootfs::Rootfs::open(root_path).map_err(|source| ScanError::Root {
        path: root_path.to_path_buf(),
        source,
    })?;
    let os = rootfs::os_release::load(&root).ok().flatten();
    let info = SystemInfo {
        os_name: os.as_ref().and_then(|o| o.name.clone()).unwrap_or_default(),
        os_version: os
            .as_ref()
            .and_then(|o| o.version.clone())
            .unwrap_or_default(),
    };
    let mut probes = ImageProbes::new(root);
    let feed_path = match &cfg.oval {
        Some(p) => p.clone(),
        None => {
            let chosen = feed::detect(probes.root()).and_then(|product| {
                if product.id == "rhel" {
                    match probes.packages() {
                        Ok(pkgs) => feed::confirm(&product, pkgs)?,
                        Err(e) => {
                            return Ok(Err(format!(
                                "{}: cannot read the rpm database: {e}",
                                product.pretty_name
                            )))
                        }
                    }
                }
                match (feed::find_feed(&cfg.content_dir, &product), &cfg.feed_url) {
                    (Ok(path), _) => Ok(Ok(path)),
                    (Err(feed::FeedError::NoFeed { .. }), Some(template)) => {
                        let url = template
                            .replace("{id}", &product.id)
                            .replace("{major}", &product.major);
                        Ok(cache.download(&url))
                    }
                    (Err(e), _) => Err(e),
                }
            });
            match chosen {
                Ok(Ok(p)) => p,
                Ok(Err(reason)) => return Ok(failure(reason)),
                Err(e) => return Ok(failure(e.to_string())),
            }
        }
    };
    let timing = std::env::var_os("SCANNER_OPENSCAP_TIMING").is_some();
    let t0 = std::time::Instant::now();
    let doc = cache.get(&feed_path)?;
    let t_parse = t0.elapsed();
    probes.set_document(&doc);
    let mut engine = Engine::live(&doc, &probes);
    let results = engine.evaluate_all();
    let t_eval = t0.elapsed();

    let mut result = ScanResult::success();
    result.scan_type = Some("CVE".into());
    result.cve_feed_last_updated = Some(feed_timestamp(&doc));
    // oscap lists definitions in reverse document order in its results document, and
    // openscap-daemon listed the vulnerabilities in results-document order: so do we.
    let reported: Vec<(String, OvalResult)> = results.iter().rev().cloned().collect();
    result.vulnerabilities = Some(
        reported
            .iter()
            .filter(|(_, r)| *r == OvalResult::True)
            .filter_map(|(id, _)| doc.definition(id))
            .map(vulnerability)
            .collect(),
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for (_, r) in &results {
        *counts.entry(r.as_str()).or_default() += 1;
    }
    let mut custom = Map::new();
    custom.insert(
        "OVAL feed".into(),
        Value::String(
            feed_path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
        ),
    );
    custom.insert(
        "Definition results".into(),
        Value::Object(
            counts
                .into_iter()
                .map(|(k, v)| (k.to_string(), Value::from(v)))
                .collect(),
        ),
    );
    if !engine.unsupported.is_empty() {
        let mut u: Vec<_> = engine.unsupported.iter().collect();
        u.sort();
        custom.insert(
            "Objects not supported (tests unknown)".into(),
            Value::Object(
                u.into_iter()
                    .map(|(k, v)| (k.clone(), Value::from(*v)))
                    .collect(),
            ),
        );
    }
    result.custom = Some(Value::Object(custom));
    let defs_xml =
        results_xml::copy_definitions(&feed_path, doc.source_span).map_err(|source| {
            ScanError::Feed {
                path: feed_path.clone(),
                source,
            }
        })?;
    let xml = results_xml::render(&mut engine, &reported, &defs_xml, &info, &now_utc());
    if timing {
        eprintln!(
            "timing: parse {:?}, evaluate {:?}, results document {:?}",
            t_parse,
            t_eval - t_parse,
            t0.elapsed() - t_eval
        );
    }
    result.extra_files = vec![
        ("cve.xml".into(), xml),
        ("results.tsv".into(), results_tsv(&results)),
    ];
    Ok(result)
}

fn failure(reason: String) -> ScanResult {
    let mut r = ScanResult::failure(reason);
    r.scan_type = Some("CVE".into());
    r
}
