//! End-to-end: the binary on an atomic-style /scanin tree. `rpm-Va.txt` must equal real
//! `rpm -Va` on the same tree; `json` and the legacy file are snapshot-tested (run-dependent
//! values such as times and the build host are blanked first).

mod common;

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;
use testkit::{rpm_install, RpmSpec, SpecFile};

fn small_image(dir: &Path, root: &Path) {
    common::write_image_users(root);
    let rpm = RpmSpec::new("vt-small", "2.0", "3")
        .preamble("Vendor: Atomic Scanners Test")
        .preamble("Packager: Test Packager <test@example.org>")
        .file(SpecFile::file("/usr/bin/vt-small", "#!/bin/sh\necho small\n").mode(0o755))
        .file(SpecFile::file("/usr/lib64/libsmall.so.1", "ELF-ish bytes\n").mode(0o755))
        .file(SpecFile::file("/etc/vt-small.conf", "x=1\n").directive("%config(noreplace)"))
        .file(SpecFile::file("/var/lib/vt-small/state", "s\n"))
        .file(SpecFile::file("/usr/share/doc/vt-small/README", "r\n").directive("%doc"))
        .file(SpecFile::file("/usr/share/vt-small/owned", "o\n").owner("vtuser", "vtgroup"))
        .file(SpecFile::file("/usr/share/vt-small/gone", "g\n"))
        .build(dir)
        .unwrap();
    rpm_install(root, &[rpm], &[]).unwrap();
    let r = |p: &str| root.join(p.trim_start_matches('/'));
    fs::write(r("/usr/bin/vt-small"), "#!/bin/sh\necho SMALL\n").unwrap();
    fs::write(r("/usr/lib64/libsmall.so.1"), "ELF-ish bytes, patched\n").unwrap();
    fs::write(r("/etc/vt-small.conf"), "x=2\n").unwrap();
    fs::write(r("/var/lib/vt-small/state"), "changed state\n").unwrap();
    // Fixed mtimes on everything touched, so T is reported whatever the clock did.
    let st = Command::new("touch")
        .args(["-d", "2001-02-03 04:05:06"])
        .arg(r("/usr/share/doc/vt-small/README"))
        .arg(r("/usr/bin/vt-small"))
        .arg(r("/usr/lib64/libsmall.so.1"))
        .arg(r("/etc/vt-small.conf"))
        .arg(r("/var/lib/vt-small/state"))
        .status()
        .unwrap();
    assert!(st.success());
    std::os::unix::fs::chown(r("/usr/share/vt-small/owned"), Some(1234), None).unwrap();
    fs::remove_file(r("/usr/share/vt-small/gone")).unwrap();
}

fn blank(v: &mut Value, keys: &[&str]) {
    match v {
        Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                if keys.contains(&k.as_str()) {
                    *val = Value::String("[blanked]".into());
                } else {
                    blank(val, keys);
                }
            }
        }
        Value::Array(a) => a.iter_mut().for_each(|x| blank(x, keys)),
        _ => {}
    }
}

#[test]
fn scanin_scanout_outputs() {
    if !testkit::require_tool("rpm") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scanin = dir.path().join("scanin");
    let scanout = dir.path().join("scanout");
    let id = "0123456789abcdef";
    let root = scanin.join(id);
    fs::create_dir_all(&scanout).unwrap();
    small_image(dir.path(), &root);
    let before = testkit::tree_fingerprint(&root);

    testkit::run(
        Command::new(env!("CARGO_BIN_EXE_scanner-rpm-verify"))
            .arg("--scanin")
            .arg(&scanin)
            .arg("--scanout")
            .arg(&scanout),
    )
    .unwrap();
    assert_eq!(
        testkit::tree_fingerprint(&root),
        before,
        "the scan changed the image"
    );

    // rpm-Va.txt: exactly rpm's lines.
    let txt = fs::read_to_string(scanout.join(id).join("rpm-Va.txt")).unwrap();
    let mut ours: Vec<String> = txt.lines().map(str::to_string).collect();
    ours.sort();
    let (theirs, code) = common::rpm_va(&root, &[]);
    assert_eq!(ours, theirs);
    assert_eq!(code, 1);

    let mut json: Value =
        serde_json::from_slice(&fs::read(scanout.join(id).join("json")).unwrap()).unwrap();
    assert_eq!(json["Successful"], "true");
    assert_eq!(json["UUID"], format!("/scanin/{id}"));
    blank(&mut json, &["Time", "Finished Time", "Build host"]);
    insta::assert_json_snapshot!("atomic_json", json);

    let mut legacy: Value = serde_json::from_slice(
        &fs::read(scanout.join(id).join("rpm_verify_scanner_results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(legacy["UUID"], &id[1..]);
    blank(&mut legacy, &["Start Time", "Finished Time", "BUILDHOST"]);
    insta::assert_json_snapshot!("legacy_json", legacy);
}

#[test]
fn image_without_rpmdb_is_unsuccessful_not_fatal() {
    let dir = tempfile::tempdir().unwrap();
    let scanin = dir.path().join("scanin");
    let scanout = dir.path().join("scanout");
    fs::create_dir_all(scanin.join("_empty/etc")).unwrap();
    fs::create_dir_all(&scanout).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_scanner-rpm-verify"))
        .arg("--scanin")
        .arg(&scanin)
        .arg("--scanout")
        .arg(&scanout)
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: Value =
        serde_json::from_slice(&fs::read(scanout.join("_empty/json")).unwrap()).unwrap();
    assert_eq!(json["Successful"], "false");
    let legacy: Value = serde_json::from_slice(
        &fs::read(scanout.join("_empty/rpm_verify_scanner_results.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(legacy["Successful"], "false");
    assert_eq!(legacy["UUID"], "empty");
}
