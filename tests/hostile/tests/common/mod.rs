//! Harness for the adversarial corpus: a sandbox with an atomic-style `/scanin` + `/scanout`, a
//! host-side "outside" directory of sentinel files the images point at, the scanner binaries run
//! with a wall-clock timeout and an address-space limit, and checks that nothing outside the
//! image roots and `/scanout` was read or written.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::ffi::OsStr;
use std::fs::{self, File, FileTimes};
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;

/// Wall-clock bound for one scanner run (debug build, 2 shared cores).
pub const TIMEOUT: Duration = Duration::from_secs(90);
/// Address-space bound for one scanner run. Each target runs on a thread with a 256 MiB stack
/// reservation, so this leaves ~1.5 GiB for data.
pub const ADDRESS_SPACE: u64 = 2 << 30;

/// An access time far in the past: any read through a path moves it (relatime updates an atime
/// older than the mtime), whatever the mount options.
pub fn old_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000)
}

pub fn set_old_atime(p: &Path) {
    File::open(p)
        .unwrap()
        .set_times(
            FileTimes::new()
                .set_accessed(old_time())
                .set_modified(old_time() + Duration::from_secs(10)),
        )
        .unwrap();
}

pub fn write(p: &Path, data: impl AsRef<[u8]>) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

pub fn mknod(p: &Path, kind: libc::mode_t, dev: libc::dev_t) {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(p.as_os_str().as_bytes()).unwrap();
    let rc = unsafe { libc::mknod(c.as_ptr(), kind | 0o644, dev) };
    assert_eq!(
        rc,
        0,
        "mknod {}: {}",
        p.display(),
        std::io::Error::last_os_error()
    );
}

pub fn mkfifo(p: &Path) {
    mknod(p, libc::S_IFIFO, 0);
}

/// A bound unix socket left on disk (the listener is dropped; the inode stays).
pub fn mksock(p: &Path) {
    let _ = std::os::unix::net::UnixListener::bind(p).unwrap();
}

/// `/dev/zero`'s numbers: a device that never ends if someone reads it.
pub fn mkzero(p: &Path) {
    mknod(p, libc::S_IFCHR, libc::makedev(1, 5));
}

pub fn remove(p: &Path) {
    match fs::symlink_metadata(p) {
        Ok(m) if m.is_dir() => fs::remove_dir_all(p).unwrap(),
        Ok(_) => fs::remove_file(p).unwrap(),
        Err(_) => {}
    }
}

/// Creates `depth` nested directories named `d` under `base` (one `mkdirat` + `openat` step
/// at a time: the full path is far longer than PATH_MAX).
pub fn deep_dirs(base: &Path, depth: usize) {
    use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
    fs::create_dir_all(base).unwrap();
    let mut fd: OwnedFd = File::open(base).unwrap().into();
    let name = c"d";
    for _ in 0..depth {
        unsafe {
            assert_eq!(libc::mkdirat(fd.as_raw_fd(), name.as_ptr(), 0o755), 0);
            let next = libc::openat(
                fd.as_raw_fd(),
                name.as_ptr(),
                libc::O_RDONLY | libc::O_DIRECTORY,
            );
            assert!(next >= 0);
            fd = OwnedFd::from_raw_fd(next);
        }
    }
}

/// Copies a tree with `cp -a` (keeps modes, owners, times, links).
pub fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to.parent().unwrap()).unwrap();
    let st = Command::new("cp")
        .arg("-a")
        .arg(from)
        .arg(to)
        .status()
        .unwrap();
    assert!(st.success());
}

