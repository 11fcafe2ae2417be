//! Shared fixtures of the integration tests: the SSG data streams, a small fake RHEL 8 root
//! built with rpmbuild + `rpm --root`, and one cached `oscap xccdf eval` run per test process.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use openscap_xccdf::oscap::OscapRun;
use openscap_xccdf::{
    ComplianceOptions, ContainerMarker, Engine, OscapOptions, OvalEvaluator, OvalOutcome,
    OvalRequest, OvalResult, XccdfResult,
};
use testkit::{RpmSpec, SpecFile};

pub const SSG_DIR: &str = "/usr/share/xml/scap/ssg/content";
pub const STANDARD: &str = "xccdf_org.ssgproject.content_profile_standard";

/// A gzipped oscap run of the shared fixtures (`oval/oscap-runs/<name>`), decompressed; None
/// (skip) without `../shared` (panics in CI).
pub fn fixture_arf(name: &str) -> Option<Vec<u8>> {
    use std::io::Read;
    let dir = testkit::shared_fixtures()?;
    let gz = std::fs::read(dir.join("oval/oscap-runs").join(name)).unwrap();
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&gz[..])
        .read_to_end(&mut out)
        .unwrap();
    Some(out)
}

/// An SSG data stream, or None (skip) when the ssg packages are not installed (panics in CI).
pub fn ssg(name: &str) -> Option<PathBuf> {
    let p = Path::new(SSG_DIR).join(name);
    if p.is_file() {
        return Some(p);
    }
    if testkit::ci() {
        panic!(
            "{} is missing (apt-get install ssg-nondebian ssg-base), CI=true forbids skipping",
            p.display()
        );
    }
    eprintln!(
        "skipping: {} is not installed (apt-get install ssg-nondebian ssg-base)",
        p.display()
    );
    None
}

fn file(path: &str, content: &str) -> SpecFile {
    SpecFile::file(path, content.as_bytes().to_vec())
}

/// Builds a small RHEL 8.6 root: real RPMs (redhat-release owning /etc/redhat-release and
/// /etc/os-release, setup, sudo, openssh-server, crypto-policies, bash, kernel-free), some files
/// set to pass and some to fail chosen rules.
pub fn build_rhel8_root(dir: &Path, container: bool) -> PathBuf {
    build_rhel_root(dir, "8.6", container)
}

