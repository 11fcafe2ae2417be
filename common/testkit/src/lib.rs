//! Test support: building real RPMs with rpmbuild, installing them with `rpm --root`, making
//! repositories with createrepo_c, and requiring reference tools in CI.
//!
//! Everything here drives the reference tools the differential suites compare against. The
//! traps it handles once for every suite:
//! - Debian's rpm and rpmbuild read `~/.rpmmacros` and keep their database in `~/.rpmdb` unless
//!   told otherwise: every command gets a private `HOME` whose `.rpmmacros` sets
//!   `%_dbpath /var/lib/rpm` (so `--root R` means `R/var/lib/rpm`, as on the real distributions).
//! - rpmbuild's post-install scripts (strip, build-id links, debuginfo) are disabled so that a
//!   package holds exactly the bytes the test wrote.
//! - With `CI=true`, a missing tool or fixture directory is a test failure, never a skip.
//!
//! And [`Rng`], the deterministic random numbers of the randomized tests.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// A reference tool failed or could not be run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("could not run {tool}: {source}")]
    Spawn {
        tool: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{tool} failed ({status}):\n{stderr}")]
    Failed {
        tool: String,
        status: String,
        stderr: String,
    },
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// True when running under CI (`CI=true`): missing tools and fixtures are then failures.
pub fn ci() -> bool {
    std::env::var("CI").map(|v| v == "true").unwrap_or(false)
}

/// Whether the reference tool `name` is on PATH. When it is not, prints why the calling test
/// skips and returns false; under CI it panics instead, so CI never skips silently.
pub fn require_tool(name: &str) -> bool {
    let found = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).any(|dir| is_executable(&dir.join(name))))
        .unwrap_or(false);
    if !found {
        if ci() {
            panic!("reference tool `{name}` is not installed, and CI=true forbids skipping (.ci/run installs it)");
        }
        eprintln!("skipping: reference tool `{name}` is not installed (.ci/run installs it)");
    }
    found
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path)
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

/// The workspace root (the directory holding the top-level Cargo.toml).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .expect("testkit lives two levels below the workspace root")
        .to_path_buf()
}

/// `../shared/fixtures` beside the workspace, where the big real-world fixtures live.
/// `None` (with a message) when it is absent; under CI its absence is a failure.
pub fn shared_fixtures() -> Option<PathBuf> {
    let dir = workspace_root().join("../shared/fixtures");
    if dir.is_dir() {
        return Some(dir.canonicalize().unwrap_or(dir));
    }
    if ci() {
        panic!("{} is missing, and CI=true forbids skipping", dir.display());
    }
    eprintln!("skipping: {} is not there", dir.display());
    None
}

/// A private HOME for rpm and rpmbuild: `.rpmmacros` pins the database path and disables the
/// build root policy scripts. Made once per test process.
pub fn rpm_home() -> &'static Path {
    static HOME: OnceLock<PathBuf> = OnceLock::new();
    HOME.get_or_init(|| {
        // A fresh private directory (not a predictable name another user could plant first),
        // kept for the whole test process.
        let dir = tempfile::Builder::new()
            .prefix("testkit-home-")
            .tempdir()
            .expect("create rpm HOME")
            .keep();
        fs::write(
            dir.join(".rpmmacros"),
            "%_dbpath /var/lib/rpm\n\
             %__os_install_post %{nil}\n\
             %debug_package %{nil}\n\
             %_build_id_links none\n\
             %_enable_debug_packages 0\n",
        )
        .expect("write .rpmmacros");
        dir
    })
}

/// A `Command` for `tool` with the private HOME and a C locale in UTC.
pub fn command(tool: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(tool);
    cmd.env("HOME", rpm_home())
        .env("LC_ALL", "C")
        .env("TZ", "UTC")
        .stdin(std::process::Stdio::null());
    cmd
}

