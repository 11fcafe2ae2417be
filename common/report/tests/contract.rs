//! The atomic `json` contract end to end: byte equality with oscapd-evaluate's real files and with
//! Python's json module, snapshots of successful / failed / findings documents, the per-target run
//! loop (isolation of errors and panics, OSTree symlinks, output confinement) and atomic's summary.

use std::fs;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use clap::Parser;
use report::{
    document, pyjson, render_atomic_summary, run_targets, to_bytes, RunInfo, ScanResult,
    TargetOptions, Vulnerability,
};
use serde_json::{json, Value};

fn fixture(name: &str) -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(name),
    )
    .unwrap()
}

/// Rebuilds an oscapd `json` through our document API from its parts and checks the bytes.
fn rebuild(original: &[u8]) -> Vec<u8> {
    let v: Value = serde_json::from_slice(original).unwrap();
    let s = |k: &str| v[k].as_str().unwrap().to_string();
    let run = RunInfo {
        uuid: s("UUID"),
        scanner: s("Scanner"),
        scan_type: s("Scan Type"),
        time: s("Time"),
        finished_time: s("Finished Time"),
    };
    let vulns = v["Vulnerabilities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| Vulnerability {
            title: i["Title"].as_str().unwrap().into(),
            severity: i["Severity"].as_str().unwrap().into(),
            description: i["Description"].as_str().unwrap().into(),
            custom: i["Custom"].clone(),
        })
        .collect();
    let mut result = ScanResult::success();
    result.successful = s("Successful") == "true";
    result.vulnerabilities = Some(vulns);
    result.cve_feed_last_updated = v
        .get("CVE Feed Last Updated")
        .map(|f| f.as_str().unwrap().into());
    if let Some(p) = v.get("Profile") {
        result.extra_keys.push(("Profile".into(), p.clone()));
    }
    to_bytes(&document(&run, &result))
}

#[test]
fn byte_identical_to_oscapd_files() {
    for name in ["atomic-json-cve.json", "atomic-json-compliance-stig.json"] {
        let original = fixture(name);
        let parsed: Value = serde_json::from_slice(&original).unwrap();
        assert_eq!(
            String::from_utf8(to_bytes(&parsed)).unwrap(),
            String::from_utf8(original.clone()).unwrap(),
            "{name}: re-serialization"
        );
        assert_eq!(
            String::from_utf8(rebuild(&original)).unwrap(),
            String::from_utf8(original).unwrap(),
            "{name}: rebuilt from parts"
        );
    }
    // The shared originals, when present, are the same bytes as our copies.
    if let Some(shared) = testkit::shared_fixtures() {
        for name in ["atomic-json-cve.json", "atomic-json-compliance-stig.json"] {
            let p = shared.join("oval/oscap-runs").join(name);
            assert_eq!(fs::read(p).unwrap(), fixture(name));
        }
    }
}

