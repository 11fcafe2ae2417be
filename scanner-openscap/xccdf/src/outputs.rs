//! The per-target result files of a configuration-compliance scan, as bytes for the caller to
//! write atomically into `/scanout/<id>/`: `json` (atomic), `arf.xml`, `report.html`,
//! `results.tsv`, and `fix.sh` with `--fix_type bash`.

use std::path::Path;

use crate::model::ComplianceResult;
use crate::{atomic, html, oscap, Error, Evaluation};

/// Which optional files to produce.
#[derive(Debug, Clone, Default)]
pub struct OutputOptions {
    /// `--report`: write `report.html`.
    pub report: bool,
    /// Render the HTML with `oscap xccdf generate report` (when installed) instead of our own
    /// renderer. Ours is the default: oscap's XSLT takes ~5 s on SSG content.
    pub oscap_html: bool,
    /// `--fix_type bash`: write `fix.sh` (needs `oscap`).
    pub fix_bash: bool,
    /// The oscap binary for `oscap_html` / `fix_bash`.
    pub oscap: Option<std::path::PathBuf>,
}

/// Builds the files: `(name, bytes)` in a fixed order.
pub fn files(
    eval: &Evaluation,
    uuid: &str,
    time: &str,
    finished_time: &str,
    opts: &OutputOptions,
) -> Result<Vec<(String, Vec<u8>)>, Error> {
    let r: &ComplianceResult = &eval.result;
    let mut out = Vec::new();
    let json = atomic::atomic_json(r, uuid, time, finished_time);
    let mut json_bytes =
        serde_json::to_vec_pretty(&json).map_err(|e| Error::Content(e.to_string()))?;
    json_bytes.push(b'\n');
    out.push(("json".to_string(), json_bytes));
    out.push(("results.tsv".to_string(), r.results_tsv().into_bytes()));
    if let Some(arf) = &eval.arf {
        out.push(("arf.xml".to_string(), arf.clone()));
    }
    let oscap_bin = opts.oscap.clone().unwrap_or_else(|| "oscap".into());
    if opts.report {
        let page = match (&eval.arf, opts.oscap_html) {
            (Some(arf), true) => oscap::generate_report(Path::new(&oscap_bin), arf)?,
            _ => html::render(r),
        };
        out.push(("report.html".to_string(), page));
    }
    if opts.fix_bash {
        let arf = eval
            .arf
            .as_ref()
            .ok_or_else(|| Error::Unsupported("fix.sh needs the ARF (want_arf)".into()))?;
        out.push((
            "fix.sh".to_string(),
            oscap::generate_fix(Path::new(&oscap_bin), arf, &r.test_result_id)?,
        ));
    }
    Ok(out)
}
