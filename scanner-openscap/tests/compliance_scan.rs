//! The `configuration_compliance` scan of the scanner binary, run as atomic runs it
//! (`--scanin/--scanout`), against `oscap xccdf eval` of the same SSG profile on the same fake
//! RHEL 8 root: every rule our native engine decides has oscap's result, oscap's failures that we
//! decide become atomic vulnerabilities, the historical files are written, a second image in the
//! same run gets its own verdicts (oscap's too), and an image the content does not cover is "not
//! supported" while the other targets are still scanned.

#[path = "../xccdf/tests/common/mod.rs"]
mod common;

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

#[test]
fn binary_compliance_scan_agrees_with_oscap_rule_by_rule() {
    let Some((root, oscap)) = common::oscap_standard_run() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let scanin = work.path().join("scanin");
    let scanout = work.path().join("scanout");
    std::fs::create_dir_all(scanin.join("no-os-release/etc")).unwrap();
    std::fs::create_dir_all(&scanout).unwrap();
    // An OSTree-style target: the subdirectory is a symlink to the root (followed once).
    std::os::unix::fs::symlink(root, scanin.join("rhel8")).unwrap();
    // The same image with Kerberos linked to the crypto policy: one rule flips to pass. Both
    // are scanned in one run, where the data stream and its OVAL are parsed once and shared.
    let krb = scanin.join("rhel8-krb");
    let st = Command::new("cp")
        .arg("-a")
        .arg(root)
        .arg(&krb)
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::create_dir_all(krb.join("etc/krb5.conf.d")).unwrap();
    std::fs::create_dir_all(krb.join("etc/crypto-policies/back-ends")).unwrap();
    std::fs::write(
        krb.join("etc/crypto-policies/back-ends/krb5.config"),
        "[libdefaults]\n",
    )
    .unwrap();
    std::os::unix::fs::symlink(
        "/etc/crypto-policies/back-ends/krb5.config",
        krb.join("etc/krb5.conf.d/crypto-policies"),
    )
    .unwrap();
    let out = testkit::run(
        Command::new(env!("CARGO_BIN_EXE_scanner-openscap"))
            // The spellings atomic's --scanner_args produce (profile=standard,fix_type=bash,report).
            .args(["--scan_type", "configuration_compliance"])
            .args(["--profile", "standard", "--fix_type", "bash", "--report"])
            .arg("--ssg-content-dir")
            .arg(common::SSG_DIR)
            .arg("--scanin")
            .arg(&scanin)
            .arg("--scanout")
            .arg(&scanout),
    )
    .unwrap();

    let tsv = std::fs::read_to_string(scanout.join("rhel8/results.tsv")).unwrap();
    let decided = assert_agrees_with_oscap(&tsv, oscap);
    // The native engine decides most of the profile (50-55 of 57 rules when this was written).
    assert!(decided >= 40, "only {decided} rules decided natively");

    // The second image: oscap's verdicts on it too, and it differs from the first exactly where
    // it should.
    let krb_tsv = std::fs::read_to_string(scanout.join("rhel8-krb/results.tsv")).unwrap();
    let mut opts = openscap_xccdf::ComplianceOptions::new(common::ssg("ssg-rhel8-ds.xml").unwrap())
        .profile(common::STANDARD)
        .engine(openscap_xccdf::Engine::Oscap);
    opts.oscap.container_marker = openscap_xccdf::ContainerMarker::Off;
    opts.oscap.skip_validation = true;
    let krb_oscap = openscap_xccdf::oscap::run_eval(&krb, &opts).expect("oscap on the copy");
    assert!(assert_agrees_with_oscap(&krb_tsv, &krb_oscap) >= 40);
    let differing: Vec<&str> = tsv
        .lines()
        .zip(krb_tsv.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a)
        .collect();
    assert_eq!(
        differing,
        ["xccdf_org.ssgproject.content_rule_configure_kerberos_crypto_policy\tfail"]
    );

    let json: Value =
        serde_json::from_slice(&std::fs::read(scanout.join("rhel8/json")).unwrap()).unwrap();
    assert_eq!(json["Successful"], "true");
    assert_eq!(json["Scan Type"], "Configuration Compliance");
    assert_eq!(json["UUID"], "/scanin/rhel8");
    assert_eq!(
        json["Profile"],
        "xccdf_org.ssgproject.content_profile_standard"
    );
    let ours_failed: Vec<&str> = tsv
        .lines()
        .filter_map(|l| l.strip_suffix("\tfail"))
        .collect();
    let vulns = json["Vulnerabilities"].as_array().unwrap();
    let vuln_fails = vulns
        .iter()
        .filter(|v| v["Custom"]["XCCDF result"] == "fail")
        .count();
    assert!(!ours_failed.is_empty(), "the fixture fails some rules");
    assert_eq!(vuln_fails, ours_failed.len());
    for f in ["arf.xml", "report.html", "fix.sh"] {
        let len = std::fs::metadata(scanout.join("rhel8").join(f))
            .unwrap_or_else(|e| {
                let listing: Vec<_> = std::fs::read_dir(scanout.join("rhel8"))
                    .unwrap()
                    .map(|e| e.unwrap().file_name())
                    .collect();
                panic!(
                    "{f}: {e}; written: {listing:?}; stderr: {}",
                    String::from_utf8_lossy(&out.stderr)
                )
            })
            .len();
        assert!(len > 0, "{f} is empty");
    }

    let other: Value =
        serde_json::from_slice(&std::fs::read(scanout.join("no-os-release/json")).unwrap())
            .unwrap();
    assert_eq!(other["Successful"], "false");
    let reason = other["Custom"]["Error"].as_str().unwrap_or_default();
    assert!(reason.contains("--datastream"), "{reason}");
}

/// Every rule `tsv` (results.tsv) decides has `oscap`'s verdict; returns how many it decides.
fn assert_agrees_with_oscap(tsv: &str, oscap: &openscap_xccdf::oscap::OscapRun) -> usize {
    let theirs: BTreeMap<&str, String> = oscap
        .result
        .rules
        .iter()
        .map(|r| (r.rule_id.as_str(), r.result.as_str().to_string()))
        .collect();
    let (mut decided, mut wrong) = (0, Vec::new());
    for line in tsv.lines() {
        let (rule, ours) = line.split_once('\t').unwrap();
        if ours == "notchecked" || ours == "notselected" {
            continue;
        }
        decided += 1;
        if theirs.get(rule).map(String::as_str) != Some(ours) {
            wrong.push(format!("{rule}: ours {ours}, oscap {:?}", theirs.get(rule)));
        }
    }
    assert!(
        wrong.is_empty(),
        "verdicts differing from oscap: {wrong:#?}"
    );
    decided
}
