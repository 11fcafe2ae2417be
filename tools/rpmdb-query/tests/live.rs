//! Differential test against real rpm: packages built with rpmbuild and installed with
//! `rpm --root` (sqlite database, Debian's default), then `rpmdb-query --root/--dbpath` must
//! print exactly what `rpm -qa --qf ... | LC_ALL=C sort` prints for the package list, the
//! `--info` columns and the file columns.

use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::{RpmSpec, SpecFile};

const PKG_QF: &str = "%{NAME}\\t%{EPOCHNUM}\\t%{VERSION}\\t%{RELEASE}\\t%{ARCH}\\n";
const SIG: &str = "%|DSAHEADER?{%{DSAHEADER:pgpsig}}:{%|RSAHEADER?{%{RSAHEADER:pgpsig}}:{%|SIGGPG?{%{SIGGPG:pgpsig}}:{%|SIGPGP?{%{SIGPGP:pgpsig}}:{(none)}|}|}|}|";
const FILES_QF: &str = "[%{=NAME}-%{=VERSION}-%{=RELEASE}.%{=ARCH}\\t%{FILENAMES}\\t%{FILEMODES:octal}\\t%{FILESIZES}\\t%{FILEDIGESTS}\\t%{=FILEDIGESTALGO}\\t%{FILEMTIMES}\\t%{FILEUSERNAME}\\t%{FILEGROUPNAME}\\t%{FILEFLAGS:fflags}\\t%{FILESTATES:fstate}\\t%{FILELINKTOS}\\t%{FILEDEVICES}\\t%{FILERDEVS}\\t%{FILEINODES}\\t%{FILEVERIFYFLAGS}\\t%{FILECAPS}\\n]";

fn info_qf() -> String {
    format!("%{{NAME}}\\t%{{EPOCHNUM}}\\t%{{VERSION}}\\t%{{RELEASE}}\\t%{{ARCH}}\\t%{{INSTALLTIME}}\\t%{{BUILDTIME}}\\t%{{VENDOR}}\\t%{{PACKAGER}}\\t%{{BUILDHOST}}\\t%{{LONGSIZE}}\\t%{{SOURCERPM}}\\t%{{LICENSE}}\\t{SIG}\\n")
}

/// `rpm --root R -qa --qf FMT | LC_ALL=C sort`, with `header` prepended.
fn rpm_sorted(root: &Path, qf: &str, header: &str) -> Vec<u8> {
    let out = testkit::run(testkit::rpm(root).args(["-qa", "--qf", qf])).expect("rpm -qa");
    let mut lines: Vec<&[u8]> = out.stdout.split_inclusive(|&b| b == b'\n').collect();
    lines.sort_unstable();
    let mut v = header.as_bytes().to_vec();
    for l in lines {
        v.extend_from_slice(l);
    }
    v
}

fn ours(args: &[&str]) -> Vec<u8> {
    testkit::run(Command::new(env!("CARGO_BIN_EXE_rpmdb-query")).args(args))
        .unwrap()
        .stdout
}

fn assert_same(what: &str, rpm: &[u8], ours: &[u8]) {
    if rpm == ours {
        return;
    }
    let (r, o): (Vec<&[u8]>, Vec<&[u8]>) = (
        rpm.split(|&b| b == b'\n').collect(),
        ours.split(|&b| b == b'\n').collect(),
    );
    let first = r
        .iter()
        .zip(&o)
        .position(|(a, b)| a != b)
        .unwrap_or(r.len().min(o.len()));
    let show = |v: &[&[u8]]| {
        v.iter()
            .skip(first)
            .take(5)
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect::<Vec<_>>()
            .join("\n")
    };
    panic!(
        "{what}: differs from rpm at line {} (rpm {} lines, ours {})\n--- rpm\n{}\n--- rpmdb-query\n{}",
        first + 1,
        r.len(),
        o.len(),
        show(&r),
        show(&o)
    );
}

fn build_packages(dir: &Path) -> (Vec<PathBuf>, PathBuf) {
    let alpha = RpmSpec::new("alpha", "1.2.3", "4.fc40")
        .epoch(3)
        .preamble("Vendor: Atomic Test Vendor")
        .preamble("Packager: Tester <t@example.org>")
        .preamble("Provides: alpha-compat = 1.0")
        .file(SpecFile::dir("/etc/alpha"))
        .file(SpecFile::file("/etc/alpha/a.conf", "a=1\n").directive("%config(noreplace)"))
        .file(SpecFile::file("/usr/bin/alpha", "#!/bin/sh\necho alpha\n").mode(0o755))
        .file(SpecFile::symlink("/usr/bin/alpha-link", "alpha"))
        .file(SpecFile::file("/var/lib/alpha.db", "").directive("%ghost"))
        .file(SpecFile::device("/dev/alphanull", 'c', 1, 3))
        .file(
            SpecFile::file("/usr/bin/alpha-ping", "#!/bin/sh\n")
                .mode(0o755)
                .directive("%caps(cap_net_raw=ep)"),
        )
        .file(SpecFile::file("/etc/alpha/b.conf", "b\n").directive("%config(missingok)"))
        .file(
            SpecFile::file("/var/log/alpha.log", "log\n")
                .owner("nobody", "nogroup")
                .directive("%verify(not md5 size mtime)"),
        );
    let beta = RpmSpec::new("beta", "0.9~rc1", "1")
        .arch("x86_64")
        .define("_binary_filedigest_algorithm", "10")
        .file(SpecFile::dir("/usr/share/beta"))
        .file(SpecFile::file("/usr/share/beta/data.txt", "beta data\n"))
        .file(SpecFile::file("/usr/share/beta/empty", ""));
    let gamma = RpmSpec::new("gamma", "2.0", "1")
        .file(SpecFile::file("/usr/share/doc/gamma/README", "read me\n").directive("%doc"))
        .file(SpecFile::file("/usr/share/gamma/LICENSE", "MIT\n").directive("%license"))
        .file(SpecFile::file("/usr/share/gamma/x", "x\n"));
    let a = alpha.build(dir).expect("build alpha");
    let b = beta.build(dir).expect("build beta");
    let g = gamma.build(dir).expect("build gamma");
    (vec![a, b], g)
}

