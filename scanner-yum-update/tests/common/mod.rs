//! Shared fixture code for the differential tests: real RPMs built once per test process,
//! repositories made with createrepo_c, image roots filled with `rpm --root`, and the reference
//! `dnf --installroot` run on a throw-away copy of the root with every host-config trap closed.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use testkit::RpmSpec;

/// A package to build: (file key, spec).
pub fn spec(name: &str, v: &str, r: &str, arch: &str) -> RpmSpec {
    RpmSpec::new(name, v, r).arch(arch)
}

/// Every package the scenarios use, keyed `name-[e:]v-r.arch`.
pub fn catalogue() -> Vec<RpmSpec> {
    let mut v = vec![
        spec("fake-release", "9.4", "1", "noarch")
            .preamble("Provides: system-release(releasever) = 9"),
        spec("hello", "1.0", "1", "x86_64"),
        spec("hello", "1.1", "1", "x86_64"),
        spec("hello", "1.2", "1", "x86_64"),
        spec("multi", "1.0", "1", "x86_64"),
        spec("multi", "1.0", "1", "i686"),
        spec("multi", "1.1", "1", "x86_64"),
        spec("multi", "1.1", "1", "i686"),
        spec("archswitch", "1.0", "1", "x86_64"),
        spec("archswitch", "1.1", "1", "noarch"),
        spec("toarch", "1.0", "1", "noarch"),
        spec("toarch", "1.1", "1", "x86_64"),
        spec("toarch", "1.1", "1", "i686"),
        spec("onlyi686", "1.0", "1", "x86_64"),
        spec("onlyi686", "1.1", "1", "i686"),
        spec("foreign", "1.0", "1", "noarch"),
        spec("foreign", "1.1", "1", "aarch64"),
        spec("epochy", "2.0", "1", "noarch"),
        spec("epochy", "1.0", "1", "noarch").epoch(1),
        spec("tildepkg", "1.0~rc1", "1", "noarch"),
        spec("tildepkg", "1.0", "1", "noarch"),
        spec("caretpkg", "1.0", "1", "noarch"),
        spec("caretpkg", "1.0^git1", "1", "noarch"),
        spec("relpkg", "1.0", "1", "noarch"),
        spec("relpkg", "1.0", "2.el9", "noarch"),
        spec("kernel", "1", "1", "x86_64"),
        spec("kernel", "2", "1", "x86_64"),
        spec("kernel", "3", "1", "x86_64"),
        spec("kernel", "4", "1", "x86_64"),
        spec("kernel-core", "1", "1", "x86_64"),
        spec("kernel-core", "2", "1", "x86_64"),
        spec("kernel-core", "3", "1", "x86_64"),
        spec("newer", "3.0", "1", "noarch"),
        spec("newer", "2.0", "1", "noarch"),
        spec("notinstalled", "1.0", "1", "noarch"),
        spec("oldname", "1.0", "1", "noarch"),
        spec("newname", "2.0", "1", "noarch").preamble("Obsoletes: oldname < 2.0"),
        spec("replacer", "1.0", "1", "noarch").preamble("Obsoletes: gone"),
        spec("gone", "0.5", "1", "noarch"),
        spec("prio", "1.0", "1", "noarch"),
        spec("prio", "1.1", "1", "noarch"),
        spec("prio", "1.2", "1", "noarch"),
        spec("dup", "1.0", "1", "noarch"),
        spec("dup", "1.1", "1", "noarch"),
        spec("excluded", "1.0", "1", "noarch"),
        spec("excluded", "1.1", "1", "noarch"),
        spec("srcish", "1.0", "1", "noarch"),
        spec("obsx", "1.0", "1", "noarch"),
        spec("obsx", "2.0", "1", "noarch").preamble("Obsoletes: gone"),
        spec("gone2", "1.0", "1", "noarch"),
        spec("provgone", "1.0", "1", "noarch").preamble("Provides: gone2 = 1.5"),
        spec("obs2", "1.0", "1", "noarch").preamble("Obsoletes: gone2 < 3"),
        spec("modpkg", "1.0", "1", "noarch"),
        spec("modpkg", "1.5", "1", "noarch"),
        spec("modpkg", "2.0", "1", "noarch"),
        spec("modpkg", "3.0", "1", "noarch"),
        spec("modprov", "1.0", "1", "noarch"),
        spec("modprov", "1.1", "1", "noarch").preamble("Provides: modpkg"),
        // edge cases: multilib, versions, arch-qualified obsoletes
        spec("mlx", "1.0", "1", "x86_64"),
        spec("mlx", "1.0", "1", "i686"),
        spec("mlx", "1.1", "1", "x86_64"),
        spec("mls", "1.0", "1", "i686"),
        spec("mls", "1.1", "1", "i686"),
        spec("mls", "1.1", "1", "x86_64"),
        spec("mln", "1.0", "1", "x86_64"),
        spec("mln", "1.0", "1", "i686"),
        spec("mln", "1.1", "1", "noarch"),
        spec("lz", "1.01", "1", "noarch"),
        spec("lz", "1.1", "1", "noarch"),
        spec("lz2", "1.9", "1", "noarch"),
        spec("lz2", "1.010", "1", "noarch"),
        spec("longv", "1.99999999999999999999", "1", "noarch"),
        spec("longv", "1.100000000000000000000", "1", "noarch"),
        spec("eonly", "1.0", "1", "noarch"),
        spec("eonly", "1.0", "1", "noarch").epoch(1),
        spec("tc", "1.0^git1~pre", "1", "noarch"),
        spec("tc", "1.0^git1", "1", "noarch"),
        spec("tc", "1.0~rc2", "1", "noarch"),
        spec("obsarch", "1.0", "1", "i686").preamble("Obsoletes: mln < 1.1"),
        spec("obsupd", "1.0", "1", "noarch"),
        spec("obsupd", "1.5", "1", "noarch"),
        spec("obsupdnew", "2.0", "1", "noarch").preamble("Obsoletes: obsupd < 2.0"),
        spec("ppconly", "1.0", "1", "noarch"),
        spec("ppconly", "1.1", "1", "ppc64le"),
    ];
    // aarch64 image packages
    for (n, ver) in [
        ("multi", "1.0"),
        ("multi", "1.1"),
        ("hello", "1.0"),
        ("hello", "1.1"),
    ] {
        v.push(spec(n, ver, "1", "aarch64"));
    }
    v
}

