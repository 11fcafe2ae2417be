//! Differential suite against `oscap xccdf eval` of SSG rhel8 on a fake RHEL 8 root built with
//! rpmbuild + `rpm --root` (one cached oscap run per process):
//! - the translated ARF (rule results, severities, idents, score) and its selected rules equal
//!   our own profile resolution and default scoring;
//! - the native engine fed with oscap's own OVAL definition results (a table evaluator) gives
//!   the same result for every rule: CPE applicability, check selection, Value export,
//!   negation and result mapping are then proven independently of any OVAL engine;
//! - our native ARF is accepted by `oscap xccdf generate report`, and `generate fix` works on
//!   oscap's ARF.
//! - the native engine over scanner-openscap's OVAL engine (image collectors through
//!   rootfs/rpmdb), rule by rule: prints the coverage and every disagreement; fails if a rule we
//!   claim to evaluate (pass, fail, notapplicable) differs from oscap.

mod common;

use std::collections::BTreeMap;

use openscap_xccdf::native::{evaluate_native, NativeInput};
use openscap_xccdf::{profile, score, XccdfResult};

#[test]
fn oscap_standard_translation_matches_our_resolution_and_score() {
    let Some((_, run)) = common::oscap_standard_run() else {
        return;
    };
    let r = &run.result;
    let counts = r.counts();
    eprintln!("oscap standard: {counts:?}, score {}", r.score);
    assert!(run.exit_code == 0 || run.exit_code == 2);
    // The platform matched (rpmdb read through the HOME/.rpmmacros fix): not all notapplicable.
    assert!(
        counts.get(&XccdfResult::Pass).copied().unwrap_or(0) > 0,
        "{counts:?}, stderr {}",
        run.stderr
    );
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
    assert!(
        r.platforms
            .iter()
            .any(|p| p == "cpe:/o:redhat:enterprise_linux:8"),
        "{:?}",
        r.platforms
    );
    let ds = common::rhel8().unwrap();
    let (_, _, bench) = ds.select(None, None).unwrap();
    let resolved = profile::resolve(bench, Some(common::STANDARD)).unwrap();
    let theirs: std::collections::BTreeSet<String> =
        r.selected().map(|x| x.rule_id.clone()).collect();
    assert_eq!(theirs, resolved.selected_rules);
    // Every rule of the benchmark is reported, titles and CCEs come through.
    assert_eq!(r.rules.len(), bench.rules().len());
    let crypto = r
        .rules
        .iter()
        .find(|x| x.rule_id.ends_with("_rule_configure_crypto_policy"))
        .unwrap();
    assert_eq!(crypto.title, "Configure System Cryptography Policy");
    assert_eq!(crypto.severity, "high");
    assert!(crypto.idents.iter().any(|i| i.value == "CCE-80935-0"));
    // Default scoring over oscap's results equals oscap's score (it prints 6 decimals of a float).
    let by_rule: BTreeMap<String, XccdfResult> = r
        .rules
        .iter()
        .map(|x| (x.rule_id.clone(), x.result))
        .collect();
    let (ours, max) = score::default_score(bench, &resolved, &by_rule);
    assert!(
        (ours - r.score).abs() < 1e-3,
        "our score {ours} vs oscap {}",
        r.score
    );
    assert_eq!(max, r.score_max);
}