/// Metadata-only fingerprint of a tree (never reads contents, so fifos and huge sparse files
/// are safe): path, type, mode, owner, size, mtime, ctime and link target of every entry. Any
/// write, chmod, chown, create, rename or delete changes it.
pub fn fingerprint(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(rd) = fs::read_dir(&dir) else { continue };
        let mut entries: Vec<_> = rd.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for e in entries {
            let p = e.path();
            let Ok(md) = fs::symlink_metadata(&p) else {
                continue;
            };
            let link = if md.file_type().is_symlink() {
                fs::read_link(&p)
                    .map(|t| t.display().to_string())
                    .unwrap_or_default()
            } else {
                String::new()
            };
            out.push(format!(
                "{:?} {:o} {}:{} {} {}.{} {}.{} {}",
                p.strip_prefix(root).unwrap(),
                md.mode(),
                md.uid(),
                md.gid(),
                md.size(),
                md.mtime(),
                md.mtime_nsec(),
                md.ctime(),
                md.ctime_nsec(),
                link
            ));
            if md.is_dir() {
                stack.push(p);
            }
        }
    }
    out
}

/// The test's world: `scanin/`, `scanout/`, `outside/` (host files images point at) and a
/// private `TMPDIR` for the scanner, all in one temporary directory.
pub struct Sandbox {
    pub tmp: tempfile::TempDir,
    pub scanin: PathBuf,
    pub scanout: PathBuf,
    pub outside: PathBuf,
    pub tmpdir: PathBuf,
    outside_state: BTreeMap<PathBuf, (Vec<u8>, i64, i64)>,
}

impl Sandbox {
    pub fn new() -> Sandbox {
        let tmp = tempfile::tempdir().unwrap();
        // Traversable by the unprivileged runs.
        fs::set_permissions(
            tmp.path(),
            std::os::unix::fs::PermissionsExt::from_mode(0o755),
        )
        .unwrap();
        let scanin = tmp.path().join("scanin");
        let scanout = tmp.path().join("scanout");
        let outside = tmp.path().join("outside");
        let tmpdir = tmp.path().join("scanner-tmp");
        for d in [&scanin, &scanout, &outside, &tmpdir] {
            fs::create_dir_all(d).unwrap();
        }
        write(
            &outside.join("sentinel"),
            b"HOST SENTINEL - must never be read through an image\n",
        );
        write(
            &outside.join("passwd"),
            b"root:x:0:0:HOSTLEAK:/root:/bin/sh\nhostleak:x:1000:1000:HOSTLEAK:/:/bin/sh\n",
        );
        write(&outside.join("group"), b"root:x:0:\nhostleak:x:1000:\n");
        Sandbox {
            tmp,
            scanin,
            scanout,
            outside,
            tmpdir,
            outside_state: BTreeMap::new(),
        }
    }

    /// A target's image root (created).
    pub fn target(&self, id: &str) -> PathBuf {
        let p = self.scanin.join(id);
        fs::create_dir_all(&p).unwrap();
        p
    }

    /// Absolute host path of a file under `outside/`, as an image symlink target.
    pub fn outside_path(&self, name: &str) -> PathBuf {
        self.outside.join(name)
    }

    /// Call when `outside/` is complete: records content, atime and mtime of every regular file
    /// in it after setting the atime far in the past.
    pub fn seal_outside(&mut self) {
        let mut stack = vec![self.outside.clone()];
        while let Some(d) = stack.pop() {
            for e in fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                let md = fs::symlink_metadata(&p).unwrap();
                if md.is_dir() {
                    stack.push(p);
                } else if md.is_file() {
                    let content = fs::read(&p).unwrap();
                    set_old_atime(&p);
                    let md = fs::metadata(&p).unwrap();
                    self.outside_state
                        .insert(p, (content, md.atime(), md.mtime()));
                }
            }
        }
    }

    /// Every sealed outside file keeps its atime, mtime and content; nothing was added to
    /// `outside/`; the scanner's TMPDIR is empty again.
    pub fn assert_outside_untouched(&self) {
        assert!(
            !self.outside_state.is_empty(),
            "seal_outside() was not called"
        );
        for (p, (content, atime, mtime)) in &self.outside_state {
            let md = fs::metadata(p).unwrap();
            assert_eq!(md.atime(), *atime, "{} was read (atime moved)", p.display());
            assert_eq!(md.mtime(), *mtime, "{} was written", p.display());
            assert_eq!(&fs::read(p).unwrap(), content, "{} changed", p.display());
        }
        let left: Vec<_> = fs::read_dir(&self.tmpdir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert!(
            left.is_empty(),
            "scanner left files in its TMPDIR: {left:?}"
        );
    }

    /// Fingerprint of everything but `scanout/` (images, outside, TMPDIR).
    pub fn fingerprint_inputs(&self) -> Vec<String> {
        let mut v = fingerprint(&self.scanin);
        v.extend(fingerprint(&self.outside));
        v
    }

    pub fn json(&self, id: &str) -> Value {
        let p = self.scanout.join(id).join("json");
        let bytes = fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_slice(&bytes).unwrap()
    }

    pub fn out_file(&self, id: &str, name: &str) -> String {
        fs::read_to_string(self.scanout.join(id).join(name)).unwrap_or_default()
    }
}

