//! Differential tests against the real `oscap` on rpm-based roots built here with rpmbuild and
//! `rpm --root`: for every definition our engine (collecting through rootfs + rpmdb) must give
//! exactly the result `oscap oval eval` gives with OSCAP_PROBE_ROOT on the same tree.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

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

fn release_pkg(version: &str, release: &str) -> RpmSpec {
    RpmSpec::new("redhat-release", version, release)
        .file(SpecFile::file(
            "/etc/redhat-release",
            format!("Red Hat Enterprise Linux release {version} (Ootpa)\n"),
        ))
        .file(SpecFile::file(
            "/etc/os-release",
            format!("NAME=\"Red Hat Enterprise Linux\"\nID=\"rhel\"\nVERSION_ID=\"{version}\"\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:8::baseos\"\n"),
        ))
}

fn build_root(work: &Path, specs: &[RpmSpec], sign: Option<&Signer>) -> PathBuf {
    let rpms_dir = work.join("rpms");
    fs::create_dir_all(&rpms_dir).unwrap();
    let rpms: Vec<PathBuf> = specs
        .iter()
        .map(|s| s.build(&rpms_dir).expect("rpmbuild"))
        .collect();
    if let Some(s) = sign {
        s.sign(&rpms);
    }
    let root = work.join("root");
    fs::create_dir_all(&root).unwrap();
    testkit::rpm_install(&root, &rpms, &[]).expect("rpm install");
    root
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
        release_pkg("8.6", "0.1.el8"),
    ];
    let root = build_root(work.path(), &specs, None);
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
    // The document exercises every result value the image can produce.
    for want in [
        OvalResult::True,
        OvalResult::False,
        OvalResult::NotApplicable,
    ] {
        assert!(mine.iter().any(|(_, r)| *r == want), "no {want:?} result");
    }
}

/// A throw-away OpenPGP key and rpmsign with v3 and v4 signatures.
struct Signer {
    home: PathBuf,
    key_id: String,
}

impl Signer {
    fn new(dir: &Path) -> Option<Signer> {
        if !testkit::require_tool("gpg") || !testkit::require_tool("rpmsign") {
            return None;
        }
        let home = dir.join("gnupg");
        fs::create_dir_all(&home).unwrap();
        fs::set_permissions(&home, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
        testkit::run(testkit::command("gpg").env("GNUPGHOME", &home).args([
            "--batch",
            "--passphrase",
            "",
            "--quick-gen-key",
            "OVAL Test <oval@test.invalid>",
            "rsa2048",
            "sign",
            "never",
        ]))
        .expect("gpg key");
        let out = testkit::run(testkit::command("gpg").env("GNUPGHOME", &home).args([
            "--batch",
            "--with-colons",
            "--list-secret-keys",
        ]))
        .expect("gpg list");
        let text = String::from_utf8_lossy(&out.stdout);
        let fpr = text
            .lines()
            .find(|l| l.starts_with("fpr:"))
            .and_then(|l| l.split(':').nth(9))
            .expect("fingerprint")
            .to_lowercase();
        Some(Signer {
            key_id: fpr[fpr.len() - 16..].to_string(),
            home,
        })
    }

    fn sign(&self, rpms: &[PathBuf]) {
        testkit::run(
            testkit::command("rpmsign")
                .env("GNUPGHOME", &self.home)
                .args(["--addsign", "--rpmv3"])
                .arg("--define")
                .arg("__gpg /usr/bin/gpg")
                .arg("--define")
                .arg("_gpg_name OVAL Test")
                .arg("--define")
                .arg(format!("_gpg_path {}", self.home.display()))
                .args(rpms),
        )
        .expect("rpmsign");
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
    let work = tempfile::tempdir().unwrap();
    let Some(signer) = Signer::new(work.path()) else {
        return;
    };
    let x = |n: &str, v: &str, r: &str| {
        RpmSpec::new(n, v, r).arch("x86_64").file(SpecFile::file(
            &format!("/usr/share/doc/{n}/README"),
            format!("{n}\n"),
        ))
    };
    // Versions straddle the fixed versions of RHSA-2019:0990/1619/3513/3592/3700 and friends.
    let signed = [
        x("systemd", "239", "10.el8"),
        x("glibc", "2.28", "42.el8"),
        x("openssl-libs", "1.1.1", "8.el8").epoch(1),
        x("vim-minimal", "8.0.1763", "10.el8").epoch(2),
        x("openssh-server", "8.0p1", "3.el8"),
        x("dbus", "1.12.8", "9.el8").epoch(1),
        release_pkg("8.0", "0.3.el8"),
    ];
    let rpms_dir = work.path().join("rpms");
    fs::create_dir_all(&rpms_dir).unwrap();
    let mut rpms: Vec<PathBuf> = signed.iter().map(|s| s.build(&rpms_dir).unwrap()).collect();
    signer.sign(&rpms);
    // Vulnerable but unsigned: the "signed with Red Hat key" criterion keeps it false.
    rpms.push(x("curl", "7.61.1", "8.el8").build(&rpms_dir).unwrap());
    let root = work.path().join("root");
    testkit::rpm_install(&root, &rpms, &[]).unwrap();
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
