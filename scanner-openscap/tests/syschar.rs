//! Evaluation without collection: OVAL definitions + system-characteristics pairs (OpenSCAP's
//! own unit-test pairs and a real `oscap` CVE run) evaluated by our engine must give exactly the
//! definition results `oscap oval analyse` gives on the same pair.

mod common;

use std::path::Path;

use scanner_openscap::eval::Engine;
use scanner_openscap::parse::parse_file;
use scanner_openscap::results_doc::definition_results;
use scanner_openscap::system::parse_syschar;

fn ours(defs: &Path, syschar: &Path) -> Vec<(String, scanner_openscap::result::OvalResult)> {
    let doc = parse_file(defs).expect("parse definitions");
    let sc = parse_syschar(syschar).expect("parse syschar");
    let mut e = Engine::from_syschar(&doc, sc);
    e.evaluate_all()
}

#[test]
fn openscap_unittest_pairs_match_oscap_analyse() {
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    if !testkit::require_tool("oscap") {
        return;
    }
    let dir = fx.join("openscap-unittests");
    let work = tempfile::tempdir().unwrap();
    let mut n = 0;
    for name in [
        "test_evr_string_comparison",
        "test_evr_string_missing_epoch",
        "test_filecontent_line",
        "test_int_comparison",
    ] {
        let defs = dir.join(format!("{name}.oval.xml"));
        let sc = dir.join(format!("{name}.syschar.xml"));
        let theirs = common::oscap_analyse(&defs, &sc, work.path());
        let mine = ours(&defs, &sc);
        assert!(!mine.is_empty());
        common::assert_same(&mine, &theirs, name);
        n += mine.len();
    }
    assert!(n >= 4);
}

#[test]
fn real_cve_run_matches_oscap_results_file() {
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    let runs = fx.join("oscap-runs");
    // The results file carries the definitions oscap evaluated (feed with the test key id).
    let results = runs.join("cve-results.xml");
    let syschar = runs.join("cve-syschar.xml");
    let mine = ours(&results, &syschar);
    let theirs = definition_results(&results).unwrap();
    assert_eq!(mine.len(), 129);
    common::assert_same(&mine, &theirs, "cve-results.xml");
    let trues = mine
        .iter()
        .filter(|(_, r)| *r == scanner_openscap::result::OvalResult::True)
        .count();
    assert_eq!(trues, 5);
}