/// Same for another RHEL release (`version` like "9.2").
pub fn build_rhel_root(dir: &Path, version: &str, container: bool) -> PathBuf {
    let major = version.split('.').next().unwrap().to_string();
    let rpms_dir = dir.join("rpms");
    let root = dir.join("root");
    std::fs::create_dir_all(&rpms_dir).unwrap();
    std::fs::create_dir_all(&root).unwrap();
    let os_release = format!(
        "NAME=\"Red Hat Enterprise Linux\"\nVERSION=\"{version}\"\nID=\"rhel\"\nID_LIKE=\"fedora\"\nVERSION_ID=\"{version}\"\nPLATFORM_ID=\"platform:el{major}\"\nPRETTY_NAME=\"Red Hat Enterprise Linux {version}\"\nCPE_NAME=\"cpe:/o:redhat:enterprise_linux:{major}::baseos\"\n"
    );
    let specs = vec![
        RpmSpec::new("redhat-release", version, &format!("0.1.el{major}"))
            .file(file("/etc/redhat-release", &format!("Red Hat Enterprise Linux release {version}\n")))
            .file(file("/etc/os-release", &os_release)),
        RpmSpec::new("setup", "2.12.2", "6.el8")
            .file(file("/etc/passwd", "root:x:0:0:root:/root:/bin/bash\nbin:x:1:1:bin:/bin:/sbin/nologin\nnobody:x:65534:65534:Kernel Overflow User:/:/sbin/nologin\n"))
            .file(file("/etc/group", "root:x:0:\nbin:x:1:\nwheel:x:10:\nnobody:x:65534:\n"))
            .file(file("/etc/shadow", "root:!!:19000:0:99999:7:::\nbin:*:19000:0:99999:7:::\nnobody:*:19000:0:99999:7:::\n").mode(0o000))
            .file(file("/etc/gshadow", "root:::\nbin:::\nwheel:::\nnobody:::\n").mode(0o000))
            .file(file("/etc/profile", "# /etc/profile\numask 022\n"))
            .file(file("/etc/bashrc", "# /etc/bashrc\numask 022\n")),
        RpmSpec::new("sudo", "1.8.29", "8.el8")
            .file(file("/etc/sudoers", "Defaults   !visiblepw\nDefaults    always_set_home\nroot    ALL=(ALL)       ALL\n%wheel  ALL=(ALL)       ALL\n").mode(0o440)),
        RpmSpec::new("openssh-server", "8.0p1", "13.el8")
            .file(file("/etc/ssh/sshd_config", "HostKey /etc/ssh/ssh_host_rsa_key\nSyslogFacility AUTHPRIV\nPermitRootLogin no\nPermitEmptyPasswords no\nPasswordAuthentication yes\nChallengeResponseAuthentication no\nUsePAM yes\nX11Forwarding yes\n").mode(0o600)),
        RpmSpec::new("crypto-policies", "20211116", "1.gitae470d6.el8")
            .file(file("/etc/crypto-policies/config", "LEGACY\n"))
            .file(SpecFile::dir("/etc/crypto-policies/back-ends")),
        RpmSpec::new("bash", "4.4.20", "4.el8").file(file("/usr/bin/bash", "#!fake bash\n").mode(0o755)),
        RpmSpec::new("openssl-libs", "1.1.1k", "6.el8").file(file("/etc/pki/tls/openssl.cnf", "openssl_conf = default_modules\n")),
        RpmSpec::new("libselinux", "2.9", "5.el8").file(file("/etc/selinux/config", "SELINUX=enforcing\nSELINUXTYPE=targeted\n")),
        RpmSpec::new("rsyslog", "8.2102.0", "7.el8").file(file("/etc/rsyslog.conf", "*.info;mail.none;authpriv.none;cron.none /var/log/messages\n")),
    ];
    let mut rpms = Vec::new();
    for s in specs {
        rpms.push(s.build(&rpms_dir).expect("rpmbuild"));
    }
    testkit::rpm_install(&root, &rpms, &[]).expect("rpm --root -i");
    // Files not owned by packages.
    std::fs::create_dir_all(root.join("etc/dnf")).unwrap();
    std::fs::write(
        root.join("etc/dnf/dnf.conf"),
        "[main]\ngpgcheck=1\ninstallonly_limit=3\nclean_requirements_on_remove=True\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("etc/yum.repos.d")).unwrap();
    std::fs::write(
        root.join("etc/yum.repos.d/test.repo"),
        "[test]\nname=test\nbaseurl=file:///srv\ngpgcheck=0\n",
    )
    .unwrap();
    std::fs::create_dir_all(root.join("run")).unwrap();
    if container {
        std::fs::write(root.join("run/.containerenv"), "").unwrap();
    }
    root
}

/// A temp dir that lives for the whole test process.
pub fn process_dir(name: &str) -> &'static Path {
    let dir = tempfile::Builder::new()
        .prefix(&format!("openscap-xccdf-{name}-"))
        .tempdir()
        .unwrap()
        .keep();
    Box::leak(dir.into_boxed_path())
}

/// One oscap `standard` run on a fresh fake RHEL 8 root with the container marker (built as a
/// real file in the fixture), cached per process. None when a tool or SSG is missing.
pub fn oscap_standard_run() -> Option<&'static (PathBuf, OscapRun)> {
    static RUN: OnceLock<Option<(PathBuf, OscapRun)>> = OnceLock::new();
    RUN.get_or_init(|| {
        if !testkit::require_tool("oscap")
            || !testkit::require_tool("rpmbuild")
            || !testkit::require_tool("rpm")
        {
            return None;
        }
        let ds = ssg("ssg-rhel8-ds.xml")?;
        let dir = process_dir("standard");
        let root = build_rhel8_root(dir, true);
        let mut opts = ComplianceOptions::new(&ds)
            .profile(STANDARD)
            .engine(Engine::Oscap);
        opts.oscap = OscapOptions {
            container_marker: ContainerMarker::Off,
            skip_validation: true,
            ..OscapOptions::default()
        };
        let run = openscap_xccdf::oscap::run_eval(&root, &opts).expect("oscap xccdf eval");
        Some((root, run))
    })
    .as_ref()
}

/// OVAL definition results of every `ovalN` report of an ARF, by definition id (a definition
/// evaluated in any report counts).
pub fn oval_results_of_arf(arf: &[u8]) -> BTreeMap<String, OvalResult> {
    let text = std::str::from_utf8(arf).unwrap();
    let doc = roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            nodes_limit: u32::MAX,
        },
    )
    .unwrap();
    let mut out = BTreeMap::new();
    for d in doc.descendants().filter(|d| {
        d.tag_name().name() == "definition"
            && d.tag_name().namespace() == Some("http://oval.mitre.org/XMLSchema/oval-results-5")
    }) {
        if let (Some(id), Some(r)) = (d.attribute("definition_id"), d.attribute("result")) {
            // oscap writes one results document per OVAL session (two for the CPE OVAL); a
            // definition one session did not evaluate must not hide another session's result.
            let r = OvalResult::parse(r).unwrap();
            if r != OvalResult::NotEvaluated || !out.contains_key(id) {
                out.insert(id.to_string(), r);
            }
        }
    }
    out
}

