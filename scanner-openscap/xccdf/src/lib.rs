//! XCCDF 1.2 configuration-compliance evaluation of SCAP 1.2/1.3 source data streams (SCAP
//! Security Guide `ssg-*-ds.xml`) against an offline image root, for scanner-openscap's
//! `configuration_compliance` scan type.
//!
//! Two engines give one [`ComplianceResult`]:
//! - [`Engine::Native`]: this crate does the XCCDF side (profile resolution with `extends`,
//!   `select`/`refine-value`/`set-value`/`refine-rule`, groups, CPE applicability through the data
//!   stream's CPE dictionary and CPE-AL platforms, check selection, Value export to OVAL external
//!   variables, `multi-check`, `complex-check`, `negate`, the default scoring model) and asks an
//!   [`OvalEvaluator`] (scanner-openscap's OVAL engine) for definition results. Rules whose
//!   checks cannot be evaluated (OCIL only, remote content, definitions the engine reports as
//!   not evaluated) are `notchecked`, never pass or fail.
//! - [`Engine::Oscap`]: runs the installed `oscap xccdf eval` with `OSCAP_PROBE_ROOT` (see
//!   [`oscap`]) and translates its ARF.
//!
//! Entry points for scanner-openscap's main:
//! ```no_run
//! # use openscap_xccdf::*;
//! # use std::path::Path;
//! # fn f(root: &rootfs::Rootfs, oval: &dyn OvalEvaluator) -> Result<(), Error> {
//! // --list-profiles
//! for p in list_profiles(Path::new("/usr/share/xml/scap/ssg/content/ssg-rhel8-ds.xml"))? {
//!     println!("{}\t{}\t{}", p.id, p.selected_rules, p.title);
//! }
//! // Without --datastream: the SSG data stream of the image's OS.
//! let ds = content::pick_datastream(root, Path::new(content::DEFAULT_CONTENT_DIR))?;
//! let mut opts = ComplianceOptions::new(ds).profile("standard").engine(Engine::Native);
//! opts.oscap.container_marker = ContainerMarker::Off; // oscap engine only
//! let eval = evaluate(root, &opts, oval)?;
//! for w in &eval.result.warnings {
//!     eprintln!("warning: {w}");
//! }
//! // The atomic result (the report crate writes it as json), and results.tsv, arf.xml,
//! // report.html, fix.sh for /scanout/<id>/
//! let result = atomic::scan_result(&eval.result, "ssg-rhel8-ds.xml");
//! let files = outputs::files(
//!     &eval,
//!     &outputs::OutputOptions { report: true, fix_bash: false, ..Default::default() },
//! )?;
//! # Ok(()) }
//! ```

pub mod arf;
pub mod atomic;
pub mod benchmark;
pub mod content;
pub mod cpe;
pub mod datastream;
mod error;
pub mod html;
pub mod model;
pub mod native;
pub mod oscap;
pub mod outputs;
pub mod profile;
pub mod result;
pub mod score;
pub mod xml;

use std::path::{Path, PathBuf};

pub use benchmark::Benchmark;
pub use datastream::DataStreamCollection;
pub use error::Error;
pub use model::{CheckInfo, ComplianceResult, Engine, RuleResult, Score};
pub use native::{OvalEvaluator, OvalOutcome, OvalRequest};
pub use oscap::{ContainerMarker, OscapOptions};
pub use result::{OvalResult, XccdfResult};

/// One profile of a benchmark as `--list-profiles` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileInfo {
    pub id: String,
    pub title: String,
    /// Rules selected by the profile (rule and its ancestor groups selected).
    pub selected_rules: usize,
}

/// Profiles of the first checklist of the first data stream in `ds` (as `oscap info --profiles`).
pub fn list_profiles(ds: &Path) -> Result<Vec<ProfileInfo>, Error> {
    let ds = DataStreamCollection::load(ds)?;
    list_profiles_in(&ds, None, None)
}