fn key(s: &RpmSpec) -> String {
    let e = s.epoch.map(|e| format!("{e}:")).unwrap_or_default();
    format!("{}-{}{}-{}.{}", s.name, e, s.version, s.release, s.arch)
}

/// Builds the catalogue once, shared by the test binaries through a directory under
/// `CARGO_TARGET_TMPDIR` keyed by the catalogue's content (built in a scratch directory, then
/// renamed into place); returns key → rpm path.
pub fn rpms() -> &'static BTreeMap<String, PathBuf> {
    static RPMS: OnceLock<BTreeMap<String, PathBuf>> = OnceLock::new();
    RPMS.get_or_init(|| {
        use std::hash::{Hash, Hasher};
        let specs = catalogue();
        let mut h = std::collections::hash_map::DefaultHasher::new();
        format!("{specs:?}").hash(&mut h);
        let shared = Path::new(env!("CARGO_TARGET_TMPDIR"))
            .join(format!("yum-update-rpms-{:016x}", h.finish()));
        let sub = |dir: &Path, k: &str| dir.join(k.replace([':', '^', '~'], "_"));
        if !shared.is_dir() {
            let scratch = shared.with_extension(format!("tmp{}", std::process::id()));
            let _ = fs::remove_dir_all(&scratch);
            for s in &specs {
                let k = key(s);
                let d = sub(&scratch, &k);
                fs::create_dir_all(&d).unwrap();
                s.build(&d).unwrap_or_else(|e| panic!("building {k}: {e}"));
            }
            if fs::rename(&scratch, &shared).is_err() {
                // Another test process finished first.
                let _ = fs::remove_dir_all(&scratch);
            }
        }
        let mut out = BTreeMap::new();
        for s in &specs {
            let k = key(s);
            let d = sub(&shared, &k);
            let rpm = fs::read_dir(&d)
                .unwrap_or_else(|e| panic!("{}: {e}", d.display()))
                .map(|e| e.unwrap().path())
                .find(|p| p.extension().is_some_and(|x| x == "rpm"))
                .unwrap_or_else(|| panic!("no rpm in {}", d.display()));
            out.insert(k, rpm);
        }
        out
    })
}

pub fn rpm(k: &str) -> PathBuf {
    rpms()
        .get(k)
        .unwrap_or_else(|| panic!("no package {k} in the catalogue"))
        .clone()
}

/// A repository directory with these packages (createrepo_c `extra` args).
pub fn make_repo(dir: &Path, keys: &[&str], extra: &[&str]) {
    fs::create_dir_all(dir).unwrap();
    for k in keys {
        let src = rpm(k);
        let name = src.file_name().unwrap().to_string_lossy().into_owned();
        // same file name, different epoch: keep both
        let dest = if dir.join(&name).exists() {
            dir.join(format!("{}-{}", k.replace(':', "_"), name))
        } else {
            dir.join(name)
        };
        fs::copy(src, dest).unwrap();
    }
    testkit::createrepo(dir, extra).unwrap();
}

