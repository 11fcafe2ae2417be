//! The userspace walk against the kernel's own answer: random trees of directories, files and
//! symlinks (relative, absolute, `..`-laden, dangling, looping) and random paths through them are
//! resolved by `openat2(RESOLVE_IN_ROOT)` directly (the reference) and by the walk; both must name
//! the same inode or fail with the same errno, following or not following the final link.

use std::fs;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::Path;

use rootfs::{Error, Resolver, Rootfs};
use rustix::fs::{Mode, OFlags, ResolveFlags};

/// xorshift64*: deterministic, dependency-free.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const STEPS: &[&str] = &[
    "a", "b", "c", "f", "g", "l1", "l2", "l3", "l4", "l5", "l6", "..", ".", "missing",
];

fn build(root: &Path, rng: &mut Rng) {
    // Directories a, a/b, a/b/c, c; files f in several places; links everywhere.
    for d in ["a/b/c", "c/a", "b"] {
        fs::create_dir_all(root.join(d)).unwrap();
    }
    for f in ["f", "a/f", "a/b/g", "c/a/f", "b/g"] {
        fs::write(root.join(f), f).unwrap();
    }
    let targets = [
        "/",
        "/a",
        "/a/b",
        "../..",
        "..",
        "../../../../..",
        "b",
        "c/a",
        "/c/a/f",
        "f",
        "/f",
        "l1",
        "/l2",
        "../l3",
        "a/../l4",
        "/a/b/../../l5",
        "missing",
        "/missing/x",
        "a/",
        "/b/g/",
        "l6/..",
        ".",
        "./l1/f",
    ];
    let dirs = ["", "a", "a/b", "a/b/c", "c", "c/a", "b"];
    for dir in dirs {
        for link in ["l1", "l2", "l3", "l4", "l5", "l6"] {
            if rng.next().is_multiple_of(3) {
                continue;
            }
            let t = rng.pick(&targets);
            symlink(t, root.join(dir).join(link)).unwrap();
        }
    }
}

/// The kernel's answer: inode of the result and its path below the root (from /proc/self/fd).
fn kernel(
    host_root: &Path,
    rootfd: &std::os::fd::OwnedFd,
    path: &str,
    follow: bool,
) -> Result<((u64, u64), std::path::PathBuf), i32> {
    let mut flags = OFlags::PATH | OFlags::CLOEXEC;
    if !follow {
        flags |= OFlags::NOFOLLOW;
    }
    let p = if path.is_empty() { "." } else { path };
    // EAGAIN: a rename somewhere on the system raced with a `..` step; the kernel asks to retry.
    let mut attempt = 0;
    let fd = loop {
        match rustix::fs::openat2(rootfd, p, flags, Mode::empty(), ResolveFlags::IN_ROOT) {
            Err(rustix::io::Errno::AGAIN) if attempt < 1000 => attempt += 1,
            r => break r.map_err(|e| e.raw_os_error())?,
        }
    };
    let st = rustix::fs::fstat(&fd).unwrap();
    let host = fs::read_link(format!(
        "/proc/self/fd/{}",
        std::os::fd::AsRawFd::as_raw_fd(&fd)
    ))
    .unwrap();
    let inside = Path::new("/").join(host.strip_prefix(host_root).unwrap());
    Ok(((st.st_dev, st.st_ino), inside))
}

fn errno(e: &Error) -> i32 {
    match e {
        Error::NotFound { .. } => libc::ENOENT,
        Error::Loop { .. } => libc::ELOOP,
        Error::PermissionDenied { .. } => libc::EACCES,
        Error::Io { source, .. } => source.raw_os_error().unwrap_or(-1),
        other => panic!("unexpected {other}"),
    }
}

fn ours(fs: &Rootfs, path: &str, follow: bool) -> Result<(u64, u64), i32> {
    let m = if follow {
        fs.metadata(path)
    } else {
        fs.symlink_metadata(path)
    };
    m.map(|m| (m.dev(), m.ino())).map_err(|e| errno(&e))
}

#[test]
fn walk_agrees_with_openat2_on_random_trees() {
    let probe = tempfile::tempdir().unwrap();
    if Rootfs::open_with(probe.path(), Some(Resolver::Openat2)).is_err() {
        eprintln!("skipping: openat2(RESOLVE_IN_ROOT) unavailable, no kernel reference here");
        return;
    }
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let mut compared = 0;
    let mut agreed_ok = 0;
    for _tree in 0..30 {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().join("root");
        fs::create_dir(&root).unwrap();
        build(&root, &mut rng);
        let host_root = fs::canonicalize(&root).unwrap();
        let walk = Rootfs::open_with(&root, Some(Resolver::Userspace)).unwrap();
        let via_openat2 = Rootfs::open_with(&root, Some(Resolver::Openat2)).unwrap();
        let rootfd =
            rustix::fs::open(&root, OFlags::PATH | OFlags::DIRECTORY, Mode::empty()).unwrap();
        for _ in 0..400 {
            let n = 1 + rng.next() % 6;
            let mut path = String::new();
            if rng.next().is_multiple_of(2) {
                path.push('/');
            }
            for i in 0..n {
                if i > 0 {
                    path.push('/');
                }
                path.push_str(rng.pick(STEPS));
            }
            if rng.next().is_multiple_of(8) {
                path.push('/');
            }
            for follow in [true, false] {
                let k = kernel(&host_root, &rootfd, &path, follow);
                let o = ours(&walk, &path, follow);
                assert_eq!(
                    o,
                    k.clone().map(|k| k.0),
                    "walk: path {path:?} follow={follow}"
                );
                let o2 = ours(&via_openat2, &path, follow);
                assert_eq!(o2, o, "openat2 mode: path {path:?} follow={follow}");
                if follow {
                    if let Ok((_, inside)) = &k {
                        assert_eq!(&walk.resolve(&path).unwrap(), inside, "resolve {path:?}");
                    }
                }
                compared += 1;
                agreed_ok += k.is_ok() as u32;
            }
        }
    }
    // The trees must exercise both outcomes.
    assert!(
        agreed_ok > 500 && compared - agreed_ok > 500,
        "{agreed_ok} ok of {compared}"
    );
}