/// Runs a command and returns its output when it exits 0.
pub fn run(cmd: &mut Command) -> Result<Output, Error> {
    let tool = format!("{:?}", cmd.get_program());
    let out = cmd.output().map_err(|source| Error::Spawn {
        tool: tool.clone(),
        source,
    })?;
    if !out.status.success() {
        return Err(Error::Failed {
            tool: format!("{cmd:?}"),
            status: out.status.to_string(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        });
    }
    Ok(out)
}

/// `rpm --root ROOT --dbpath /var/lib/rpm ARGS...` (not yet run): the reference query/verify tool.
pub fn rpm(root: &Path) -> Command {
    let mut cmd = command("rpm");
    cmd.arg("--root")
        .arg(root)
        .args(["--dbpath", "/var/lib/rpm"]);
    cmd
}

/// Installs packages into `root` with `rpm --root`, without dependency checks or scriptlets.
/// `extra` is passed before the package list (e.g. `--excludedocs`, `--define`, `--replacefiles`).
pub fn rpm_install(root: &Path, rpms: &[PathBuf], extra: &[&str]) -> Result<(), Error> {
    fs::create_dir_all(root.join("var/lib/rpm"))?;
    run(rpm(root)
        .args(["-i", "--nodeps", "--noscripts", "--notriggers"])
        .args(extra)
        .args(rpms))?;
    Ok(())
}

/// Runs `createrepo_c` on a directory of packages.
pub fn createrepo(dir: &Path, extra: &[&str]) -> Result<(), Error> {
    run(command("createrepo_c")
        .args(["-q", "--no-database"])
        .args(extra)
        .arg(dir))?;
    Ok(())
}

/// What one path in a package is.
#[derive(Debug, Clone)]
pub enum Content {
    /// A regular file with these bytes.
    File(Vec<u8>),
    /// A directory.
    Dir,
    /// A symbolic link to this target.
    Symlink(String),
    /// A device node declared with `%dev(type,major,minor)` (type 'c' or 'b'); not in the build root.
    Device(char, u32, u32),
}

/// One entry of a package's `%files` list.
#[derive(Debug, Clone)]
pub struct SpecFile {
    /// Absolute path in the installed system.
    pub path: String,
    pub content: Content,
    /// Mode (permission bits) written into the build root and declared with `%attr`.
    pub mode: u32,
    pub user: String,
    pub group: String,
    /// Extra `%files` directives before the path: `%config(noreplace)`, `%doc`, `%ghost`,
    /// `%caps(cap_net_raw=ep)`, `%verify(not md5)`, `%config(missingok)`...
    pub directives: Vec<String>,
}

impl SpecFile {
    /// A root-owned regular file, mode 0644.
    pub fn file(path: &str, content: impl Into<Vec<u8>>) -> SpecFile {
        SpecFile {
            path: path.to_string(),
            content: Content::File(content.into()),
            mode: 0o644,
            user: "root".into(),
            group: "root".into(),
            directives: Vec::new(),
        }
    }
    /// A root-owned directory, mode 0755.
    pub fn dir(path: &str) -> SpecFile {
        SpecFile {
            content: Content::Dir,
            mode: 0o755,
            ..SpecFile::file(path, "")
        }
    }
    /// A symlink.
    pub fn symlink(path: &str, target: &str) -> SpecFile {
        SpecFile {
            content: Content::Symlink(target.into()),
            mode: 0o777,
            ..SpecFile::file(path, "")
        }
    }
    /// A device node.
    pub fn device(path: &str, kind: char, major: u32, minor: u32) -> SpecFile {
        SpecFile {
            content: Content::Device(kind, major, minor),
            mode: 0o600,
            ..SpecFile::file(path, "")
        }
    }
    pub fn mode(mut self, mode: u32) -> SpecFile {
        self.mode = mode;
        self
    }
    pub fn owner(mut self, user: &str, group: &str) -> SpecFile {
        self.user = user.into();
        self.group = group.into();
        self
    }
    pub fn directive(mut self, d: &str) -> SpecFile {
        self.directives.push(d.into());
        self
    }
}

/// A package to build with rpmbuild. Fields are written into a generated spec file.
#[derive(Debug, Clone)]
pub struct RpmSpec {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    /// `noarch`, or a target such as `x86_64`, `i686`, `aarch64` (passed to `rpmbuild --target`).
    pub arch: String,
    pub summary: String,
    pub files: Vec<SpecFile>,
    /// Extra preamble lines (`Provides: foo = 1.0`, `Obsoletes: bar < 2`, `Requires: baz`,
    /// `Vendor: ...`, `Packager: ...`).
    pub preamble: Vec<String>,
    /// Extra `--define 'NAME VALUE'` for rpmbuild (e.g. `_binary_filedigest_algorithm 10`).
    pub defines: Vec<(String, String)>,
    /// Extra shell lines at the end of `%install` and extra raw `%files` lines, for what
    /// [`SpecFile`] cannot express (names that are not UTF-8, made with `printf '\351'`).
    pub install_lines: Vec<String>,
    pub files_lines: Vec<String>,
}

impl RpmSpec {
    pub fn new(name: &str, version: &str, release: &str) -> RpmSpec {
        RpmSpec {
            name: name.into(),
            epoch: None,
            version: version.into(),
            release: release.into(),
            arch: "noarch".into(),
            summary: format!("{name} test package"),
            files: Vec::new(),
            preamble: Vec::new(),
            defines: Vec::new(),
            install_lines: Vec::new(),
            files_lines: Vec::new(),
        }
    }
    pub fn epoch(mut self, epoch: u32) -> RpmSpec {
        self.epoch = Some(epoch);
        self
    }
    pub fn arch(mut self, arch: &str) -> RpmSpec {
        self.arch = arch.into();
        self
    }
    pub fn file(mut self, f: SpecFile) -> RpmSpec {
        self.files.push(f);
        self
    }
    pub fn preamble(mut self, line: &str) -> RpmSpec {
        self.preamble.push(line.into());
        self
    }
    pub fn define(mut self, name: &str, value: &str) -> RpmSpec {
        self.defines.push((name.into(), value.into()));
        self
    }
    /// A shell line appended to `%install` (after the tree is copied into `%{buildroot}`).
    pub fn install_line(mut self, line: &str) -> RpmSpec {
        self.install_lines.push(line.into());
        self
    }
    /// A raw line appended to `%files`.
    pub fn files_line(mut self, line: &str) -> RpmSpec {
        self.files_lines.push(line.into());
        self
    }

    /// The spec text, installing from `tree` (a prepared build-root image).
    fn spec_text(&self, tree: &Path) -> String {
        let mut s = String::new();
        let _ = writeln!(s, "Name: {}", self.name);
        if let Some(e) = self.epoch {
            let _ = writeln!(s, "Epoch: {e}");
        }
        let _ = writeln!(s, "Version: {}", self.version);
        let _ = writeln!(s, "Release: {}", self.release);
        let _ = writeln!(s, "Summary: {}", self.summary);
        let _ = writeln!(s, "License: MIT");
        if self.arch == "noarch" {
            let _ = writeln!(s, "BuildArch: noarch");
        }
        for line in &self.preamble {
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(s, "\n%description\n{}\n", self.summary);
        let _ = writeln!(s, "%install\nmkdir -p %{{buildroot}}");
        let _ = writeln!(s, "cp -a '{}'/. %{{buildroot}}/", tree.display());
        for line in &self.install_lines {
            let _ = writeln!(s, "{line}");
        }
        let _ = writeln!(s, "\n%files");
        for line in &self.files_lines {
            let _ = writeln!(s, "{line}");
        }
        for f in &self.files {
            let mut line = String::new();
            match f.content {
                Content::Dir => line.push_str("%dir "),
                Content::Device(kind, major, minor) => {
                    let _ = write!(line, "%dev({kind},{major},{minor}) ");
                }
                _ => {}
            }
            for d in &f.directives {
                line.push_str(d);
                line.push(' ');
            }
            let mode = match f.content {
                Content::Symlink(_) => "-".to_string(),
                _ => format!("{:o}", f.mode),
            };
            let _ = writeln!(s, "%attr({mode},{},{}) {line}{}", f.user, f.group, f.path);
        }
        s
    }

    /// Builds the package into `out_dir` and returns the path of the binary RPM.
    pub fn build(&self, out_dir: &Path) -> Result<PathBuf, Error> {
        let work = out_dir.join(format!(
            ".build-{}-{}-{}-{}",
            self.name, self.version, self.release, self.arch
        ));
        let tree = work.join("tree");
        fs::create_dir_all(&tree)?;
        for f in &self.files {
            let dest = tree.join(f.path.trim_start_matches('/'));
            if let Some(parent) = dest.parent() {
                fs::create_dir_all(parent)?;
            }
            match &f.content {
                Content::File(bytes) => {
                    fs::write(&dest, bytes)?;
                    fs::set_permissions(&dest, fs::Permissions::from_mode(f.mode))?;
                }
                Content::Dir => {
                    fs::create_dir_all(&dest)?;
                    fs::set_permissions(&dest, fs::Permissions::from_mode(f.mode))?;
                }
                Content::Symlink(target) => {
                    let _ = fs::remove_file(&dest);
                    symlink(target, &dest)?;
                }
                Content::Device(..) => {}
            }
        }
        let spec_path = work.join(format!("{}.spec", self.name));
        fs::write(&spec_path, self.spec_text(&tree))?;
        let mut cmd = command("rpmbuild");
        cmd.arg("-bb")
            .arg("--define")
            .arg(format!("_topdir {}", work.join("top").display()))
            .arg("--define")
            .arg(format!("_rpmdir {}", out_dir.display()))
            .args([
                "--define",
                "_build_name_fmt %%{NAME}-%%{VERSION}-%%{RELEASE}.%%{ARCH}.rpm",
            ]);
        for (name, value) in &self.defines {
            cmd.arg("--define").arg(format!("{name} {value}"));
        }
        if self.arch != "noarch" {
            cmd.arg("--target").arg(&self.arch);
        }
        cmd.arg(&spec_path);
        run(&mut cmd)?;
        let arch = if self.arch == "noarch" {
            "noarch"
        } else {
            &self.arch
        };
        let rpm = out_dir.join(format!(
            "{}-{}-{}.{}.rpm",
            self.name, self.version, self.release, arch
        ));
        if !rpm.is_file() {
            return Err(Error::Failed {
                tool: "rpmbuild".into(),
                status: "exit 0".into(),
                stderr: format!("expected {} was not written", rpm.display()),
            });
        }
        let _ = fs::remove_dir_all(&work);
        Ok(rpm)
    }
}

/// Hashes every entry of a tree (path, type, mode, owner, size, mtime, content or link target),
/// to prove a scan left an image byte- and metadata-identical.
pub fn tree_fingerprint(root: &Path) -> Vec<String> {
    use std::os::unix::fs::MetadataExt;
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = match fs::read_dir(&dir) {
            Ok(rd) => rd.filter_map(|e| e.ok()).collect(),
            Err(_) => continue,
        };
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let path = e.path();
            let Ok(md) = fs::symlink_metadata(&path) else {
                continue;
            };
            let rel = path
                .strip_prefix(root)
                .unwrap_or(&path)
                .display()
                .to_string();
            let body = if md.file_type().is_symlink() {
                fs::read_link(&path)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default()
            } else if md.is_file() {
                let bytes = fs::read(&path).unwrap_or_default();
                format!("{:016x}", fnv1a(&bytes))
            } else {
                String::new()
            };
            out.push(format!(
                "{rel} {:o} {}:{} {} {}.{} {body}",
                md.mode(),
                md.uid(),
                md.gid(),
                md.size(),
                md.mtime(),
                md.mtime_nsec()
            ));
            if md.is_dir() {
                stack.push(path);
            }
        }
    }
    out
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_installs_a_package_that_rpm_then_lists() {
        if !require_tool("rpmbuild") || !require_tool("rpm") {
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let rpm_path = RpmSpec::new("tk-demo", "1.2", "3")
            .epoch(2)
            .file(SpecFile::file("/usr/bin/tk-demo", "#!/bin/sh\n").mode(0o755))
            .file(SpecFile::file("/etc/tk-demo.conf", "x=1\n").directive("%config(noreplace)"))
            .file(SpecFile::dir("/usr/share/tk-demo"))
            .file(SpecFile::symlink("/usr/bin/tk-alias", "tk-demo"))
            .build(dir.path())
            .unwrap();
        let root = dir.path().join("root");
        rpm_install(&root, &[rpm_path], &[]).unwrap();
        let out = run(rpm(&root).args(["-qa", "--qf", "%{NAME} %{EPOCH}:%{VERSION}-%{RELEASE}\n"]))
            .unwrap();
        assert_eq!(String::from_utf8_lossy(&out.stdout), "tk-demo 2:1.2-3\n");
        assert!(root.join("var/lib/rpm/rpmdb.sqlite").is_file());
        let link = fs::read_link(root.join("usr/bin/tk-alias")).unwrap();
        assert_eq!(link, Path::new("tk-demo"));
        let fp = tree_fingerprint(&root);
        assert!(fp.iter().any(|l| l.starts_with("usr/bin/tk-demo 100755 ")));
    }
}

/// Deterministic pseudo-random numbers for randomized tests (xorshift64): the same seed gives
/// the same sequence everywhere, so a failure can be replayed; no dependency.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// The generator for `seed` (0, a fixed point of xorshift, is replaced by another seed).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 {
            0x9e37_79b9_7f4a_7c15
        } else {
            seed
        })
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// `n` random bytes.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        (0..n).map(|_| self.next_u64() as u8).collect()
    }
}