/// What a bounded scanner run did.
#[derive(Debug)]
pub struct Run {
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub timed_out: bool,
    pub elapsed: Duration,
}

impl Run {
    /// Completed on its own (not killed by the timeout, not killed by a signal).
    pub fn assert_completed(&self) {
        assert!(
            !self.timed_out,
            "scanner hung (killed after {:?}); stderr:\n{}",
            self.elapsed, self.stderr
        );
        assert!(
            self.status.code().is_some(),
            "scanner died of a signal ({:?}); stderr:\n{}",
            self.status,
            self.stderr
        );
    }
}

/// True when running as root, which the cases need (device nodes, switching to an unprivileged
/// uid, 000-mode files root can still read). Otherwise skips with a message, or panics under
/// `CI=true` (CI never skips).
pub fn require_root() -> bool {
    if unsafe { libc::geteuid() } == 0 {
        return true;
    }
    assert!(
        !testkit::ci(),
        "the hostile corpus must run as root under CI"
    );
    eprintln!("skipping: needs root (mknod, setuid)");
    false
}

/// Directory holding the workspace's built binaries (`<target>/debug`), found from this test
/// executable's own path (`<target>/debug/deps/<test>`).
pub fn bin_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.parent().unwrap().parent().unwrap().to_path_buf()
}

/// Path of a scanner binary of this workspace, brought up to date with `cargo build` once per
/// test process (a binary left from an earlier build would test old code; when the binary is
/// fresh this is a quick no-op).
pub fn scanner_bin(package: &str) -> PathBuf {
    static BUILT: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());
    let p = bin_dir().join(package);
    let mut built = BUILT.lock().unwrap_or_else(|e| e.into_inner());
    if !built.iter().any(|b| b == package) {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let st = Command::new(cargo)
            .args(["build", "--quiet", "-p", package, "--bin", package])
            .args(build_location_args(&bin_dir()))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(st.success(), "building {package} failed");
        built.push(package.to_string());
    }
    assert!(p.exists(), "{} not built", p.display());
    p
}

/// The `cargo build` arguments that put binaries into `bin_dir` (`<target>/<profile>` or
/// `<target>/<triple>/<profile>`), the directory this test executable was built into: the same
/// target directory, profile and, when there is one, target triple.
fn build_location_args(bin_dir: &Path) -> Vec<std::ffi::OsString> {
    let profile = bin_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = bin_dir.parent().unwrap_or(bin_dir);
    // The target directory holds CACHEDIR.TAG; a triple directory below it does not.
    let (target_dir, triple) = if parent.join("CACHEDIR.TAG").exists() {
        (parent, None)
    } else {
        (parent.parent().unwrap_or(parent), parent.file_name())
    };
    let mut args: Vec<std::ffi::OsString> = vec!["--target-dir".into(), target_dir.into()];
    if let Some(t) = triple {
        args.push("--target".into());
        args.push(t.into());
    }
    args.push("--profile".into());
    args.push(if profile == "debug" {
        "dev".into()
    } else {
        profile.into()
    });
    args
}