/// Profiles of a chosen checklist.
pub fn list_profiles_in(
    ds: &DataStreamCollection,
    datastream_id: Option<&str>,
    xccdf_id: Option<&str>,
) -> Result<Vec<ProfileInfo>, Error> {
    let (_, _, bench) = ds.select(datastream_id, xccdf_id)?;
    bench
        .profiles
        .iter()
        .map(|p| {
            let r = profile::resolve_profile(bench, p)?;
            Ok(ProfileInfo {
                id: p.id.clone(),
                title: p.title.clone(),
                selected_rules: r.selected_rules.len(),
            })
        })
        .collect()
}

/// What to evaluate and how.
#[derive(Debug, Clone)]
pub struct ComplianceOptions {
    pub datastream: PathBuf,
    /// Profile id (exact, or a unique suffix such as `standard`); None: benchmark defaults.
    pub profile: Option<String>,
    /// `ds:data-stream/@id` when the file holds several.
    pub datastream_id: Option<String>,
    /// Checklist component-ref id when the data stream holds several.
    pub xccdf_id: Option<String>,
    pub engine: Engine,
    /// oscap engine only.
    pub oscap: OscapOptions,
    /// Build the ARF document (needed for `arf.xml`, the HTML report by oscap, `fix.sh`).
    pub want_arf: bool,
}

impl ComplianceOptions {
    pub fn new(datastream: impl Into<PathBuf>) -> ComplianceOptions {
        ComplianceOptions {
            datastream: datastream.into(),
            profile: None,
            datastream_id: None,
            xccdf_id: None,
            engine: Engine::Native,
            oscap: OscapOptions::default(),
            want_arf: true,
        }
    }
    pub fn profile(mut self, p: &str) -> Self {
        self.profile = Some(p.to_string());
        self
    }
    pub fn engine(mut self, e: Engine) -> Self {
        self.engine = e;
        self
    }
}

/// The outcome of [`evaluate`].
#[derive(Debug, Clone)]
pub struct Evaluation {
    pub result: ComplianceResult,
    /// ARF (`arf:asset-report-collection`) bytes when asked for.
    pub arf: Option<Vec<u8>>,
}

/// Evaluates the options' profile on `root` with the chosen engine (`oval` is only used by the
/// native engine).
pub fn evaluate(
    root: &rootfs::Rootfs,
    opts: &ComplianceOptions,
    oval: &dyn OvalEvaluator,
) -> Result<Evaluation, Error> {
    match opts.engine {
        Engine::Oscap => {
            let run = oscap::run_eval(root.host_path(), opts)?;
            Ok(Evaluation {
                result: run.result,
                arf: Some(run.arf),
            })
        }
        Engine::Native => {
            let ds = DataStreamCollection::load(&opts.datastream)?;
            evaluate_loaded(root, &ds, opts, oval)
        }
    }
}

/// [`evaluate`] with the data stream already loaded (load it once when scanning many targets;
/// `opts.datastream` is then only used by the oscap engine).
pub fn evaluate_loaded(
    root: &rootfs::Rootfs,
    ds: &DataStreamCollection,
    opts: &ComplianceOptions,
    oval: &dyn OvalEvaluator,
) -> Result<Evaluation, Error> {
    match opts.engine {
        Engine::Oscap => evaluate(root, opts, oval),
        Engine::Native => {
            let input = native::NativeInput {
                ds,
                profile: opts.profile.as_deref(),
                datastream_id: opts.datastream_id.as_deref(),
                xccdf_id: opts.xccdf_id.as_deref(),
            };
            let (result, reports) = native::evaluate_native(root, &input, oval)?;
            let arf = if opts.want_arf {
                Some(arf::write_arf(ds, &result, &reports)?)
            } else {
                None
            };
            Ok(Evaluation { result, arf })
        }
    }
}

/// Adds the loud warning for oscap's silent failure mode: every selected rule notapplicable.
pub(crate) fn warn_all_notapplicable(r: &mut ComplianceResult) {
    let selected: Vec<_> = r.selected().collect();
    if !selected.is_empty()
        && selected
            .iter()
            .all(|x| x.result == XccdfResult::NotApplicable)
    {
        r.warnings.push(format!(
            "every one of the {} selected rules is notapplicable: the benchmark platform ({}) did not match. \
             Is this image of that product, and was its rpm database readable (oscap silently reports \
             every package absent when it cannot open the rpmdb)?",
            selected.len(),
            r.platforms.first().cloned().unwrap_or_else(|| "none matched".into())
        ));
    }
}
