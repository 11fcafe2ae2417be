//! Differential tests against the real `oscap` on rpm-based roots built here with rpmbuild and
//! `rpm --root`: for every definition our engine (collecting through rootfs + rpmdb) must give
//! exactly the result `oscap oval eval` gives with OSCAP_PROBE_ROOT on the same tree.

mod common;

use std::fs;
use std::path::Path;

use scanner_openscap::eval::Engine;
use scanner_openscap::parse::parse_file;
use scanner_openscap::probes::ImageProbes;
use scanner_openscap::result::OvalResult;
use testkit::{RpmSpec, SpecFile};

fn ours(defs: &Path, root: &Path) -> Vec<(String, OvalResult)> {
    let doc = parse_file(defs).expect("parse definitions");
    let probes = ImageProbes::new(rootfs::Rootfs::open(root).expect("open root"));
    let mut e = Engine::live(&doc, &probes);
    e.evaluate_all()
}

fn tools() -> bool {
    ["oscap", "rpm", "rpmbuild"]
        .iter()
        .all(|t| testkit::require_tool(t))
}

#[test]
fn hand_written_features_match_oscap() {
    if !tools() {
        return;
    }
    let work = tempfile::Builder::new()
        .disable_cleanup(std::env::var_os("OVAL_KEEP_WORK").is_some())
        .tempdir()
        .unwrap();
    eprintln!("work dir: {}", work.path().display());
    let specs = vec![
        RpmSpec::new("pkga", "1.0", "1")
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/pkga/a", "a\n")),
        RpmSpec::new("pkgb", "3.5", "2.el8")
            .epoch(2)
            .arch("x86_64")
            .file(SpecFile::file("/usr/share/pkgb/b", "b\n")),
        common::release_pkg("8.6", "0.1.el8"),
    ];
    let root = common::build_root(work.path(), &specs, None);
    fs::create_dir_all(root.join("etc/dnf/modules.d")).unwrap();
    fs::write(
        root.join("etc/dnf/modules.d/idm.module"),
        "[idm]\nname=idm\nstream=DL1\nprofiles=\nstate=enabled\n",
    )
    .unwrap();
    fs::write(
        root.join("etc/sample.conf"),
        "# sample\nMaxAuthTries 4\nVersion 1.2\nMaxAuthTries 6\n",
    )
    .unwrap();
    let defs = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/features.oval.xml");
    common::prepare_root_for_oscap(&root, work.path());
    let mine = ours(&defs, &root);
    let theirs = common::oscap_eval_root(&defs, &root, work.path());
    common::assert_same(&mine, &theirs, "features.oval.xml");
    // The local-variable functions (definitions 103..113) all come out true.
    for (id, r) in &mine {
        let n: u32 = id.rsplit(':').next().unwrap().parse().unwrap();
        if n > 100 {
            assert_eq!(*r, OvalResult::True, "{id}");
        }
    }
    // The document exercises every result value the image can produce.
    for want in [
        OvalResult::True,
        OvalResult::False,
        OvalResult::NotApplicable,
    ] {
        assert!(mine.iter().any(|(_, r)| *r == want), "no {want:?} result");
    }
}

#[test]
fn red_hat_rhel8_feed_matches_oscap() {
    if !tools() {
        return;
    }
    let Some(fx) = common::oval_fixtures() else {
        return;
    };
    let work = tempfile::Builder::new()
        .disable_cleanup(std::env::var_os("OVAL_KEEP_WORK").is_some())
        .tempdir()
        .unwrap();
    eprintln!("work dir: {}", work.path().display());
    let Some(signer) = common::Signer::new(work.path()) else {
        return;
    };
    let root = common::rhel8_cve_root(work.path(), &signer, true);
    // The feed with Red Hat's key id replaced by the test key's (a transformation done here).
    let feed = fs::read_to_string(fx.join("claircore__com.redhat.rhsa-RHEL8.xml")).unwrap();
    assert!(feed.contains("199e2f91fd431d51"));
    let defs = work.path().join("rhel8-testkey.xml");
    fs::write(&defs, feed.replace("199e2f91fd431d51", &signer.key_id)).unwrap();
    common::prepare_root_for_oscap(&root, work.path());
    let mine = ours(&defs, &root);
    let theirs = common::oscap_eval_root(&defs, &root, work.path());
    common::assert_same(&mine, &theirs, "com.redhat.rhsa-RHEL8 (test key)");
    let trues = mine.iter().filter(|(_, r)| *r == OvalResult::True).count();
    assert!(
        trues >= 3,
        "the root should be vulnerable to several RHSAs, got {trues}"
    );
    assert!(mine.iter().any(|(_, r)| *r == OvalResult::False));
}