/// An image root with these packages installed and the given config files.
pub fn make_root(root: &Path, keys: &[&str], files: &[(&str, String)]) {
    let list: Vec<PathBuf> = keys.iter().map(|k| rpm(k)).collect();
    testkit::rpm_install(root, &list, &["--ignorearch"]).unwrap();
    for (path, text) in files {
        let p = root.join(path.trim_start_matches('/'));
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

/// Copies a tree (cp -a).
pub fn copy_tree(from: &Path, to: &Path) {
    let st = std::process::Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success());
}

/// What dnf printed, parsed into our tsv columns.
#[derive(Debug)]
pub struct DnfAnswer {
    pub rc: i32,
    pub updates: String,
    pub obsoletes: String,
    pub stdout: String,
    pub stderr: String,
}

fn split_na(na: &str) -> (String, String) {
    let (n, a) = na.rsplit_once('.').expect("name.arch");
    (n.to_string(), a.to_string())
}

fn split_evr(evr: &str) -> (String, String, String) {
    let (e, vr) = match evr.split_once(':') {
        Some((e, vr)) => (e.to_string(), vr),
        None => ("0".to_string(), evr),
    };
    let (v, r) = vr.rsplit_once('-').expect("version-release");
    (e, v.to_string(), r.to_string())
}

/// Parses `dnf -q check-update` output (rows may wrap: tokens are read in threes).
pub fn parse_check_update(stdout: &str) -> (String, String) {
    let (ups, obs) = match stdout.split_once("Obsoleting Packages") {
        Some((a, b)) => (a, b),
        None => (stdout, ""),
    };
    let toks: Vec<&str> = ups.split_whitespace().collect();
    assert!(
        toks.len().is_multiple_of(3),
        "unexpected check-update output:\n{stdout}"
    );
    let mut updates: Vec<String> = toks
        .chunks(3)
        .map(|c| {
            let (n, a) = split_na(c[0]);
            let (e, v, r) = split_evr(c[1]);
            format!("{n}\t{e}\t{v}\t{r}\t{a}\t{}\n", c[2])
        })
        .collect();
    updates.sort();
    let toks: Vec<&str> = obs.split_whitespace().collect();
    assert!(
        toks.len().is_multiple_of(3),
        "unexpected obsoletes output:\n{stdout}"
    );
    let mut obsoletes = Vec::new();
    let mut current: Option<String> = None;
    for c in toks.chunks(3) {
        let (n, a) = split_na(c[0]);
        let (e, v, r) = split_evr(c[1]);
        if c[2] == "@System" {
            let new = current
                .as_ref()
                .expect("obsoleted row after an obsoleting one");
            obsoletes.push(format!("{new}\t{n}\t{e}\t{v}\t{r}\t{a}\n"));
        } else {
            current = Some(format!("{n}\t{e}\t{v}\t{r}\t{a}\t{}", c[2]));
        }
    }
    obsoletes.sort();
    obsoletes.dedup();
    (updates.concat(), obsoletes.concat())
}

/// Runs dnf against a copy of `root` (dnf writes cache, logs and history into its installroot),
/// with the image's own config, repos and vars, never the host's, and plugins off.
pub fn dnf(root: &Path, arch: &str, args: &[&str]) -> (i32, String, String) {
    let scratch = tempfile::tempdir().unwrap();
    let copy = scratch.path().join("root");
    copy_tree(root, &copy);
    let conf = copy.join("etc/dnf/dnf.conf");
    if !conf.exists() {
        fs::create_dir_all(conf.parent().unwrap()).unwrap();
        fs::write(&conf, "[main]\n").unwrap();
    }
    let mut cmd = testkit::command("dnf");
    cmd.arg("--installroot")
        .arg(&copy)
        .arg("--config")
        .arg(&conf)
        .arg(format!(
            "--setopt=reposdir={}",
            copy.join("etc/yum.repos.d").display()
        ))
        .arg(format!(
            "--setopt=varsdir={},{}",
            copy.join("etc/yum/vars").display(),
            copy.join("etc/dnf/vars").display()
        ))
        .arg(format!(
            "--setopt=cachedir={}",
            scratch.path().join("cache").display()
        ))
        .arg("--forcearch")
        .arg(arch)
        .arg("--noplugins")
        .arg("-q")
        .args(args);
    let out = cmd.output().expect("run dnf");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `dnf check-update` parsed.
pub fn dnf_check_update(root: &Path, arch: &str) -> DnfAnswer {
    let (rc, stdout, stderr) = dnf(root, arch, &["check-update"]);
    let (updates, obsoletes) = if rc == 0 || rc == 100 {
        parse_check_update(&stdout)
    } else {
        (String::new(), String::new())
    };
    DnfAnswer {
        rc,
        updates,
        obsoletes,
        stdout,
        stderr,
    }
}

/// `dnf updateinfo list` rows as `id\tlabel\tnevra` lines, sorted.
pub fn dnf_updateinfo_list(root: &Path, arch: &str) -> String {
    let (rc, stdout, stderr) = dnf(root, arch, &["updateinfo", "list"]);
    assert_eq!(rc, 0, "dnf updateinfo list failed:\n{stderr}");
    let mut rows: Vec<String> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            assert_eq!(t.len(), 3, "unexpected updateinfo row {l:?}");
            format!("{}\t{}\t{}\n", t[0], t[1], t[2])
        })
        .collect();
    rows.sort();
    rows.dedup();
    rows.concat()
}

/// A `.repo` file section.
pub fn repo_section(id: &str, url: &str, extra: &str) -> String {
    format!("[{id}]\nname={id} $releasever $basearch\nbaseurl={url}\ngpgcheck=0\n{extra}\n")
}