#[test]
fn native_xccdf_layer_reproduces_oscap_rule_by_rule() {
    let Some((root, run)) = common::oscap_standard_run() else {
        return;
    };
    let ds = common::rhel8().unwrap();
    let table = common::oval_results_of_arf(&run.arf);
    let eval = common::TableEvaluator::new(table);
    let rootfs = rootfs::Rootfs::open(root).unwrap();
    let input = NativeInput {
        ds,
        profile: Some("standard"),
        datastream_id: None,
        xccdf_id: None,
    };
    let (ours, reports) = evaluate_native(&rootfs, &input, &eval).unwrap();
    let theirs: BTreeMap<&str, XccdfResult> = run
        .result
        .rules
        .iter()
        .map(|x| (x.rule_id.as_str(), x.result))
        .collect();
    let mut differ = Vec::new();
    for x in &ours.rules {
        if theirs.get(x.rule_id.as_str()) != Some(&x.result) {
            differ.push(format!(
                "{}: ours {} oscap {:?}",
                x.rule_id,
                x.result,
                theirs.get(x.rule_id.as_str())
            ));
        }
    }
    assert!(
        differ.is_empty(),
        "{} rules differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert_eq!(ours.rules.len(), run.result.rules.len());
    assert!(
        (ours.score - run.result.score).abs() < 1e-3,
        "{} vs {}",
        ours.score,
        run.result.score
    );
    // The applicable benchmark platforms oscap lists in its TestResult (8.6 and 8 here).
    assert_eq!(ours.platforms, run.result.platforms);
    // Values exported to OVAL: what oscap bound for the TestResult.
    let vars = eval.seen_vars.lock().unwrap();
    assert_eq!(
        vars.get("oval:ssg-var_system_crypto_policy:var:1"),
        Some(&vec![
            run.result.values["xccdf_org.ssgproject.content_value_var_system_crypto_policy"]
                .clone()
        ])
    );
    // Our ARF renders with oscap's report generator.
    let arf = openscap_xccdf::arf::write_arf(ds, &ours, &reports).unwrap();
    let html = openscap_xccdf::oscap::generate_report(std::path::Path::new("oscap"), &arf).unwrap();
    let html = String::from_utf8_lossy(&html);
    assert!(html.contains("Configure System Cryptography Policy"));
    let reread = openscap_xccdf::arf::read_arf(&arf, openscap_xccdf::Engine::Native).unwrap();
    assert_eq!(reread.results_tsv(), ours.results_tsv());
    // ... and oscap generates the bash remediation of our failed rules from it.
    let fix = openscap_xccdf::oscap::generate_fix(
        std::path::Path::new("oscap"),
        &arf,
        &ours.test_result_id,
    )
    .unwrap();
    let fix = String::from_utf8(fix).unwrap();
    assert!(
        fix.contains("configure_crypto_policy"),
        "native ARF fix has no crypto policy remediation"
    );
    eprintln!(
        "native (oscap OVAL table) == oscap for all {} rules; score {:.6}",
        ours.rules.len(),
        ours.score
    );
}

#[test]
fn fix_script_from_oscap_arf() {
    let Some((_, run)) = common::oscap_standard_run() else {
        return;
    };
    let fix = openscap_xccdf::oscap::generate_fix(
        std::path::Path::new("oscap"),
        &run.arf,
        &run.result.test_result_id,
    )
    .unwrap();
    let fix = String::from_utf8(fix).unwrap();
    assert!(
        fix.starts_with("#!/usr/bin/env bash"),
        "{}",
        &fix[..fix.len().min(200)]
    );
    // The failed crypto-policy rule's remediation is in it.
    assert!(
        fix.contains("configure_crypto_policy"),
        "no crypto policy fix"
    );
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
    let (ours, _) = evaluate_native(&rootfs, &input, &common::ScannerOval::default()).unwrap();
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

/// A root without the container marker: oscap as the historical scanner ran it (machine rules
/// evaluated), native against it rule by rule, and oscap with [`ContainerMarker::Overlay`]:
/// the image stays untouched and the verdicts equal those of a root that has the marker file.
#[test]
fn machine_root_native_vs_oscap_and_container_overlay() {
    let Some((_, container_run)) = common::oscap_standard_run() else {
        return;
    };
    let dir = common::process_dir("machine");
    let root = common::build_rhel8_root(dir, false);
    let ds_path = common::ssg("ssg-rhel8-ds.xml").unwrap();
    let mut opts = openscap_xccdf::ComplianceOptions::new(&ds_path)
        .profile(common::STANDARD)
        .engine(openscap_xccdf::Engine::Oscap);
    let machine = openscap_xccdf::oscap::run_eval(&root, &opts).unwrap();
    let na = |r: &openscap_xccdf::ComplianceResult| {
        r.selected()
            .filter(|x| x.result == XccdfResult::NotApplicable)
            .count()
    };
    assert!(
        na(&machine.result) < na(&container_run.result),
        "machine rules must be evaluated without the marker"
    );

    // Native on the machine root.
    let ds = common::rhel8().unwrap();
    let rootfs = rootfs::Rootfs::open(&root).unwrap();
    let input = NativeInput {
        ds,
        profile: Some(common::STANDARD),
        datastream_id: None,
        xccdf_id: None,
    };
    let (ours, _) = evaluate_native(&rootfs, &input, &common::ScannerOval::default()).unwrap();
    let (claimed, wrong, left) = common::compare(&ours, &machine.result);
    eprintln!(
        "machine root coverage: {claimed} of {} selected rules evaluated natively with oscap's verdict; {} left to oscap:\n  {}",
        ours.selected().count(),
        left.len(),
        left.join("\n  ")
    );
    assert!(
        wrong.is_empty(),
        "native verdicts that differ from oscap:\n{}",
        wrong.join("\n")
    );

    // The container marker through an overlay (root only): image untouched, same verdicts as a
    // root holding the marker file.
    if !rustix_is_root() {
        eprintln!("skipping the overlay part: not root");
        return;
    }
    opts.oscap.container_marker = openscap_xccdf::ContainerMarker::Overlay;
    let overlay = openscap_xccdf::oscap::run_eval(&root, &opts).unwrap();
    assert!(
        !root.join("run/.containerenv").exists(),
        "the image was written to"
    );
    assert_eq!(
        overlay.result.results_tsv(),
        container_run.result.results_tsv()
    );
}

fn rustix_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(2) == Some("0"))
        })
        .unwrap_or(false)
}

/// Debian's trap, reproduced: oscap run on the same root without our `%_dbpath` fix (a HOME
/// without `.rpmmacros`) cannot see the rpmdb, exits successfully with every rule notapplicable;
/// translated, the result carries the loud warning. Our driver's run on the root is not affected.
#[test]
fn unreadable_rpmdb_gives_all_notapplicable_and_a_warning() {
    let Some((root, good)) = common::oscap_standard_run() else {
        return;
    };
    let ds = common::ssg("ssg-rhel8-ds.xml").unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let arf = tmp.path().join("arf.xml");
    let out = std::process::Command::new("oscap")
        .args([
            "xccdf",
            "eval",
            "--skip-validation",
            "--profile",
            common::STANDARD,
            "--results-arf",
        ])
        .arg(&arf)
        .arg(&ds)
        .env("HOME", tmp.path())
        .env("OSCAP_PROBE_ROOT", root)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "oscap's silent failure exits 0");
    let bad =
        openscap_xccdf::arf::read_arf(&std::fs::read(&arf).unwrap(), openscap_xccdf::Engine::Oscap)
            .unwrap();
    assert!(bad
        .selected()
        .all(|x| x.result == XccdfResult::NotApplicable));
    assert!(
        bad.warnings.iter().any(|w| w.contains("rpm database")),
        "{:?}",
        bad.warnings
    );
    assert!(good.result.warnings.is_empty());
}