#[test]
fn rpmdb_query_matches_rpm_on_an_installed_root() {
    if !testkit::require_tool("rpmbuild") || !testkit::require_tool("rpm") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let (first, gamma) = build_packages(&tmp.path().join("rpms"));
    let root = tmp.path().join("root");
    testkit::rpm_install(&root, &first, &[]).expect("rpm -i");
    // --excludedocs gives a "not installed" file state.
    testkit::rpm_install(&root, &[gamma], &["--excludedocs"]).expect("rpm -i gamma");
    let r = root.to_str().unwrap();
    let dbpath = root.join("var/lib/rpm");
    assert!(
        dbpath.join("rpmdb.sqlite").exists(),
        "expected an sqlite database"
    );
    let d = dbpath.to_str().unwrap();

    let want = rpm_sorted(&root, PKG_QF, "");
    assert_eq!(String::from_utf8_lossy(&want).lines().count(), 3);
    assert_same("packages --root", &want, &ours(&["--root", r]));
    assert_same("packages --dbpath", &want, &ours(&["--dbpath", d]));

    let want = rpm_sorted(
        &root,
        &info_qf(),
        &format!("{}\n", rpmdb::query::INFO_HEADER),
    );
    assert_same("info", &want, &ours(&["--root", r, "--info"]));

    let want = rpm_sorted(
        &root,
        FILES_QF,
        &format!("{}\n", rpmdb::query::FILES_HEADER),
    );
    let text = String::from_utf8_lossy(&want);
    assert!(
        text.contains("not installed"),
        "expected an excluded doc:\n{text}"
    );
    assert!(
        text.contains("\t10\t"),
        "expected a SHA512 package:\n{text}"
    );
    assert_same("files", &want, &ours(&["--root", r, "--files"]));
}

#[test]
fn unreadable_database_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("Packages"),
        b"not a berkeley db at all, just text",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_rpmdb-query"))
        .arg("--dbpath")
        .arg(tmp.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "garbage must not list 0 packages");
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Packages"),
        "error should name the file: {err}"
    );
}

fn gunzip(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let raw = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(&raw[..])
        .read_to_end(&mut out)
        .unwrap();
    out
}

/// `--blobs` on a directory with one blob file and on a .tar.zst of blobs gives what rpm
/// printed for the same headers.
#[test]
fn blobs_mode_matches_rpm_expectations() {
    let local = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../common/rpmdb/tests/fixtures/header-blobs/claircore-package-header");
    let mut dirs = vec![(local.clone(), local.to_str().unwrap().to_string())];
    if let Some(shared) = testkit::shared_fixtures() {
        let d = shared.join("rpmdb/header-blobs/fossa-centos7-plain");
        let tar = d.join("bins.tar.zst").to_str().unwrap().to_string();
        dirs.push((d, tar));
    }
    for (dir, arg) in dirs {
        let want = std::fs::read(dir.join("expected-packages.tsv")).unwrap();
        assert_same("blobs packages", &want, &ours(&["--blobs", &arg]));
        let want = std::fs::read(dir.join("expected-info.tsv")).unwrap();
        assert_same("blobs info", &want, &ours(&["--blobs", &arg, "--info"]));
        let want = gunzip(&dir.join("expected-files.tsv.gz"));
        assert_same("blobs files", &want, &ours(&["--blobs", &arg, "--files"]));
    }
}

/// A reader that stops reading (`rpmdb-query | head`) ends the listing quietly, as it ends
/// rpm: no "Broken pipe" error, exit status 0. The listing (40 copies of a header with many
/// files, 1.3 MB) is larger than a pipe holds even with 64 KiB pages (1 MiB), so a write fails
/// even if the first one wins the race against the reader closing its end.
#[test]
fn closed_pipe_ends_the_listing_quietly() {
    let blob = Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../../common/rpmdb/tests/fixtures/header-blobs/claircore-package-header/package.header",
    );
    let tmp = tempfile::tempdir().unwrap();
    for i in 0..40 {
        std::fs::copy(&blob, tmp.path().join(format!("{i}.header"))).unwrap();
    }
    let mut child = Command::new(env!("CARGO_BIN_EXE_rpmdb-query"))
        .arg("--blobs")
        .arg(tmp.path())
        .arg("--files")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success() && out.stderr.is_empty(),
        "{:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