#[test]
fn same_bytes_as_python_json_dump() {
    if !testkit::require_tool("python3") {
        return;
    }
    let doc = json!({
        "UUID": "/scanin/0123abc",
        "Unicode": "caf\u{e9} \u{2013} \u{1f600} \u{7f} \u{0} \u{1f} tab\t nl\n cr\r bs\u{8} ff\u{c} q\" bs\\ sl/",
        "Empty list": [], "Empty dict": {},
        "Nested": [[], [{}], [1, -2, 0, true, false, null, "x"], {"a": {"b": ["c"]}}],
        "Big": 18446744073709551615u64, "Neg": -9223372036854775808i64,
        "Strings": escaping_cases(),
    });
    let input = serde_json::to_string(&doc).unwrap();
    let mut child = Command::new("python3")
        .args([
            "-c",
            "import json,sys,collections\n\
             d=json.loads(sys.stdin.read(),object_pairs_hook=collections.OrderedDict)\n\
             sys.stdout.write(json.dumps(d,indent=2))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        pyjson::to_string_indent(&doc, 2),
        String::from_utf8(out.stdout).unwrap()
    );
}

/// Every string of up to three characters from an alphabet of plain, quoted, control, DEL,
/// non-ASCII and astral characters (the escaper copies runs of plain ones at once), and a
/// longer one.
fn escaping_cases() -> Vec<String> {
    let alphabet = [
        'a',
        ' ',
        '~',
        '"',
        '\\',
        '\n',
        '\t',
        '\u{1}',
        '\u{7f}',
        '\u{e9}',
        '\u{1f600}',
    ];
    let mut cases = vec![
        String::new(),
        "RHSA-2024:1234 \"quoted\" \\ path\n\u{e9}t\u{e9}".into(),
    ];
    for a in alphabet {
        cases.push(a.to_string());
        for b in alphabet {
            cases.push([a, b].iter().collect());
            for c in alphabet {
                cases.push([a, b, c].iter().collect());
            }
        }
    }
    cases
}

fn fixed_run(scan_type: &str) -> RunInfo {
    let scanner = match scan_type {
        "cve" => "openscap",
        other => other,
    };
    RunInfo {
        uuid: "/scanin/41a4953dbf957cfc562935239a3153a5da6101f32fa30da7b4a506f23cfcde9d".into(),
        scanner: scanner.into(),
        scan_type: scan_type.into(),
        time: "2016-08-09T13:50:47".into(),
        finished_time: "2016-08-09T13:50:49".into(),
    }
}

#[test]
fn snapshot_successful_clean() {
    let doc = document(&fixed_run("rpm-verify"), &ScanResult::success());
    insta::assert_snapshot!(
        "successful_clean",
        String::from_utf8(to_bytes(&doc)).unwrap()
    );
}

#[test]
fn snapshot_failed() {
    let doc = document(
        &fixed_run("rpm-verify"),
        &ScanResult::failure(
            "no rpm database found under /var/lib/rpm, /usr/lib/sysimage/rpm or /usr/share/rpm",
        ),
    );
    insta::assert_snapshot!("failed", String::from_utf8(to_bytes(&doc)).unwrap());
}

#[test]
fn snapshot_findings() {
    let mut r = ScanResult::success();
    r.cve_feed_last_updated = Some("unknown".into());
    r.scan_type = Some("CVE".into());
    r.vulnerabilities = Some(vec![Vulnerability {
        title: "RHSA-2019:3700: openssl security update (Low)".into(),
        severity: "Low".into(),
        description: "OpenSSL is a toolkit \u{2014} see CVE-2018-0734.".into(),
        custom: json!({"RHSA ID": "RHSA-2019:3700",
                       "Associated CVEs": [{"CVE ID": "CVE-2018-0734", "CVE URL": "https://access.redhat.com/security/cve/CVE-2018-0734"}]}),
    }]);
    r.custom = Some(json!({"OS Release": "Red Hat Enterprise Linux 8.1 (Ootpa)"}));
    let doc = document(&fixed_run("cve"), &r);
    insta::assert_snapshot!("findings", String::from_utf8(to_bytes(&doc)).unwrap());
    let mut r = ScanResult::success();
    r.vulnerabilities = None;
    r.results = Some(vec![
        json!({"Custom": {"Package": "bash-5.1.8-6.el9.x86_64", "Update": "bash-5.1.8-9.el9.x86_64"}}),
    ]);
    let doc = document(&fixed_run("yum-update"), &r);
    insta::assert_snapshot!("results", String::from_utf8(to_bytes(&doc)).unwrap());
}

/// Replaces the run-dependent times after checking their format.
fn normalized(path: &Path) -> String {
    let mut v: Value = serde_json::from_slice(&fs::read(path).unwrap()).unwrap();
    for k in ["Time", "Finished Time"] {
        let t = v[k].as_str().unwrap();
        let b = t.as_bytes();
        assert!(
            b.len() == 19
                && b[4] == b'-'
                && b[7] == b'-'
                && b[10] == b'T'
                && b[13] == b':'
                && b[16] == b':',
            "{k} = {t}"
        );
        v[k] = Value::String("<time>".into());
    }
    String::from_utf8(to_bytes(&v)).unwrap()
}

struct Scan {
    _tmp: tempfile::TempDir,
    scanin: PathBuf,
    scanout: PathBuf,
    outside: PathBuf,
}

fn scan_dirs() -> Scan {
    let tmp = tempfile::tempdir().unwrap();
    let scanin = tmp.path().join("scanin");
    let scanout = tmp.path().join("scanout");
    let outside = tmp.path().join("outside");
    for d in [&scanin, &scanout, &outside] {
        fs::create_dir(d).unwrap();
    }
    for id in ["a-good", "b-panics", "c-fails"] {
        fs::create_dir(scanin.join(id)).unwrap();
        fs::create_dir_all(scanin.join(id).join("etc")).unwrap();
        fs::write(scanin.join(id).join("etc/marker"), id).unwrap();
    }
    // OSTree: the /scanin entry is a symlink to the real mount, followed once.
    let ostree = tmp.path().join("ostree-deploy");
    fs::create_dir_all(ostree.join("etc")).unwrap();
    fs::write(ostree.join("etc/marker"), "d-ostree").unwrap();
    symlink(&ostree, scanin.join("d-ostree")).unwrap();
    // A link to a link is not followed twice; a plain file is no target.
    symlink("d-ostree", scanin.join("e-link-to-link")).unwrap();
    fs::write(scanin.join("f-file"), "not a dir").unwrap();
    Scan {
        _tmp: tmp,
        scanin,
        scanout,
        outside,
    }
}

fn scanner(t: &report::ScanTarget) -> anyhow::Result<ScanResult> {
    let root = rootfs::Rootfs::open(&t.rootfs_path)?;
    let marker = root.read_to_string("/etc/marker", 100)?;
    match marker.as_str() {
        "b-panics" => panic!("header index out of range in {}", t.id),
        "c-fails" => Err(anyhow::anyhow!("reading the rpm database").context("scanning c-fails")),
        _ => {
            let mut r = ScanResult::success();
            r.custom = Some(json!({"Marker": marker}));
            r.extra_files
                .push(("report.txt".into(), format!("{marker}\n").into_bytes()));
            Ok(r)
        }
    }
}

#[test]
fn targets_are_isolated_and_confined() {
    let s = scan_dirs();
    // A pre-planted symlink in the output dir must not redirect a target's results.
    fs::create_dir(s.scanin.join("g-planted")).unwrap();
    fs::create_dir_all(s.scanin.join("g-planted/etc")).unwrap();
    fs::write(s.scanin.join("g-planted/etc/marker"), "g").unwrap();
    symlink(&s.outside, s.scanout.join("g-planted")).unwrap();
    let argv = report::normalize_scanner_args([
        "scanner".into(),
        "--scanin".into(),
        s.scanin.clone().into_os_string(),
        "--scanout".into(),
        s.scanout.clone().into_os_string(),
    ]);
    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        targets: TargetOptions,
    }
    let cli = Cli::parse_from(argv);
    let code = run_targets(&cli.targets, "rpm-verify", "rpm-verify", scanner);
    // g-planted could not be written (its output dir is a symlink): that is a could-not-run status.
    assert_eq!(code, report::EXIT_CANNOT_RUN);
    assert_eq!(
        fs::read_dir(&s.outside).unwrap().count(),
        0,
        "nothing written outside"
    );
    let mut ids: Vec<String> = fs::read_dir(&s.scanout)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    ids.sort();
    assert_eq!(
        ids,
        ["a-good", "b-panics", "c-fails", "d-ostree", "g-planted"]
    );
    let out = |id: &str| s.scanout.join(id).join("json");
    insta::assert_snapshot!("run_good", normalized(&out("a-good")));
    insta::assert_snapshot!("run_panicked", normalized(&out("b-panics")));
    insta::assert_snapshot!("run_failed", normalized(&out("c-fails")));
    let d: Value = serde_json::from_slice(&fs::read(out("d-ostree")).unwrap()).unwrap();
    assert_eq!(d["Successful"], "true");
    assert_eq!(d["UUID"], "/scanin/d-ostree");
    assert_eq!(d["Custom"]["Marker"], "d-ostree");
    assert_eq!(
        fs::read(s.scanout.join("a-good/report.txt")).unwrap(),
        b"a-good\n"
    );
    // Only json and the extra file: no temp files left.
    assert_eq!(fs::read_dir(s.scanout.join("a-good")).unwrap().count(), 2);
    // The summary atomic would print for this results directory.
    let loaded = report::load_results(&s.scanout).unwrap();
    let names: Vec<&str> = loaded.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["a-good", "b-panics", "c-fails", "d-ostree"]);
    let text = render_atomic_summary(&loaded, Path::new("/var/lib/atomic/rpm-verify/TS"));
    assert!(text.contains("\n     b-panics is not supported for this scan.\n"));
    assert!(text.contains("\na-good (a-good)\n\n   Marker: a-good\na-good passed the scan\n"));
    // Without the planted link the same run exits 0 although targets failed.
    fs::remove_file(s.scanout.join("g-planted")).unwrap();
    let code = run_targets(&cli.targets, "rpm-verify", "rpm-verify", scanner);
    assert_eq!(code, 0);
}