/// Runs `bin --scanin S --scanout O args...` with [`TIMEOUT`], an `RLIMIT_AS` of
/// `address_space` bytes, `TMPDIR` set to the sandbox's, optionally as another uid/gid.
pub fn run_bounded(
    sb: &Sandbox,
    bin: &Path,
    args: &[&OsStr],
    address_space: u64,
    as_user: Option<(u32, u32)>,
) -> Run {
    let out_path = sb.tmp.path().join("run.stdout");
    let err_path = sb.tmp.path().join("run.stderr");
    // Another user may not reach the build tree (a checkout under a 0700 `mktemp -d`): it runs
    // a copy of the binary from the sandbox, which every user can traverse.
    let bin = match as_user {
        Some(_) => {
            let dir = sb.tmp.path().join("bin");
            fs::create_dir_all(&dir).unwrap();
            let copy = dir.join(bin.file_name().unwrap());
            fs::copy(bin, &copy).unwrap();
            fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o755))
                .unwrap();
            copy
        }
        None => bin.to_path_buf(),
    };
    let mut cmd = Command::new(&bin);
    cmd.arg("--scanin")
        .arg(&sb.scanin)
        .arg("--scanout")
        .arg(&sb.scanout)
        .args(args)
        .env("TMPDIR", &sb.tmpdir)
        .env("HOME", &sb.tmpdir)
        .env("LC_ALL", "C")
        .stdin(Stdio::null())
        .stdout(File::create(&out_path).unwrap())
        .stderr(File::create(&err_path).unwrap());
    let limit = address_space;
    let user = as_user;
    unsafe {
        cmd.pre_exec(move || {
            let r = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_AS, &r) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            if let Some((uid, gid)) = user {
                if libc::setgroups(0, std::ptr::null()) != 0
                    || libc::setgid(gid) != 0
                    || libc::setuid(uid) != 0
                {
                    return Err(std::io::Error::last_os_error());
                }
            }
            Ok(())
        });
    }
    let start = Instant::now();
    let mut child = cmd.spawn().unwrap();
    let mut timed_out = false;
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if start.elapsed() > TIMEOUT {
            timed_out = true;
            // Our own child, by its pid.
            let _ = child.kill();
            break child.wait().unwrap();
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        status,
        stdout: fs::read_to_string(&out_path).unwrap_or_default(),
        stderr: String::from_utf8_lossy(&fs::read(&err_path).unwrap_or_default()).into_owned(),
        timed_out,
        elapsed: start.elapsed(),
    }
}

/// The target's json says `"Successful": "false"` and its text mentions one of `needles`
/// (case-insensitive): a clear reason, not a silent "clean". The target's own path and id are
/// blanked first, so a case named after its hostility cannot satisfy the check by itself.
pub fn assert_failed_with(json: &Value, needles: &[&str]) {
    assert_eq!(
        json["Successful"], "false",
        "expected a failed target: {json:#}"
    );
    let id = json["UUID"]
        .as_str()
        .unwrap_or("")
        .trim_start_matches("/scanin/");
    let text = json["Custom"].to_string();
    let text = if id.is_empty() {
        text
    } else {
        text.replace(id, "<id>")
    };
    let text = text.to_lowercase();
    assert!(
        needles.iter().any(|n| text.contains(&n.to_lowercase())),
        "failure reason mentions none of {needles:?}: {json:#}"
    );
}

pub fn successful(json: &Value) -> bool {
    json["Successful"] == "true"
}

/// Sorted lines of a text.
pub fn sorted_lines(s: &str) -> Vec<String> {
    let mut v: Vec<String> = s.lines().map(str::to_string).collect();
    v.sort();
    v
}

/// `rpm -Va` run by real rpm on `root` (rpm chroots into the root, so its view of hostile links
/// is the confined one): sorted output lines.
pub fn rpm_va(root: &Path) -> Vec<String> {
    let out = testkit::rpm(root)
        .args(["-Va", "--nodeps", "--noscripts"])
        .output()
        .unwrap();
    sorted_lines(&String::from_utf8_lossy(&out.stdout))
}