/// An OVAL evaluator answering from a fixed table (here: oscap's own OVAL results), recording
/// the external variables it was given. Definitions absent from the table are not evaluated.
pub struct TableEvaluator {
    pub table: BTreeMap<String, OvalResult>,
    pub seen_vars: std::sync::Mutex<BTreeMap<String, Vec<String>>>,
}

impl TableEvaluator {
    pub fn new(table: BTreeMap<String, OvalResult>) -> Self {
        TableEvaluator {
            table,
            seen_vars: Default::default(),
        }
    }
}

impl OvalEvaluator for TableEvaluator {
    fn evaluate(
        &self,
        _root: &rootfs::Rootfs,
        req: &OvalRequest<'_>,
    ) -> Result<OvalOutcome, Box<dyn std::error::Error + Send + Sync>> {
        self.seen_vars.lock().unwrap().extend(
            req.external_variables
                .iter()
                .map(|(k, v)| (k.clone(), v.clone())),
        );
        Ok(OvalOutcome {
            results: req
                .definition_ids
                .iter()
                .map(|d| {
                    (
                        d.clone(),
                        self.table
                            .get(d)
                            .copied()
                            .unwrap_or(OvalResult::NotEvaluated),
                    )
                })
                .collect(),
            results_document: None,
        })
    }
}

/// The rhel8 data stream, loaded once per test process.
pub fn rhel8() -> Option<&'static openscap_xccdf::DataStreamCollection> {
    static DS: OnceLock<Option<openscap_xccdf::DataStreamCollection>> = OnceLock::new();
    DS.get_or_init(|| {
        let p = ssg("ssg-rhel8-ds.xml")?;
        Some(openscap_xccdf::DataStreamCollection::load(&p).expect("load rhel8 DS"))
    })
    .as_ref()
}

/// scanner-openscap's OVAL engine behind the evaluator trait (what the scanner binary uses).
#[allow(unused_imports)]
pub use scanner_openscap::compliance::NativeOval as ScannerOval;

/// (rules with a native verdict, verdicts that differ from oscap, rules left unevaluated).
pub fn compare(
    ours: &openscap_xccdf::ComplianceResult,
    theirs: &openscap_xccdf::ComplianceResult,
) -> (usize, Vec<String>, Vec<String>) {
    let t: BTreeMap<&str, XccdfResult> = theirs
        .rules
        .iter()
        .map(|x| (x.rule_id.as_str(), x.result))
        .collect();
    let (mut claimed, mut wrong, mut left) = (0, Vec::new(), Vec::new());
    for x in ours.selected() {
        let o = t.get(x.rule_id.as_str()).copied();
        if matches!(
            x.result,
            XccdfResult::Pass | XccdfResult::Fail | XccdfResult::NotApplicable
        ) {
            claimed += 1;
            if o != Some(x.result) {
                wrong.push(format!("{}: ours {} oscap {:?}", x.rule_id, x.result, o));
            }
        } else if o != Some(x.result) {
            left.push(format!("{}: ours {} oscap {:?}", x.rule_id, x.result, o));
        }
    }
    (claimed, wrong, left)
}

/// A hand-written benchmark (`tests/fixtures/<dir>/<benchmark>`) and that folder's `oval.xml`
/// composed into a source data stream by `oscap ds sds-compose`, and a tiny root (`/etc/flag`)
/// for the OVAL checks. Returns (temp dir, data stream, root).
pub fn compose_fixture(dir: &str, benchmark: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(dir);
    let tmp = tempfile::tempdir().unwrap();
    std::fs::copy(fixtures.join("oval.xml"), tmp.path().join("oval.xml")).unwrap();
    std::fs::copy(fixtures.join(benchmark), tmp.path().join("xccdf.xml")).unwrap();
    testkit::run(
        std::process::Command::new("oscap")
            .args(["ds", "sds-compose", "xccdf.xml", "ds.xml"])
            .current_dir(tmp.path()),
    )
    .unwrap();
    let root = tmp.path().join("root");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/flag"), "enabled=no\nlevel=5\n").unwrap();
    let ds = tmp.path().join("ds.xml");
    (tmp, ds, root)
}
