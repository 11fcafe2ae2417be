//! Hostile image trees built in temp dirs: symlink escapes, `..` chains, loops, fifos, sockets,
//! devices, non-UTF-8 names, permission-denied files, deep nesting, huge sparse files. Every case runs
//! with both resolvers (openat2 where the kernel has it, and the userspace walk), and a sentinel file
//! outside the root must keep its content and access time.

use std::ffi::OsStr;
use std::fs::{self, File, FileTimes};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, SystemTime};

use rootfs::{Error, FileKind, Resolver, Rootfs};

const SENTINEL: &[u8] = b"HOST SENTINEL - must never be read through an image\n";

struct Tree {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    sentinel: PathBuf,
    sentinel_atime: i64,
    outside: PathBuf,
    outside_atime: i64,
}

fn write(p: &Path, data: &[u8]) {
    fs::create_dir_all(p.parent().unwrap()).unwrap();
    fs::write(p, data).unwrap();
}

fn mkfifo(p: &Path) {
    rustix::fs::mknodat(
        rustix::fs::CWD,
        p,
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

/// Gives `p` an atime older than its mtime: with relatime any read or listing through it moves it.
fn set_old_atime(p: &Path) {
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    File::open(p)
        .unwrap()
        .set_times(
            FileTimes::new()
                .set_accessed(old)
                .set_modified(old + Duration::from_secs(10)),
        )
        .unwrap();
}

/// Builds the hostile tree. The sentinel lives beside the root; its absolute host path is also
/// used as a symlink target inside the image.
fn tree() -> Tree {
    let tmp = tempfile::tempdir().unwrap();
    // Readable by the unprivileged child of the permission test.
    fs::set_permissions(
        tmp.path(),
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    let root = tmp.path().join("root");
    let outside = tmp.path().join("outside");
    let sentinel = outside.join("sentinel");
    write(&sentinel, SENTINEL);
    set_old_atime(&sentinel);
    let sentinel_atime = fs::metadata(&sentinel).unwrap().atime();

    write(
        &root.join("etc/passwd"),
        b"root:x:0:0:image root:/root:/bin/sh\nimg:x:1000:1000::/:\n",
    );
    write(&root.join("etc/group"), b"root:x:0:\nimg:x:1000:\n");
    write(
        &root.join("usr/lib/os-release"),
        b"ID=\"imageos\"\nVERSION_ID=1.0\n",
    );
    symlink("../usr/lib/os-release", root.join("etc/os-release")).unwrap();
    // Absolute links that name host files.
    symlink("/etc/passwd", root.join("abs_passwd")).unwrap();
    symlink(&sentinel, root.join("to_host_sentinel")).unwrap();
    symlink(&outside, root.join("to_host_dir")).unwrap();
    // `..` chains.
    symlink(
        "../../../../../../../../outside/sentinel",
        root.join("dotdot_sentinel"),
    )
    .unwrap();
    symlink("../../../../etc/passwd", root.join("dotdot_passwd")).unwrap();
    fs::create_dir_all(root.join("a/b/c")).unwrap();
    symlink("../../../../../../etc/passwd", root.join("a/b/c/up")).unwrap();
    symlink("../..", root.join("escape_dir")).unwrap();
    symlink("/..", root.join("abs_escape_dir")).unwrap();
    // Loops.
    symlink("loop2", root.join("loop1")).unwrap();
    symlink("loop1", root.join("loop2")).unwrap();
    symlink("self", root.join("self")).unwrap();
    symlink("/dirloop/x", root.join("dirloop")).unwrap();
    // Special files where files should be.
    fs::create_dir_all(root.join("usr/bin")).unwrap();
    mkfifo(&root.join("usr/bin/fifo"));
    symlink("fifo", root.join("usr/bin/to_fifo")).unwrap();
    let _sock = std::os::unix::net::UnixListener::bind(root.join("sock")).unwrap();
    // rpmdb-style directory links.
    write(&root.join("usr/lib/sysimage/rpm/rpmdb.sqlite"), b"db");
    fs::create_dir_all(root.join("var/lib")).unwrap();
    symlink("../../usr/lib/sysimage/rpm", root.join("var/lib/rpm")).unwrap();
    symlink("/var/lib/rpm/rpmdb.sqlite", root.join("abs_db")).unwrap();
    // Non-UTF-8 names.
    write(
        &root.join(OsStr::from_bytes(b"bin\xff\xfe/na\xefme")),
        b"non-utf8",
    );
    set_old_atime(&outside);
    let outside_atime = fs::metadata(&outside).unwrap().atime();
    Tree {
        _tmp: tmp,
        root,
        sentinel,
        sentinel_atime,
        outside,
        outside_atime,
    }
}

/// The resolvers available here: the userspace walk always, openat2 when the kernel has it.
fn resolvers() -> Vec<Resolver> {
    let mut v = vec![Resolver::Userspace];
    let probe = tempfile::tempdir().unwrap();
    if Rootfs::open_with(probe.path(), Some(Resolver::Openat2)).is_ok() {
        v.push(Resolver::Openat2);
    } else {
        eprintln!("openat2(RESOLVE_IN_ROOT) unavailable here: only the userspace walk is tested");
    }
    v
}

/// Every way of opening a root: each resolver, with files reopened through /proc/self/fd (the
/// normal path) and through their parent directory (the fallback when /proc is absent).
fn configs() -> Vec<(Resolver, bool)> {
    resolvers()
        .into_iter()
        .flat_map(|r| [(r, false), (r, true)])
        .collect()
}

fn open(root: &Path, (r, parent_reopen): (Resolver, bool)) -> Rootfs {
    let fs = Rootfs::open_with(root, Some(r)).unwrap();
    assert_eq!(fs.resolver(), r);
    if parent_reopen {
        fs.force_parent_reopen()
    } else {
        fs
    }
}

fn each(tree: &Tree, f: impl Fn(&Rootfs)) {
    for c in configs() {
        f(&open(&tree.root, c));
    }
}

/// A short description of an outcome, to compare resolvers and assert expectations.
fn outcome(r: Result<Vec<u8>, Error>) -> String {
    match r {
        Ok(b) => format!("ok:{}", String::from_utf8_lossy(&b)),
        Err(Error::NotFound { .. }) => "notfound".into(),
        Err(Error::PermissionDenied { .. }) => "denied".into(),
        Err(Error::NotRegular { kind, .. }) => format!("notregular:{kind}"),
        Err(Error::Loop { .. }) => "loop".into(),
        Err(Error::TooLarge { .. }) => "toolarge".into(),
        Err(Error::TooManyEntries { .. }) => "toomany".into(),
        Err(Error::Io { source, .. }) => format!("io:{:?}", source.raw_os_error()),
    }
}

/// Runs `f` on another thread and fails the test if it has not returned after a generous guard
/// period (a hang is the failure mode being guarded against, not slowness).
fn no_hang<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(60))
        .expect("operation blocked (fifo/device opened for reading?)")
}

const PASSWD: &str = "ok:root:x:0:0:image root:/root:/bin/sh\nimg:x:1000:1000::/:\n";

#[test]
fn reads_resolve_inside_the_image() {
    let t = tree();
    let sentinel_in_image = t.sentinel.to_str().unwrap().to_string();
    let cases: Vec<(String, String)> = vec![
        ("/etc/passwd".into(), PASSWD.into()),
        ("etc/passwd".into(), PASSWD.into()),
        ("../../../../etc/passwd".into(), PASSWD.into()),
        ("/abs_passwd".into(), PASSWD.into()),
        ("/dotdot_passwd".into(), PASSWD.into()),
        ("/a/b/c/up".into(), PASSWD.into()),
        ("/escape_dir/etc/passwd".into(), PASSWD.into()),
        ("/abs_escape_dir/abs_passwd".into(), PASSWD.into()),
        ("/to_host_sentinel".into(), "notfound".into()),
        (sentinel_in_image, "notfound".into()),
        ("/to_host_dir/sentinel".into(), "notfound".into()),
        ("/dotdot_sentinel".into(), "notfound".into()),
        ("/escape_dir/../outside/sentinel".into(), "notfound".into()),
        ("/loop1".into(), "loop".into()),
        ("/self".into(), "loop".into()),
        ("/dirloop".into(), "loop".into()),
        ("/usr/bin/fifo".into(), "notregular:fifo".into()),
        ("/usr/bin/to_fifo".into(), "notregular:fifo".into()),
        ("/sock".into(), "notregular:socket".into()),
        ("/etc".into(), "notregular:directory".into()),
        ("/".into(), "notregular:directory".into()),
        ("/var/lib/rpm/rpmdb.sqlite".into(), "ok:db".into()),
        ("/abs_db".into(), "ok:db".into()),
        (
            "/etc/passwd/".into(),
            format!("io:{:?}", Some(libc::ENOTDIR)),
        ),
        (
            "/etc/passwd/x".into(),
            format!("io:{:?}", Some(libc::ENOTDIR)),
        ),
        ("/nonexistent".into(), "notfound".into()),
    ];
    for r in resolvers() {
        let fs = Rootfs::open_with(&t.root, Some(r)).unwrap();
        for (path, want) in &cases {
            let got = no_hang({
                let root = t.root.clone();
                let path = path.clone();
                move || {
                    outcome(
                        Rootfs::open_with(root, Some(r))
                            .unwrap()
                            .read(&path, 1 << 20),
                    )
                }
            });
            assert_eq!(&got, want, "{r:?} read {path}");
        }
        // The host's /etc/passwd really is different, so the first cases prove confinement.
        assert_ne!(
            outcome(Ok(fs::read("/etc/passwd").unwrap_or_default())),
            PASSWD
        );
        let _ = fs;
    }
    sentinel_untouched(&t);
}

fn sentinel_untouched(t: &Tree) {
    assert_eq!(
        fs::metadata(&t.outside).unwrap().atime(),
        t.outside_atime,
        "the directory outside the root was listed"
    );
    let atime = fs::metadata(&t.sentinel).unwrap().atime();
    assert_eq!(
        atime, t.sentinel_atime,
        "the sentinel outside the root was accessed"
    );
    // Content last: this read itself moves the atime.
    assert_eq!(fs::read(&t.sentinel).unwrap(), SENTINEL);
}

#[test]
fn absent_in_image_is_not_found_never_the_host_file() {
    let t = tree();
    fs::remove_file(t.root.join("etc/passwd")).unwrap();
    each(&t, |fs| {
        for p in ["/abs_passwd", "/dotdot_passwd", "/a/b/c/up", "/etc/passwd"] {
            let e = fs.read(p, 1 << 20).unwrap_err();
            assert!(matches!(e, Error::NotFound { .. }), "{p}: {e}");
            assert!(!fs.exists(p));
        }
    });
    sentinel_untouched(&t);
}

#[test]
fn fifo_and_socket_never_block() {
    let t = tree();
    for c in configs() {
        let root = t.root.clone();
        let (kind, kind2, meta) = no_hang(move || {
            let fs = open(&root, c);
            let e = fs.open_file("/usr/bin/to_fifo").unwrap_err();
            let e2 = fs.read_to_string("/sock", 10).unwrap_err();
            let meta = fs.metadata("/usr/bin/to_fifo").unwrap();
            (
                e.to_string(),
                e2.to_string(),
                FileKind::from_mode(meta.mode()),
            )
        });
        assert_eq!(kind, "/usr/bin/to_fifo: not a regular file (fifo)");
        assert_eq!(kind2, "/sock: not a regular file (socket)");
        assert_eq!(meta, FileKind::Fifo);
    }
}

#[test]
fn device_nodes_are_not_opened() {
    let t = tree();
    let dev = t.root.join("dev_null");
    let made = rustix::fs::mknodat(
        rustix::fs::CWD,
        &dev,
        rustix::fs::FileType::CharacterDevice,
        rustix::fs::Mode::from_raw_mode(0o666),
        rustix::fs::makedev(1, 3),
    );
    if made.is_err() {
        eprintln!("skipping device case: cannot mknod here (not root or no CAP_MKNOD)");
        return;
    }
    each(&t, |fs| {
        let e = fs.read("/dev_null", 10).unwrap_err();
        assert!(
            matches!(
                e,
                Error::NotRegular {
                    kind: "character device",
                    ..
                }
            ),
            "{e}"
        );
    });
}

#[test]
fn lstat_readlink_and_resolve() {
    let t = tree();
    each(&t, |fs| {
        let m = fs.symlink_metadata("/abs_passwd").unwrap();
        assert!(m.file_type().is_symlink());
        assert_eq!(
            fs.read_link("/abs_passwd").unwrap(),
            Path::new("/etc/passwd")
        );
        let m = fs.metadata("/abs_passwd").unwrap();
        assert!(m.is_file());
        assert_eq!(
            m.ino(),
            fs::metadata(t.root.join("etc/passwd")).unwrap().ino()
        );
        // lstat of a link whose parent is itself reached through links.
        let m = fs.symlink_metadata("/escape_dir/var/lib/rpm").unwrap();
        assert!(m.file_type().is_symlink());
        assert_eq!(
            fs.resolve("/var/lib/rpm").unwrap(),
            Path::new("/usr/lib/sysimage/rpm")
        );
        assert_eq!(
            fs.resolve("/abs_db").unwrap(),
            Path::new("/usr/lib/sysimage/rpm/rpmdb.sqlite")
        );
        assert_eq!(fs.resolve("/a/b/c/up").unwrap(), Path::new("/etc/passwd"));
        assert_eq!(fs.resolve("/escape_dir").unwrap(), Path::new("/"));
        assert_eq!(fs.resolve("../..").unwrap(), Path::new("/"));
        assert!(matches!(fs.resolve("/loop1"), Err(Error::Loop { .. })));
        // Loop links can still be lstat'ed and read.
        assert!(fs
            .symlink_metadata("/loop1")
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs.read_link("/self").unwrap(), Path::new("self"));
        // read_link of a non-link is an error, not a panic.
        assert!(fs.read_link("/etc/passwd").is_err());
        // The image's own /etc/passwd, not the host's, for names.
        let users = rootfs::users::Users::load(fs);
        assert_eq!(users.user_name(1000), Some("img"));
        assert_eq!(users.gid("img"), Some(1000));
        let os = rootfs::os_release::load(fs).unwrap().unwrap();
        assert_eq!(os.id.as_deref(), Some("imageos"));
        assert_eq!(os.version_id.as_deref(), Some("1.0"));
    });
    sentinel_untouched(&t);
}

#[test]
fn os_release_fallback_and_absence() {
    let t = tree();
    fs::remove_file(t.root.join("etc/os-release")).unwrap();
    each(&t, |fs| {
        let os = rootfs::os_release::load(fs).unwrap().unwrap();
        assert_eq!(os.id.as_deref(), Some("imageos"));
    });
    // A dangling /etc/os-release (to the host's file) falls back as if absent.
    symlink("/etc/hostname-of-the-host", t.root.join("etc/os-release")).unwrap();
    fs::remove_file(t.root.join("usr/lib/os-release")).unwrap();
    each(&t, |fs| {
        assert!(rootfs::os_release::load(fs).unwrap().is_none())
    });
    // A fifo in its place is an error, not a hang.
    fs::remove_file(t.root.join("etc/os-release")).unwrap();
    mkfifo(&t.root.join("etc/os-release"));
    each(&t, |fs| {
        assert!(matches!(
            rootfs::os_release::load(fs),
            Err(Error::NotRegular { .. })
        ));
    });
}

#[test]
fn directory_listing_and_non_utf8_names() {
    let t = tree();
    each(&t, |fs| {
        let top = fs.read_dir("/").unwrap();
        let via_escape = fs.read_dir("/escape_dir").unwrap();
        assert_eq!(
            top, via_escape,
            "a dir link climbing out lists the image root"
        );
        assert_eq!(fs.read_dir("/abs_escape_dir").unwrap(), top);
        let names: Vec<&[u8]> = top.iter().map(|e| e.name.as_bytes()).collect();
        assert!(names.contains(&&b"bin\xff\xfe"[..]));
        let kind = |n: &str| top.iter().find(|e| e.name == n).unwrap().file_type;
        assert_eq!(kind("abs_passwd"), FileKind::Symlink);
        assert_eq!(kind("etc"), FileKind::Dir);
        assert_eq!(kind("sock"), FileKind::Socket);
        let sub = fs.read_dir(OsStr::from_bytes(b"/bin\xff\xfe")).unwrap();
        assert_eq!(sub.len(), 1);
        assert_eq!(sub[0].name.as_bytes(), b"na\xefme");
        assert_eq!(sub[0].file_type, FileKind::File);
        let data = fs
            .read(OsStr::from_bytes(b"/bin\xff\xfe/na\xefme"), 100)
            .unwrap();
        assert_eq!(data, b"non-utf8");
        assert!(matches!(
            fs.read_dir("/to_host_dir"),
            Err(Error::NotFound { .. })
        ));
        assert!(fs.read_dir("/etc/passwd").is_err());
        // Walking never follows links (escape_dir would otherwise recurse forever).
        let mut seen = Vec::new();
        let errors = fs
            .walk("/", 64, |e| {
                seen.push(e.path.clone());
                true
            })
            .unwrap();
        assert!(errors.is_empty(), "{errors:?}");
        assert!(seen.contains(&PathBuf::from("/usr/lib/sysimage/rpm/rpmdb.sqlite")));
        assert!(seen.contains(&PathBuf::from("/escape_dir")));
        assert!(!seen.iter().any(|p| p.starts_with("/escape_dir/etc")));
        let sub = fs.open_dir("/var/lib/rpm").unwrap();
        assert_eq!(sub.read("rpmdb.sqlite", 10).unwrap(), b"db");
        assert!(sub.host_path().ends_with("usr/lib/sysimage/rpm"));
    });
    sentinel_untouched(&t);
}

#[test]
fn deep_nesting_and_link_budget() {
    let t = tree();
    // 400 nested directories.
    let mut deep = t.root.join("deep");
    let mut image = String::from("/deep");
    for _ in 0..400 {
        deep.push("d");
        image.push_str("/d");
    }
    fs::create_dir_all(&deep).unwrap();
    fs::write(deep.join("f"), b"bottom").unwrap();
    // A relative chain of links: the kernel's own answer (host lookup of a relative chain, which
    // stays in the tree) decides at which length a chain becomes a loop; both resolvers must agree.
    let chain = t.root.join("chain");
    fs::create_dir(&chain).unwrap();
    fs::write(chain.join("target"), b"end").unwrap();
    for n in [39usize, 40, 41] {
        let dir = chain.join(format!("c{n}"));
        fs::create_dir(&dir).unwrap();
        fs::write(dir.join("target"), b"end").unwrap();
        for i in 0..n {
            let next = if i + 1 == n {
                "target".to_string()
            } else {
                format!("l{}", i + 1)
            };
            symlink(next, dir.join(format!("l{i}"))).unwrap();
        }
    }
    // A path longer than PATH_MAX (25 components of 200 bytes), built with *at calls because the
    // host path is too long for path-based calls.
    let mut fd =
        rustix::fs::open(&t.root, rustix::fs::OFlags::PATH, rustix::fs::Mode::empty()).unwrap();
    let long_name = "n".repeat(200);
    let mut long_path = String::new();
    for _ in 0..25 {
        rustix::fs::mkdirat(
            &fd,
            long_name.as_str(),
            rustix::fs::Mode::from_raw_mode(0o755),
        )
        .unwrap();
        fd = rustix::fs::openat(
            &fd,
            long_name.as_str(),
            rustix::fs::OFlags::PATH,
            rustix::fs::Mode::empty(),
        )
        .unwrap();
        long_path.push('/');
        long_path.push_str(&long_name);
    }
    let dirfd = rustix::fs::openat(
        &fd,
        ".",
        rustix::fs::OFlags::RDONLY | rustix::fs::OFlags::DIRECTORY,
        rustix::fs::Mode::empty(),
    )
    .unwrap();
    let f = rustix::fs::openat(
        &dirfd,
        "f",
        rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CREATE,
        rustix::fs::Mode::from_raw_mode(0o644),
    )
    .unwrap();
    rustix::io::write(&f, b"long").unwrap();
    drop(f);
    assert!(long_path.len() > 4096);
    each(&t, |fs| {
        assert_eq!(fs.read(format!("{long_path}/f"), 10).unwrap(), b"long");
        let p = format!("{image}/f");
        assert_eq!(fs.read(&p, 100).unwrap(), b"bottom");
        assert_eq!(fs.resolve(&p).unwrap(), PathBuf::from(&p));
        let up = format!("{image}/{}", "../".repeat(500)) + "etc/passwd";
        assert_eq!(outcome(fs.read(&up, 1 << 20)), PASSWD);
        let mut max = 0;
        let errors = fs
            .walk("/deep", 50, |e| {
                max = max.max(e.depth);
                true
            })
            .unwrap();
        assert!(errors.is_empty());
        assert_eq!(max, 50);
        for n in [39usize, 40, 41] {
            let host = std::fs::read(chain.join(format!("c{n}/l0")));
            let ours = fs.read(format!("/chain/c{n}/l0"), 100);
            match host {
                Ok(b) => assert_eq!(ours.unwrap(), b, "chain of {n}"),
                Err(e) => {
                    assert_eq!(e.raw_os_error(), Some(libc::ELOOP));
                    assert!(matches!(ours, Err(Error::Loop { .. })), "chain of {n}");
                }
            }
        }
    });
}

#[test]
fn size_limits_and_sparse_file() {
    let t = tree();
    let big = File::create(t.root.join("sparse")).unwrap();
    big.set_len(4 << 30).unwrap();
    drop(big);
    each(&t, |fs| {
        let e = fs.read("/sparse", 64 << 20).unwrap_err();
        assert!(
            matches!(e, Error::TooLarge { limit, .. } if limit == 64 << 20),
            "{e}"
        );
        assert_eq!(fs.read("/var/lib/rpm/rpmdb.sqlite", 2).unwrap(), b"db");
        assert!(matches!(
            fs.read("/var/lib/rpm/rpmdb.sqlite", 1),
            Err(Error::TooLarge { .. })
        ));
        assert_eq!(fs.metadata("/sparse").unwrap().len(), 4 << 30);
    });
}

#[test]
fn xattrs_do_not_follow_the_final_link() {
    let t = tree();
    let file = t.root.join("etc/passwd");
    let link = t.root.join("abs_passwd");
    if rustix::fs::setxattr(
        &file,
        "trusted.rootfs-test",
        b"on-file",
        rustix::fs::XattrFlags::empty(),
    )
    .is_err()
        || rustix::fs::lsetxattr(
            &link,
            "trusted.rootfs-test",
            b"on-link",
            rustix::fs::XattrFlags::empty(),
        )
        .is_err()
    {
        eprintln!("skipping xattr case: trusted.* xattrs not settable here (needs root)");
        return;
    }
    let big: Vec<u8> = (0..1000u32).map(|i| (i % 251) as u8).collect();
    rustix::fs::setxattr(
        t.root.join("usr/lib/os-release"),
        "trusted.big",
        &big,
        rustix::fs::XattrFlags::empty(),
    )
    .unwrap();
    each(&t, |fs| {
        assert_eq!(
            fs.lgetxattr("/etc/passwd", "trusted.rootfs-test")
                .unwrap()
                .unwrap(),
            b"on-file"
        );
        assert_eq!(fs.lgetxattr("/etc", "trusted.rootfs-test").unwrap(), None);
        assert_eq!(
            fs.lgetxattr("/etc/group", "trusted.rootfs-test").unwrap(),
            None
        );
        assert!(matches!(
            fs.lgetxattr("/nope", "trusted.x"),
            Err(Error::NotFound { .. })
        ));
    });
    // Symlinks' own xattrs are reachable through /proc/self/fd only.
    for r in resolvers() {
        let fs = open(&t.root, (r, false));
        assert_eq!(
            fs.lgetxattr("/abs_passwd", "trusted.rootfs-test")
                .unwrap()
                .unwrap(),
            b"on-link"
        );
    }
}

/// Permission errors are per file: an unprivileged child process (setpriv to nobody) runs
/// `permission_child` against a tree where some files are unreadable to it.
#[test]
fn permission_denied_is_per_file() {
    let t = tree();
    let secret = t.root.join("etc/shadow");
    write(&secret, b"secret");
    fs::set_permissions(&secret, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let closed = t.root.join("closed");
    fs::create_dir(&closed).unwrap();
    fs::write(closed.join("inner"), b"x").unwrap();
    // 0000: unreadable for the unprivileged child whether or not it owns the directory.
    fs::set_permissions(&closed, std::os::unix::fs::PermissionsExt::from_mode(0o000)).unwrap();
    let exe = std::env::current_exe().unwrap();
    let uid = rustix::process::geteuid();
    let mut cmd = if uid.is_root() {
        if !Path::new("/usr/bin/setpriv").exists() && !Path::new("/bin/setpriv").exists() {
            if std::env::var("CI").as_deref() == Ok("true") {
                panic!("setpriv is required to drop privileges in CI");
            }
            eprintln!("skipping: setpriv missing");
            return;
        }
        let mut c = std::process::Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&exe);
        c
    } else {
        std::process::Command::new(&exe)
    };
    let out = cmd
        .args([
            "permission_child",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("ROOTFS_PERMISSION_CHILD", &t.root)
        .output()
        .unwrap();
    // Let the temp dir be removed even by an unprivileged owner.
    fs::set_permissions(&closed, std::os::unix::fs::PermissionsExt::from_mode(0o700)).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("PERMISSION CHILD OK"),
        "child failed: {}\n{}",
        stdout,
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn permission_child() {
    let Some(root) = std::env::var_os("ROOTFS_PERMISSION_CHILD") else {
        return; // only meaningful when spawned by permission_denied_is_per_file
    };
    for c in configs() {
        let fs = open(Path::new(&root), c);
        let e = fs.read("/etc/shadow", 100).unwrap_err();
        assert!(matches!(e, Error::PermissionDenied { .. }), "{e}");
        assert_eq!(e.to_string(), "/etc/shadow: permission denied");
        // Its metadata is still visible, and neighbours still read.
        assert_eq!(fs.metadata("/etc/shadow").unwrap().len(), 6);
        assert_eq!(outcome(fs.read("/abs_passwd", 1 << 20)), PASSWD);
        assert!(matches!(
            fs.read_dir("/closed"),
            Err(Error::PermissionDenied { .. })
        ));
        assert!(matches!(
            fs.read("/closed/inner", 10),
            Err(Error::PermissionDenied { .. })
        ));
        let errors = fs.walk("/", 8, |_| true).unwrap();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].path(), Path::new("/closed"));
    }
    println!("PERMISSION CHILD OK");
}

/// `ROOTFS_RESOLVER=userspace` forces the walk in [`Rootfs::open`] (checked in a child process so
/// the environment of the other tests is not touched).
#[test]
fn resolver_env_override() {
    if let Some(want) = std::env::var_os("ROOTFS_ENV_CHILD") {
        let t = tempfile::tempdir().unwrap();
        let fs = Rootfs::open(t.path()).unwrap();
        assert_eq!(format!("{:?}", fs.resolver()), want.to_str().unwrap());
        println!("ENV CHILD OK");
        return;
    }
    let exe = std::env::current_exe().unwrap();
    let auto = if resolvers().contains(&Resolver::Openat2) {
        "Openat2"
    } else {
        "Userspace"
    };
    for (env, want) in [(None, auto), (Some("userspace"), "Userspace")] {
        let mut cmd = std::process::Command::new(&exe);
        cmd.args(["resolver_env_override", "--exact", "--nocapture"])
            .env("ROOTFS_ENV_CHILD", want)
            .env_remove("ROOTFS_RESOLVER");
        if let Some(v) = env {
            cmd.env("ROOTFS_RESOLVER", v);
        }
        let out = cmd.output().unwrap();
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("ENV CHILD OK"),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A live tree changing under the scanner: a directory is swapped, by rename, with a symlink to the
/// host directory holding the sentinel, while reads go on. No read may ever return host content.
#[test]
fn swap_races_never_escape() {
    let t = tree();
    let root = t.root.clone();
    fs::write(t.outside.join("f"), b"HOST").unwrap();
    fs::create_dir_all(root.join("real")).unwrap();
    fs::write(root.join("real/f"), b"inside").unwrap();
    symlink(&t.outside, root.join("evil")).unwrap();
    fs::create_dir_all(root.join("deep/a/b")).unwrap();
    symlink(&t.outside, root.join("deep/evil")).unwrap();
    fs::rename(root.join("real"), root.join("x")).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let attacker = {
        let root = root.clone();
        let stop = stop.clone();
        std::thread::spawn(move || {
            let mut i = 0u64;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // x is the real dir, then the host link; deep/a/b moves so `..` leads elsewhere.
                let _ = fs::rename(root.join("x"), root.join("real"));
                let _ = fs::rename(root.join("evil"), root.join("x"));
                let _ = fs::rename(root.join("x"), root.join("evil"));
                let _ = fs::rename(root.join("real"), root.join("x"));
                let _ = fs::rename(root.join("deep/a/b"), root.join("deep/b"));
                let _ = fs::rename(root.join("deep/b"), root.join("deep/a/b"));
                i += 1;
            }
            i
        })
    };
    let mut seen_inside = 0;
    for c in configs() {
        let fs = open(&root, c);
        for _ in 0..1500 {
            for p in ["/x/f", "/deep/a/b/../../evil/f", "/deep/a/b/../../../x/f"] {
                if let Ok(b) = fs.read(p, 100) {
                    assert_ne!(b, b"HOST", "{c:?} {p} escaped the root");
                    seen_inside += 1;
                }
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let swaps = attacker.join().unwrap();
    assert!(
        swaps > 0 && seen_inside > 0,
        "the race did not run ({swaps} swaps, {seen_inside} reads)"
    );
    sentinel_untouched(&t);
}
