//! Shared helpers of the scanner-openscap test suites: fixture paths, running the reference
//! `oscap`, and comparing per-definition results.
#![allow(dead_code)]

use std::fs;
use std::path::{Path, PathBuf};

use testkit::{RpmSpec, SpecFile};

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

pub fn release_pkg(version: &str, release: &str) -> RpmSpec {
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

pub fn build_root(work: &Path, specs: &[RpmSpec], sign: Option<&Signer>) -> PathBuf {
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

/// A throw-away OpenPGP key and rpmsign with v3 and v4 signatures.
pub struct Signer {
    pub home: PathBuf,
    pub key_id: String,
}

impl Drop for Signer {
    /// Stops the gpg-agent that key generation and signing started for this GNUPGHOME.
    fn drop(&mut self) {
        let _ = testkit::command("gpgconf")
            .env("GNUPGHOME", &self.home)
            .args(["--kill", "all"])
            .output();
    }
}

impl Signer {
    pub fn new(dir: &Path) -> Option<Signer> {
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

    /// Signs with a header-only (v4) signature, as modern rpmsign does by default.
    pub fn sign_v4_only(&self, rpms: &[PathBuf]) {
        testkit::run(
            testkit::command("rpmsign")
                .env("GNUPGHOME", &self.home)
                .arg("--addsign")
                .arg("--define")
                .arg("__gpg /usr/bin/gpg")
                .arg("--define")
                .arg("_gpg_name OVAL Test")
                .args(rpms),
        )
        .expect("rpmsign");
    }

    pub fn sign(&self, rpms: &[PathBuf]) {
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

/// The root of the historical oscap CVE run (oscap-runs/rootfs-cve.rpm-qa.tsv): RHEL 8.0 with
/// packages straddling the fixed versions of several RHSAs, all signed with the test key except
/// curl (vulnerable but unsigned). `extra` adds kernel, bind and python3-libs.
pub fn rhel8_cve_root(work: &Path, signer: &Signer, extra: bool) -> PathBuf {
    let x = |n: &str, v: &str, r: &str| {
        RpmSpec::new(n, v, r).arch("x86_64").file(SpecFile::file(
            &format!("/usr/share/doc/{n}/README"),
            format!("{n}\n"),
        ))
    };
    // Versions straddle the fixed versions of RHSA-2019:0990/1619/3513/3592/3700 and friends.
    let mut signed = vec![
        x("systemd", "239", "10.el8"),
        x("glibc", "2.28", "42.el8"),
        x("openssl-libs", "1.1.1", "8.el8").epoch(1),
        x("vim-minimal", "8.0.1763", "10.el8").epoch(2),
        x("openssh-server", "8.0p1", "3.el8"),
        x("dbus", "1.12.8", "9.el8").epoch(1),
        release_pkg("8.0", "0.3.el8"),
    ];
    if extra {
        // kernel brings the kpatch definitions (uname, grubenv variable without value).
        signed.push(x("kernel", "4.18.0", "80.el8"));
        signed.push(x("bind", "9.11.4", "16.el8").epoch(32));
        signed.push(x("python3-libs", "3.6.8", "1.el8"));
    }
    let rpms_dir = work.join("rpms");
    fs::create_dir_all(&rpms_dir).unwrap();
    let mut rpms: Vec<PathBuf> = signed.iter().map(|s| s.build(&rpms_dir).unwrap()).collect();
    signer.sign(&rpms);
    // Vulnerable but unsigned: the "signed with Red Hat key" criterion keeps it false.
    rpms.push(x("curl", "7.61.1", "8.el8").build(&rpms_dir).unwrap());
    let root = work.join("root");
    testkit::rpm_install(&root, &rpms, &[]).unwrap();
    if extra {
        // The kpatch definitions read the default boot entry: grubenv's saved_entry (a
        // look-behind pattern) plus one, as the instance of a menuentry line in grub.cfg.
        fs::create_dir_all(root.join("boot/grub2")).unwrap();
        fs::write(
            root.join("boot/grub2/grubenv"),
            "# GRUB Environment Block\nsaved_entry=1\n",
        )
        .unwrap();
        fs::write(
            root.join("boot/grub2/grub.cfg"),
            "menuentry 'Red Hat Enterprise Linux (4.18.0-80.4.2.el8_0.x86_64) 8.0 (Ootpa)' {\n}\n\
             menuentry 'Red Hat Enterprise Linux (4.18.0-80.el8.x86_64) 8.0 (Ootpa)' {\n}\n",
        )
        .unwrap();
    }
    root
}