#[test]
fn cannot_run_at_all() {
    let s = scan_dirs();
    let opts = TargetOptions {
        scanin: s.scanin.join("missing"),
        scanout: s.scanout.clone(),
        ..TargetOptions::default()
    };
    assert_eq!(
        run_targets(&opts, "x", "x", scanner),
        report::EXIT_CANNOT_RUN
    );
    let opts = TargetOptions {
        scanin: s.scanin.clone(),
        scanout: s.scanout.join("missing"),
        ..TargetOptions::default()
    };
    assert_eq!(
        run_targets(&opts, "x", "x", scanner),
        report::EXIT_CANNOT_RUN
    );
}

#[test]
fn rootfs_mode_writes_to_output_dir() {
    let s = scan_dirs();
    let out = s.outside.join("results");
    let opts = TargetOptions {
        rootfs: Some(s.scanin.join("a-good")),
        output: Some(out.clone()),
        ..TargetOptions::default()
    };
    assert_eq!(run_targets(&opts, "rpm-verify", "rpm-verify", scanner), 0);
    let v: Value = serde_json::from_slice(&fs::read(out.join("json")).unwrap()).unwrap();
    assert_eq!(v["UUID"], s.scanin.join("a-good").to_str().unwrap());
    assert_eq!(fs::read(out.join("report.txt")).unwrap(), b"a-good\n");
    let opts = TargetOptions {
        rootfs: Some(s.scanin.join("c-fails")),
        output: Some(s.outside.join("results-c")),
        ..TargetOptions::default()
    };
    assert_eq!(run_targets(&opts, "rpm-verify", "rpm-verify", scanner), 1);
}

