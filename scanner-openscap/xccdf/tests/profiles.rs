//! Data stream parsing and profile resolution compared with oscap: `--list-profiles` against
//! `oscap info --profiles`, and the set of selected rules against the rule results of a real
//! `oscap xccdf eval` (every rule oscap does not report `notselected`).

mod common;

use std::collections::BTreeSet;
use std::process::Command;

use openscap_xccdf::{list_profiles, profile, ComplianceOptions, Engine, XccdfResult};

fn oscap_profiles(ds: &std::path::Path) -> Vec<(String, String)> {
    let out = testkit::run(
        Command::new("oscap")
            .args(["info", "--profiles"])
            .arg(ds)
            .env("LC_ALL", "C"),
    )
    .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_once(':'))
        .map(|(id, t)| (id.to_string(), t.to_string()))
        .collect()
}

#[test]
fn list_profiles_matches_oscap_info() {
    if !testkit::require_tool("oscap") {
        return;
    }
    for name in ["ssg-rhel9-ds.xml", "ssg-fedora-ds.xml"] {
        let Some(ds) = common::ssg(name) else { return };
        let ours: Vec<(String, String)> = list_profiles(&ds)
            .unwrap()
            .into_iter()
            .map(|p| (p.id, p.title))
            .collect();
        let theirs = oscap_profiles(&ds);
        assert_eq!(ours, theirs, "{name}");
        eprintln!(
            "{name}: {} profiles equal to oscap info --profiles",
            ours.len()
        );
    }
}

/// oscap on a root without any rpmdb: the benchmark platform does not match, every selected rule
/// is notapplicable and oscap exits 0. Our translation must warn, and the rules oscap reports
/// (not notselected) must be exactly the ones our profile resolution selects.
#[test]
fn cis_selection_equals_oscap_and_all_notapplicable_warns() {
    if !testkit::require_tool("oscap") {
        return;
    }
    let Some(ds) = common::ssg("ssg-rhel8-ds.xml") else {
        return;
    };
    let empty = tempfile::tempdir().unwrap();
    let mut opts = ComplianceOptions::new(&ds)
        .profile("cis")
        .engine(Engine::Oscap);
    opts.oscap.skip_validation = true;
    let run = openscap_xccdf::oscap::run_eval(empty.path(), &opts).unwrap();
    let theirs: BTreeSet<String> = run.result.selected().map(|r| r.rule_id.clone()).collect();
    assert!(run
        .result
        .selected()
        .all(|r| r.result == XccdfResult::NotApplicable));
    assert!(
        run.result
            .warnings
            .iter()
            .any(|w| w.contains("notapplicable")),
        "no warning: {:?}",
        run.result.warnings
    );
    assert_eq!(run.exit_code, 0);
    let coll = common::rhel8().unwrap();
    let (_, _, bench) = coll.select(None, None).unwrap();
    // --list-profiles of rhel8 (id, title) against oscap info as well.
    let listed: Vec<(String, String)> = openscap_xccdf::list_profiles_in(coll, None, None)
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    assert_eq!(listed, oscap_profiles(&ds), "ssg-rhel8-ds.xml profiles");
    let ours = profile::resolve(bench, Some("xccdf_org.ssgproject.content_profile_cis")).unwrap();
    let only_ours: Vec<_> = ours.selected_rules.difference(&theirs).collect();
    let only_theirs: Vec<_> = theirs.difference(&ours.selected_rules).collect();
    assert!(
        only_ours.is_empty() && only_theirs.is_empty(),
        "ours only {only_ours:?}, oscap only {only_theirs:?}"
    );
    // Every bound Value oscap reports equals ours.
    for (id, v) in &run.result.values {
        assert_eq!(ours.values.get(id), Some(v), "value {id}");
    }
    eprintln!(
        "cis: {} selected rules, {} values equal to oscap",
        theirs.len(),
        run.result.values.len()
    );
}
