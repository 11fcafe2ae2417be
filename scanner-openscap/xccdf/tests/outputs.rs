//! Output writers against references: the atomic `json` the scanner writes from a real oscap
//! STIG ARF equals what openscap-daemon's own summariser wrote from the same ARF (shared
//! fixtures) but for our added `Custom` summary, the
//! HTML report is self-contained and lists what it should, and results.tsv is sorted.

mod common;

use openscap_xccdf::{arf, atomic, html, Engine, XccdfResult};

#[test]
fn atomic_json_equals_openscap_daemon_summary() {
    let Some(arf_bytes) = common::fixture_arf("rhel8-stig-container-arf.xml.gz") else {
        return;
    };
    let dir = testkit::shared_fixtures().unwrap();
    let expected: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join("oval/oscap-runs/atomic-json-compliance-stig.json")).unwrap(),
    )
    .unwrap();
    let r = arf::read_arf(&arf_bytes, Engine::Oscap).unwrap();
    // The document the scanner writes: its ScanResult through the report crate.
    let run = report::RunInfo {
        uuid: expected["UUID"].as_str().unwrap().into(),
        scanner: "openscap".into(),
        scan_type: "Configuration Compliance".into(),
        time: expected["Time"].as_str().unwrap().into(),
        finished_time: expected["Finished Time"].as_str().unwrap().into(),
    };
    let mut ours = report::document(&run, &atomic::scan_result(&r, "ssg-rhel8-ds.xml"));
    // Our one addition to the historical document: a Custom summary.
    let custom = ours
        .as_object_mut()
        .unwrap()
        .shift_remove("Custom")
        .unwrap();
    assert_eq!(custom["Data stream"], "ssg-rhel8-ds.xml");
    assert_eq!(
        custom["Rule results"]["fail"],
        r.counts()[&XccdfResult::Fail]
    );
    let (ov, ev) = (
        ours["Vulnerabilities"].as_array().unwrap(),
        expected["Vulnerabilities"].as_array().unwrap(),
    );
    for (i, (o, e)) in ov.iter().zip(ev).enumerate() {
        assert_eq!(o, e, "item {i}");
    }
    assert_eq!(ov.len(), ev.len());
    assert_eq!(ours, expected);
    // Same key order as the historical writer (Python 3 insertion order).
    let keys: Vec<_> = ours.as_object().unwrap().keys().collect();
    let ekeys: Vec<_> = expected.as_object().unwrap().keys().collect();
    assert_eq!(keys, ekeys);
}

#[test]
fn html_report_and_tsv() {
    let Some(arf_bytes) = common::fixture_arf("rhel8-standard-container-arf.xml.gz") else {
        return;
    };
    let r = arf::read_arf(&arf_bytes, Engine::Oscap).unwrap();
    let page = String::from_utf8(html::render(&r)).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(
        !page.contains("<script src") && !page.contains("<link"),
        "must be self-contained"
    );
    for x in r.selected() {
        assert!(
            page.contains(&openscap_xccdf::xml::escape(&x.title)),
            "missing {}",
            x.rule_id
        );
    }
    assert!(page.contains(&format!("{:.2}", r.score)));
    let tsv = r.results_tsv();
    let lines: Vec<&str> = tsv.lines().collect();
    let mut sorted = lines.clone();
    sorted.sort();
    assert_eq!(lines, sorted);
    assert_eq!(lines.len(), r.rules.len());
    assert!(lines.contains(&"xccdf_org.ssgproject.content_rule_configure_crypto_policy\tfail"));
    assert_eq!(r.counts()[&XccdfResult::Fail], 4);
}

#[test]
fn per_target_files() {
    let Some(arf_bytes) = common::fixture_arf("rhel8-standard-container-arf.xml.gz") else {
        return;
    };
    if !testkit::require_tool("oscap") {
        return;
    }
    let result = arf::read_arf(&arf_bytes, Engine::Oscap).unwrap();
    let eval = openscap_xccdf::Evaluation {
        result,
        arf: Some(arf_bytes),
    };
    let opts = openscap_xccdf::outputs::OutputOptions {
        report: true,
        fix_bash: true,
        ..Default::default()
    };
    let files = openscap_xccdf::outputs::files(&eval, &opts).unwrap();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["results.tsv", "arf.xml", "report.html", "fix.sh"]);
    let result = atomic::scan_result(&eval.result, "ds.xml");
    assert!(result.successful);
    // 4 fail + 1 notchecked.
    assert_eq!(result.vulnerabilities.as_ref().unwrap().len(), 5);
    let fix = String::from_utf8_lossy(&files[3].1).into_owned();
    assert!(fix.contains("configure_crypto_policy"));
    // Our fix.sh has oscap's blocks byte for byte (everything after the header).
    let theirs = openscap_xccdf::oscap::generate_fix(
        std::path::Path::new("oscap"),
        eval.arf.as_ref().unwrap(),
        &eval.result.test_result_id,
    )
    .unwrap();
    let theirs = String::from_utf8(theirs).unwrap();
    let body = |s: &str| s[s.find("# BEGIN fix").expect("a fix block")..].to_string();
    assert_eq!(body(&fix), body(&theirs));
    // The HTML shows the failed rule's remediation with the profile's value substituted.
    let page = String::from_utf8(files[2].1.clone()).unwrap();
    assert!(page.contains("var_system_crypto_policy=&apos;DEFAULT&apos;"));
}

#[test]
fn datastream_picked_from_os_release() {
    let Some(_) = common::ssg("ssg-rhel8-ds.xml") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("etc")).unwrap();
    std::fs::write(
        dir.path().join("etc/os-release"),
        "ID=\"rhel\"\nVERSION_ID=\"8.6\"\n",
    )
    .unwrap();
    let root = rootfs::Rootfs::open(dir.path()).unwrap();
    let content = std::path::Path::new(common::SSG_DIR);
    assert_eq!(
        openscap_xccdf::content::pick_datastream(&root, content).unwrap(),
        content.join("ssg-rhel8-ds.xml")
    );
    std::fs::write(
        dir.path().join("etc/os-release"),
        "ID=debian\nVERSION_ID=\"12\"\n",
    )
    .unwrap();
    let err = openscap_xccdf::content::pick_datastream(&root, content).unwrap_err();
    assert!(err.to_string().contains("debian 12"), "{err}");
}
