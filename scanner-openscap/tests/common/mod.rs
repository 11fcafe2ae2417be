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
///
/// oscap 1.3.7 bug worked around here: its CHROOT-mode probes (rpminfo, rpmverifyfile) run as
/// threads and `chroot()` the whole process, so a second probe's `chroot(OSCAP_PROBE_ROOT)` and
/// the final write of the results file resolve inside the image ("chroot failed", "Could not
/// open output file", exit 0 with no results). The root therefore gets `<root><root path>` as a
/// symlink to `/` (nested chroots land on the same tree) and `<root><work path>` as a directory
/// (where the results then appear). The second rpm probe also initialises librpm *inside* the
/// chrooted process, so the root gets the host's `/usr/lib/rpm/{rpmrc,macros}` (a real RHEL
/// image has its own) and the test HOME's `.rpmmacros` (`%_dbpath /var/lib/rpm`) at the same
/// path. `prepare_root_for_oscap` must run before either tool evaluates the root, so both see
/// the same tree.
pub fn oscap_eval_root(defs: &Path, root: &Path, work: &Path) -> Vec<(String, OvalResult)> {
    let out = work.join("oscap-eval-results.xml");
    let run = testkit::run(
        testkit::command("oscap")
            .env("OSCAP_PROBE_ROOT", root)
            .args(["oval", "eval", "--results"])
            .arg(&out)
            .arg(defs),
    )
    .expect("oscap oval eval");
    let inside = root.join(out.strip_prefix("/").unwrap());
    let path = if out.is_file() { out } else { inside };
    match scanner_openscap::results_doc::definition_results(&path) {
        Ok(r) => r,
        Err(e) => panic!(
            "oscap wrote no readable results ({e}); stderr:\n{}",
            String::from_utf8_lossy(&run.stderr)
        ),
    }
}

/// See [`oscap_eval_root`]: makes nested chroots and the results path work inside `root`.
pub fn prepare_root_for_oscap(root: &Path, work: &Path) {
    let root = root.canonicalize().unwrap();
    let work = work.canonicalize().unwrap();
    std::fs::create_dir_all(root.join(work.strip_prefix("/").unwrap())).unwrap();
    let rpmlib = root.join("usr/lib/rpm");
    std::fs::create_dir_all(&rpmlib).unwrap();
    for f in ["rpmrc", "macros"] {
        let host = Path::new("/usr/lib/rpm").join(f);
        if host.is_file() && !rpmlib.join(f).exists() {
            std::fs::copy(&host, rpmlib.join(f)).unwrap();
        }
    }
    let home = testkit::rpm_home();
    let inner_home = root.join(home.strip_prefix("/").unwrap());
    std::fs::create_dir_all(&inner_home).unwrap();
    std::fs::copy(home.join(".rpmmacros"), inner_home.join(".rpmmacros")).unwrap();
    let inner = root.join(root.strip_prefix("/").unwrap());
    if inner.symlink_metadata().is_err() {
        std::fs::create_dir_all(inner.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink("/", &inner).unwrap();
    }
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
