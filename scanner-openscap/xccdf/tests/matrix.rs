//! RHEL 8 and RHEL 9 data streams with the cis and stig profiles (RHEL 9 has no standard
//! profile in SSG 0.1.65; RHEL 8 standard is in differential.rs) against `oscap xccdf eval` on
//! rpmbuild-made roots of the matching release (container marker present): for each, the
//! native XCCDF layer fed with oscap's own OVAL results equals oscap for every rule, and the
//! native engine over scanner-openscap's OVAL engine never gives a verdict oscap does not give
//! (coverage and every rule left to oscap printed).

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use openscap_xccdf::native::{evaluate_native, NativeInput};
use openscap_xccdf::{ComplianceOptions, DataStreamCollection, Engine, XccdfResult};

fn root(version: &str) -> PathBuf {
    static ROOTS: OnceLock<std::sync::Mutex<BTreeMap<String, PathBuf>>> = OnceLock::new();
    let mut m = ROOTS.get_or_init(Default::default).lock().unwrap();
    m.entry(version.to_string())
        .or_insert_with(|| {
            common::build_rhel_root(
                common::process_dir(&format!("rhel{version}")),
                version,
                true,
            )
        })
        .clone()
}

/// Each data stream is parsed once per process.
fn loaded(path: &std::path::Path) -> &'static DataStreamCollection {
    static DS: OnceLock<std::sync::Mutex<BTreeMap<PathBuf, &'static DataStreamCollection>>> =
        OnceLock::new();
    let mut m = DS.get_or_init(Default::default).lock().unwrap();
    m.entry(path.to_path_buf())
        .or_insert_with(|| Box::leak(Box::new(DataStreamCollection::load(path).unwrap())))
}

fn case(ds_name: &str, version: &str, profile: &str) {
    if !testkit::require_tool("oscap") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let Some(ds_path) = common::ssg(ds_name) else {
        return;
    };
    let root = root(version);
    let mut opts = ComplianceOptions::new(&ds_path)
        .profile(profile)
        .engine(Engine::Oscap);
    opts.oscap.skip_validation = true;
    let run = openscap_xccdf::oscap::run_eval(&root, &opts).unwrap();
    assert!(run.result.warnings.is_empty(), "{:?}", run.result.warnings);
    let ds = loaded(&ds_path);
    let rootfs = rootfs::Rootfs::open(&root).unwrap();
    let input = NativeInput {
        ds,
        profile: Some(profile),
        datastream_id: None,
        xccdf_id: None,
    };
    // XCCDF layer over oscap's OVAL results: every rule equal.
    let table = common::TableEvaluator::new(common::oval_results_of_arf(&run.arf));
    let (ours, _) = evaluate_native(&rootfs, &input, &table).unwrap();
    let theirs: BTreeMap<&str, XccdfResult> = run
        .result
        .rules
        .iter()
        .map(|x| (x.rule_id.as_str(), x.result))
        .collect();
    let differ: Vec<String> = ours
        .rules
        .iter()
        .filter(|x| theirs.get(x.rule_id.as_str()) != Some(&x.result))
        .map(|x| {
            format!(
                "{}: ours {} oscap {:?}",
                x.rule_id,
                x.result,
                theirs.get(x.rule_id.as_str())
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{ds_name} {profile}: {} rules differ:\n{}",
        differ.len(),
        differ.join("\n")
    );
    assert!(
        (ours.score - run.result.score).abs() < 1e-3,
        "{} vs {}",
        ours.score,
        run.result.score
    );
    // Native over scanner-openscap's OVAL engine.
    let (native, _) = evaluate_native(&rootfs, &input, &common::ScannerOval::default()).unwrap();
    let (claimed, wrong, left) = common::compare(&native, &run.result);
    eprintln!(
        "{ds_name} {profile}: oscap {:?}; native verdict equal to oscap on {claimed} of {} selected rules, {} left to oscap:\n  {}",
        run.result.counts(),
        native.selected().count(),
        left.len(),
        left.join("\n  ")
    );
    assert!(
        wrong.is_empty(),
        "{ds_name} {profile}: native verdicts that differ from oscap:\n{}",
        wrong.join("\n")
    );
}

#[test]
fn rhel8_cis() {
    case("ssg-rhel8-ds.xml", "8.6", "cis");
}

#[test]
fn rhel8_stig() {
    case("ssg-rhel8-ds.xml", "8.6", "stig");
}

#[test]
fn rhel9_cis() {
    case("ssg-rhel9-ds.xml", "9.2", "cis");
}

#[test]
fn rhel9_stig() {
    case("ssg-rhel9-ds.xml", "9.2", "stig");
}
