//! The real proof of the native engine: our XCCDF layer over scanner-openscap's OVAL engine
//! (image collectors through rootfs/rpmdb) against `oscap xccdf eval` on the same rpmbuild-made
//! RHEL 8 root, SSG rhel8 `standard`, rule by rule. Prints the coverage (rules we evaluate /
//! rules selected) and every disagreement; fails if any rule we claim to evaluate (pass, fail,
//! notapplicable) differs from oscap.

mod common;

use std::collections::BTreeMap;

use openscap_xccdf::native::{evaluate_native, NativeInput};
use openscap_xccdf::{OvalEvaluator, OvalOutcome, OvalRequest, OvalResult, XccdfResult};

/// Adapter from scanner-openscap's OVAL engine to the XCCDF crate's evaluator trait. Unknown or
/// error results while some object kind had no collector become "not evaluated" (XCCDF
/// notchecked), so gaps in the collectors never turn into verdicts.
struct ScannerOval;

fn map(r: scanner_openscap::result::OvalResult) -> OvalResult {
    use scanner_openscap::result::OvalResult as S;
    match r {
        S::True => OvalResult::True,
        S::False => OvalResult::False,
        S::Unknown => OvalResult::Unknown,
        S::Error => OvalResult::Error,
        S::NotEvaluated => OvalResult::NotEvaluated,
        S::NotApplicable => OvalResult::NotApplicable,
    }
}

impl OvalEvaluator for ScannerOval {
    fn evaluate(
        &self,
        root: &rootfs::Rootfs,
        req: &OvalRequest<'_>,
    ) -> Result<OvalOutcome, Box<dyn std::error::Error + Send + Sync>> {
        let doc = scanner_openscap::parse::parse_reader(req.document.as_bytes())?;
        let probes =
            scanner_openscap::probes::ImageProbes::new(rootfs::Rootfs::open(root.host_path())?);
        let mut engine = scanner_openscap::eval::Engine::live(&doc, &probes);
        for (id, values) in req.external_variables {
            engine.set_external(id, values.clone());
        }
        let mut results = BTreeMap::new();
        for d in req.definition_ids {
            let before: usize = engine.unsupported.values().sum();
            let r = map(engine.definition(d));
            let gap = engine.unsupported.values().sum::<usize>() > before;
            let r = match r {
                OvalResult::Unknown | OvalResult::Error
                    if gap || !engine.unsupported.is_empty() =>
                {
                    OvalResult::NotEvaluated
                }
                other => other,
            };
            results.insert(d.clone(), r);
        }
        if !engine.unsupported.is_empty() {
            eprintln!(
                "{}: object kinds without collector: {:?}",
                req.component_id, engine.unsupported
            );
        }
        Ok(OvalOutcome {
            results,
            results_document: None,
        })
    }
}

#[test]
fn native_with_scanner_oval_engine_vs_oscap_standard() {
    let Some((root, run)) = common::oscap_standard_run() else {
        return;
    };
    let ds = common::rhel8().unwrap();
    let rootfs = rootfs::Rootfs::open(root).unwrap();
    let input = NativeInput {
        ds,
        profile: Some(common::STANDARD),
        datastream_id: None,
        xccdf_id: None,
    };
    let (ours, _) = evaluate_native(&rootfs, &input, &ScannerOval).unwrap();
    let theirs: BTreeMap<&str, XccdfResult> = run
        .result
        .rules
        .iter()
        .map(|x| (x.rule_id.as_str(), x.result))
        .collect();
    let selected: Vec<_> = ours.selected().collect();
    let mut claimed = 0;
    let mut wrong = Vec::new();
    let mut unevaluated = Vec::new();
    for x in &selected {
        let t = theirs.get(x.rule_id.as_str()).copied();
        let claims = matches!(
            x.result,
            XccdfResult::Pass | XccdfResult::Fail | XccdfResult::NotApplicable
        );
        if claims {
            claimed += 1;
            if t != Some(x.result) {
                wrong.push(format!("{}: ours {} oscap {:?}", x.rule_id, x.result, t));
            }
        } else if t != Some(x.result) {
            unevaluated.push(format!("{}: ours {} oscap {:?}", x.rule_id, x.result, t));
        }
    }
    eprintln!(
        "coverage: {claimed} of {} selected rules evaluated natively with oscap's verdict; {} left to oscap:\n  {}",
        selected.len(),
        unevaluated.len(),
        unevaluated.join("\n  ")
    );
    assert!(
        wrong.is_empty(),
        "native verdicts that differ from oscap:\n{}",
        wrong.join("\n")
    );
    assert!(claimed > 0);
}
