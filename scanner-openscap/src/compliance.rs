//! The `configuration_compliance` scan: an XCCDF profile of a SCAP source data stream (the SCAP
//! Security Guide's `ssg-<product>-ds.xml`) evaluated on one image, with the `openscap-xccdf`
//! crate deciding rules and this crate's OVAL engine ([`NativeOval`]) evaluating their checks.
//! Writes what the historical scanner wrote for such a scan: `json`, `arf.xml`, `report.html`,
//! `fix.sh` (with `--fix-type bash`), plus `results.tsv` (rule id and result).

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use openscap_xccdf::{
    ComplianceOptions, DataStreamCollection, Engine, OvalEvaluator, OvalOutcome, OvalRequest,
    OvalResult,
};
use report::ScanResult;

use crate::eval::Engine as OvalEngine;
use crate::probes::ImageProbes;
use crate::result::OvalResult as Native;

/// Where distributions install the SCAP Security Guide data streams.
pub use openscap_xccdf::content::DEFAULT_CONTENT_DIR;

/// This crate's OVAL engine behind the XCCDF crate's evaluator trait. While some object kind of
/// the document has no collector, `unknown` and `error` results become "not evaluated" (XCCDF
/// `notchecked`), so gaps in the collectors never turn into pass or fail verdicts.
///
/// A data stream's OVAL component (15 MB in SSG) is parsed once and reused for every target and
/// every rule that refers to it; only collection and evaluation happen per target.
#[derive(Default)]
pub struct NativeOval {
    /// Parsed documents with the exact text they were parsed from.
    parsed: Mutex<Vec<(String, Arc<crate::model::Document>)>>,
}

impl NativeOval {
    /// The parsed form of `text`, parsing it on first use.
    fn document(&self, text: &str) -> Result<Arc<crate::model::Document>, crate::xml::XmlError> {
        let mut parsed = self.parsed.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((_, doc)) = parsed.iter().find(|(t, _)| t == text) {
            return Ok(doc.clone());
        }
        let doc = Arc::new(crate::parse::parse_reader(text.as_bytes())?);
        parsed.push((text.to_string(), doc.clone()));
        Ok(doc)
    }
}

fn to_xccdf(r: Native) -> OvalResult {
    match r {
        Native::True => OvalResult::True,
        Native::False => OvalResult::False,
        Native::Unknown => OvalResult::Unknown,
        Native::Error => OvalResult::Error,
        Native::NotEvaluated => OvalResult::NotEvaluated,
        Native::NotApplicable => OvalResult::NotApplicable,
    }
}

impl OvalEvaluator for NativeOval {
    fn evaluate(
        &self,
        root: &rootfs::Rootfs,
        req: &OvalRequest<'_>,
    ) -> Result<OvalOutcome, Box<dyn std::error::Error + Send + Sync>> {
        let doc = self.document(req.document)?;
        // The document's schema version decides which entities some items carry.
        let probes = ImageProbes::for_document(rootfs::Rootfs::open(root.host_path())?, &doc);
        let mut engine = OvalEngine::live(&doc, &probes);
        for (id, values) in req.external_variables {
            engine.set_external(id, values.clone());
        }
        let mut results = BTreeMap::new();
        for d in req.definition_ids {
            let r = match to_xccdf(engine.definition(d)) {
                OvalResult::Unknown | OvalResult::Error if !engine.unsupported.is_empty() => {
                    OvalResult::NotEvaluated
                }
                other => other,
            };
            results.insert(d.clone(), r);
        }
        Ok(OvalOutcome {
            results,
            results_document: None,
        })
    }
}

/// What the compliance scan evaluates, shared by every target of a run.
#[derive(Debug, Clone)]
pub struct ComplianceConfig {
    /// The data stream; None: chosen per image from `content_dir` by its os-release.
    pub datastream: Option<PathBuf>,
    /// Directory of `ssg-<product>-ds.xml` files.
    pub content_dir: PathBuf,
    /// Profile id or unique suffix (`standard`, `xccdf_org.ssgproject.content_profile_stig`).
    pub profile: Option<String>,
    pub datastream_id: Option<String>,
    pub xccdf_id: Option<String>,
    pub engine: Engine,
    /// Also write `report.html`.
    pub report: bool,
    /// Also write `fix.sh` (bash remediation of the failed rules).
    pub fix: bool,
}

/// Content parsed once per run, shared by its targets: data streams (real ones are 20+ MB),
/// keyed by path, and their OVAL components (in the evaluator).
#[derive(Default)]
pub struct DataStreamCache {
    loaded: Mutex<HashMap<PathBuf, Arc<DataStreamCollection>>>,
    oval: NativeOval,
}

impl DataStreamCache {
    fn get(&self, path: &Path) -> Result<Arc<DataStreamCollection>, openscap_xccdf::Error> {
        let mut map = self.loaded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(ds) = map.get(path) {
            return Ok(ds.clone());
        }
        let ds = Arc::new(DataStreamCollection::load(path)?);
        map.insert(path.to_path_buf(), ds.clone());
        Ok(ds)
    }
}

/// A compliance scan that could not produce results for a target.
#[derive(Debug, thiserror::Error)]
pub enum ComplianceError {
    #[error("cannot open the image root {path}: {source}")]
    Root {
        path: PathBuf,
        #[source]
        source: rootfs::Error,
    },
    #[error(transparent)]
    Xccdf(#[from] openscap_xccdf::Error),
}

/// Evaluates the configured profile on the image at `root_path`.
pub fn scan(
    root_path: &Path,
    cfg: &ComplianceConfig,
    cache: &DataStreamCache,
) -> Result<ScanResult, ComplianceError> {
    let root = rootfs::Rootfs::open(root_path).map_err(|source| ComplianceError::Root {
        path: root_path.to_path_buf(),
        source,
    })?;
    let datastream = match &cfg.datastream {
        Some(p) => p.clone(),
        None => match openscap_xccdf::content::pick_datastream(&root, &cfg.content_dir) {
            Ok(p) => p,
            // An image the content does not cover is "not supported for this scan", as the
            // historical scanner said for images without a matching CPE.
            Err(e) => return Ok(ScanResult::failure(e.to_string())),
        },
    };
    let mut opts = ComplianceOptions::new(&datastream).engine(cfg.engine);
    opts.profile = cfg.profile.clone();
    opts.datastream_id = cfg.datastream_id.clone();
    opts.xccdf_id = cfg.xccdf_id.clone();
    let eval = match cfg.engine {
        Engine::Native => {
            let ds = cache.get(&datastream)?;
            openscap_xccdf::evaluate_loaded(&root, &ds, &opts, &cache.oval)?
        }
        Engine::Oscap => openscap_xccdf::evaluate(&root, &opts, &cache.oval)?,
    };
    let outputs = openscap_xccdf::outputs::OutputOptions {
        report: cfg.report,
        fix_bash: cfg.fix,
        ..Default::default()
    };
    let files = openscap_xccdf::outputs::files(&eval, &outputs)?;
    let datastream_name = datastream
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut result = openscap_xccdf::atomic::scan_result(&eval.result, &datastream_name);
    result.extra_files = files;
    Ok(result)
}
