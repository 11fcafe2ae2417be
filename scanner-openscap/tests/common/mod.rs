//! Shared helpers of the scanner-openscap test suites: fixture paths, running the reference
//! `oscap`, and comparing per-definition results.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use scanner_openscap::result::OvalResult;

/// `../shared/fixtures/oval` (None = skip outside CI).
pub fn oval_fixtures() -> Option<PathBuf> {
    testkit::shared_fixtures().map(|p| p.join("oval"))
}

/// Runs `oscap oval analyse --results OUT defs syschar` and returns its definition results.
pub fn oscap_analyse(defs: &Path, syschar: &Path, work: &Path) -> Vec<(String, OvalResult)> {
    let out = work.join("oscap-analyse-results.xml");
    testkit::run(
        testkit::command("oscap")
            .args(["oval", "analyse", "--results"])
            .arg(&out)
            .arg(defs)
            .arg(syschar),
    )
    .expect("oscap oval analyse");
    scanner_openscap::results_doc::definition_results(&out).expect("read oscap results")
}

/// Runs `oscap oval eval --results OUT defs` on an offline root (OSCAP_PROBE_ROOT) and returns
/// its definition results.
pub fn oscap_eval_root(defs: &Path, root: &Path, work: &Path) -> Vec<(String, OvalResult)> {
    let out = work.join("oscap-eval-results.xml");
    testkit::run(
        testkit::command("oscap")
            .env("OSCAP_PROBE_ROOT", root)
            .args(["oval", "eval", "--results"])
            .arg(&out)
            .arg(defs),
    )
    .expect("oscap oval eval");
    scanner_openscap::results_doc::definition_results(&out).expect("read oscap results")
}

/// Asserts equal per-definition results, listing every difference.
pub fn assert_same(ours: &[(String, OvalResult)], theirs: &[(String, OvalResult)], what: &str) {
    let mut diffs = Vec::new();
    let theirs_map: std::collections::HashMap<_, _> = theirs.iter().cloned().collect();
    for (id, r) in ours {
        match theirs_map.get(id) {
            Some(t) if t == r => {}
            Some(t) => diffs.push(format!("{id}: ours {} oscap {}", r.as_str(), t.as_str())),
            None => diffs.push(format!("{id}: missing in oscap's results")),
        }
    }
    assert_eq!(ours.len(), theirs.len(), "{what}: definition counts differ");
    assert!(
        diffs.is_empty(),
        "{what}: {} differences:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}