#[test]
fn atomic_summary_text() {
    let cve: Value = serde_json::from_slice(&fixture("atomic-json-cve.json")).unwrap();
    let failed = document(
        &fixed_run("rpm-verify"),
        &ScanResult::failure("no rpm database"),
    );
    let clean = document(&fixed_run("rpm-verify"), &ScanResult::success());
    let mut r = ScanResult::success();
    r.custom = Some(json!({"OS Release": "Fedora 39", "Counts": {"updates": 2, "security": true}}));
    r.results = Some(vec![
        json!({"Custom": {"Package": "bash", "Versions": ["5.1", "5.2"]}}),
        json!({"Custom": {}}),
    ]);
    let results = document(&fixed_run("yum-update"), &r);
    let dir = Path::new("/var/lib/atomic/openscap/2016-08-09-13-50-47-551415");
    let text = render_atomic_summary(
        &[
            ("/tmp/rootfs-cve".into(), cve),
            ("/tmp/no-rpmdb".into(), failed),
            ("/tmp/clean".into(), clean),
            ("/tmp/with-results".into(), results),
        ],
        dir,
    );
    // What tools parsed out of atomic's output: the grep'ed line, and awk's field 8.
    assert!(text.contains("\nThe following issues were found:\n"));
    let last = text.lines().rev().find(|l| !l.is_empty()).unwrap();
    assert_eq!(
        last.split_whitespace().nth(7).unwrap(),
        format!("{}.", dir.display())
    );
    insta::assert_snapshot!("atomic_summary", text);
}

/// Deep recursion in a scanner (nested hostile input) runs on the target's own large stack instead
/// of overflowing the caller's (an overflow would abort every target).
#[test]
fn targets_get_a_large_stack() {
    fn depth(n: u32) -> u64 {
        let frame = std::hint::black_box([n as u8; 1024]);
        if n == 0 {
            frame[0] as u64
        } else {
            depth(n - 1) + std::hint::black_box(frame[1]) as u64
        }
    }
    let s = scan_dirs();
    let target = report::ScanTarget {
        id: "a-good".into(),
        uuid: "/scanin/a-good".into(),
        rootfs_path: s.scanin.join("a-good"),
        out_dir: None,
    };
    // About 40 MB of stack: far beyond a test thread's 2 MB.
    let (doc, _) = report::scan_target(&target, "x", "x", &|_: &report::ScanTarget| {
        let mut r = ScanResult::success();
        r.custom = Some(json!({"sum": depth(40_000)}));
        Ok(r)
    });
    assert_eq!(doc["Successful"], "true");
}
