//! Differential proof: packages built with rpmbuild from generated specs, installed with
//! `rpm --root`, tampered in every way `rpm -V` can see, then real `rpm -Va` and our scanner
//! run on the same tree must print the same lines (order aside).

mod common;

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;

use testkit::{rpm_install, RpmSpec, SpecFile};

fn tools() -> bool {
    testkit::require_tool("rpm") && testkit::require_tool("rpmbuild")
}

fn sh(cmd: &str) {
    let st = Command::new("sh").arg("-c").arg(cmd).status().unwrap();
    assert!(st.success(), "command failed: {cmd}");
}

fn p(root: &Path, path: &str) -> PathBuf {
    root.join(path.trim_start_matches('/'))
}

/// The main package: every file kind and attribute rpm knows about.
fn main_package() -> RpmSpec {
    RpmSpec::new("vt-main", "1.0", "1")
        .preamble("Vendor: Atomic Scanners Test")
        .preamble("Packager: Test Packager <test@example.org>")
        .file(SpecFile::dir("/usr/share/vt"))
        .file(SpecFile::dir("/usr/share/vt/dir2"))
        .file(SpecFile::dir("/var/lib/vt"))
        .file(SpecFile::file("/usr/bin/vt-tool", "#!/bin/sh\necho tool\n").mode(0o755))
        .file(SpecFile::file("/usr/bin/vt-grow", "#!/bin/sh\necho grow\n").mode(0o755))
        .file(SpecFile::file("/usr/bin/vt-clean", "#!/bin/sh\necho clean\n").mode(0o755))
        .file(SpecFile::file("/usr/lib64/libvt.so.1", vec![0x7fu8; 4096]).mode(0o755))
        .file(SpecFile::symlink("/usr/lib64/libvt.so", "libvt.so.1"))
        .file(SpecFile::symlink(
            "/usr/share/vt/link-abs",
            "/usr/share/vt/data.txt",
        ))
        .file(SpecFile::file("/etc/vt/a.conf", "a=1\n").directive("%config"))
        .file(
            SpecFile::file("/etc/vt/b.conf", "b=1\n")
                .directive("%config(noreplace)")
                .owner("vtuser", "vtgroup"),
        )
        .file(SpecFile::file("/etc/vt/c.conf", "c=1\n").directive("%config(missingok)"))
        .file(SpecFile::file("/etc/vt/d.conf", "d=1\n").directive("%config"))
        .file(SpecFile::file("/var/lib/vt/ghost.db", "").directive("%ghost"))
        .file(
            SpecFile::file("/var/log/vt.log", "")
                .mode(0o600)
                .directive("%ghost"),
        )
        .file(SpecFile::file("/usr/share/doc/vt/README", "read me\n").directive("%doc"))
        .file(SpecFile::file("/usr/share/licenses/vt/COPYING", "MIT\n").directive("%license"))
        .file(SpecFile::file("/usr/share/vt/data.txt", "data data\n"))
        .file(SpecFile::file("/usr/share/vt/pipe-me", "pipe\n"))
        .file(SpecFile::file("/usr/share/vt/gone", "gone\n"))
        .file(SpecFile::file("/usr/share/vt/owned", "owned\n").owner("vtuser", "vtgroup"))
        .file(SpecFile::file("/usr/share/vt/grp", "grp\n").owner("root", "vtgroup"))
        .file(SpecFile::file("/usr/share/vt/by-daemon", "d\n").owner("daemon", "daemon"))
        .file(
            SpecFile::file("/usr/bin/vt-suid", "#!/bin/sh\n")
                .mode(0o4755)
                .owner("nosuchuser", "nosuchgroup"),
        )
        .file(
            SpecFile::file("/usr/share/vt/verify-partial", "partial\n")
                .directive("%verify(not md5 size mtime)"),
        )
        .file(SpecFile::file("/usr/share/vt/touched", "t\n"))
        .file(SpecFile::device("/dev/vtnull", 'c', 1, 3).mode(0o666))
        .file(SpecFile::device("/dev/vtblk", 'b', 7, 0).mode(0o660))
        .file(
            SpecFile::file("/usr/sbin/vt-ping", "#!/bin/sh\nping\n")
                .mode(0o755)
                .directive("%caps(cap_net_raw=ep)"),
        )
        .file(
            SpecFile::file("/usr/sbin/vt-ping2", "#!/bin/sh\nping2\n")
                .mode(0o755)
                .directive("%caps(cap_net_admin,cap_net_raw=p)"),
        )
        .file(SpecFile::file("/usr/sbin/vt-nocap", "#!/bin/sh\nnocap\n").mode(0o755))
        .file(SpecFile::dir("/usr/share/vt-nd"))
        .file(SpecFile::file("/usr/share/vt-nd/f", "nd\n"))
}

/// One small package per digest algorithm.
fn digest_packages(dir: &Path) -> Vec<PathBuf> {
    [
        (1, "md5"),
        (2, "sha1"),
        (8, "sha256"),
        (9, "sha384"),
        (10, "sha512"),
        (11, "sha224"),
    ]
    .iter()
    .map(|(n, name)| {
        RpmSpec::new(&format!("vt-{name}"), "1.0", "1")
            .define("_binary_filedigest_algorithm", &n.to_string())
            .file(SpecFile::file(
                &format!("/usr/share/vt-{name}/same"),
                "unchanged\n",
            ))
            .file(SpecFile::file(
                &format!("/usr/share/vt-{name}/tampered"),
                "original\n",
            ))
            .file(SpecFile::file(&format!("/usr/bin/vt-{name}"), "#!/bin/sh\nexit 0\n").mode(0o755))
            .build(dir)
            .unwrap()
    })
    .collect()
}

fn tamper_main(root: &Path) {
    let r = |x: &str| p(root, x);
    // content, same size / other size
    fs::write(r("/usr/bin/vt-tool"), "#!/bin/sh\necho TOOL\n").unwrap();
    fs::write(r("/usr/bin/vt-grow"), "#!/bin/sh\necho grow grow\n").unwrap();
    fs::set_permissions(r("/usr/bin/vt-tool"), fs::Permissions::from_mode(0o755)).unwrap();
    // mode
    fs::set_permissions(
        r("/usr/lib64/libvt.so.1"),
        fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    // symlink target
    fs::remove_file(r("/usr/lib64/libvt.so")).unwrap();
    symlink("libvt.so.2", r("/usr/lib64/libvt.so")).unwrap();
    // config changed, config owner, missing missingok config, missing config
    let mut a = fs::read(r("/etc/vt/a.conf")).unwrap();
    a.extend_from_slice(b"more=2\n");
    fs::write(r("/etc/vt/a.conf"), a).unwrap();
    sh(&format!(
        "chown 1234:1234 {}",
        r("/etc/vt/b.conf").display()
    ));
    fs::remove_file(r("/etc/vt/c.conf")).unwrap();
    fs::remove_file(r("/etc/vt/d.conf")).unwrap();
    // a ghost that exists with another mode; the other ghost stays missing
    fs::create_dir_all(r("/var/log")).unwrap();
    fs::write(r("/var/log/vt.log"), "log line\n").unwrap();
    fs::set_permissions(r("/var/log/vt.log"), fs::Permissions::from_mode(0o644)).unwrap();
    // doc mtime
    sh(&format!(
        "touch -d '2001-02-03 04:05:06' {}",
        r("/usr/share/doc/vt/README").display()
    ));
    sh(&format!(
        "touch -d '2001-02-03 04:05:06' {}",
        r("/usr/share/vt/touched").display()
    ));
    // replaced by a directory and by a fifo; a missing file
    fs::remove_file(r("/usr/share/vt/data.txt")).unwrap();
    fs::create_dir(r("/usr/share/vt/data.txt")).unwrap();
    fs::remove_file(r("/usr/share/vt/pipe-me")).unwrap();
    sh(&format!("mkfifo {}", r("/usr/share/vt/pipe-me").display()));
    fs::remove_file(r("/usr/share/vt/gone")).unwrap();
    // owner / group to other ids that exist in the image
    sh(&format!(
        "chown 1234 {}",
        r("/usr/share/vt/owned").display()
    ));
    sh(&format!("chgrp 1234 {}", r("/usr/share/vt/grp").display()));
    // content change that FILEVERIFYFLAGS says not to check
    fs::write(r("/usr/share/vt/verify-partial"), "partial but longer\n").unwrap();
    // device numbers, block device turned into a char device
    fs::remove_file(r("/dev/vtnull")).unwrap();
    sh(&format!(
        "mknod -m 666 {} c 1 5",
        r("/dev/vtnull").display()
    ));
    fs::remove_file(r("/dev/vtblk")).unwrap();
    sh(&format!("mknod -m 660 {} c 7 0", r("/dev/vtblk").display()));
    // capabilities removed / added
    sh(&format!("setcap -r {}", r("/usr/sbin/vt-ping").display()));
    sh(&format!(
        "setcap cap_sys_admin+ep {}",
        r("/usr/sbin/vt-nocap").display()
    ));
    // directories: mode and owner
    fs::set_permissions(r("/var/lib/vt"), fs::Permissions::from_mode(0o700)).unwrap();
    sh(&format!("chown 1:1 {}", r("/usr/share/vt/dir2").display()));
    // a directory replaced by a regular file: its file becomes "Not a directory"
    fs::remove_dir_all(r("/usr/share/vt-nd")).unwrap();
    fs::write(r("/usr/share/vt-nd"), "not a dir\n").unwrap();
}

#[test]
fn tampered_tree_matches_rpm() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    common::write_image_users(&root);
    let mut rpms = vec![main_package().build(dir.path()).unwrap()];
    rpms.extend(digest_packages(dir.path()));
    rpm_install(&root, &rpms, &[]).unwrap();

    // A clean install verifies clean with both.
    let clean = common::assert_same(&root, false);
    assert!(clean.is_empty(), "fresh install not clean: {clean:?}");

    tamper_main(&root);
    for name in ["md5", "sha1", "sha256", "sha384", "sha512", "sha224"] {
        fs::write(
            p(&root, &format!("/usr/share/vt-{name}/tampered")),
            "0riginal\n",
        )
        .unwrap();
        fs::write(
            p(&root, &format!("/usr/bin/vt-{name}")),
            "#!/bin/sh\nexit 1\n",
        )
        .unwrap();
    }
    let lines = common::assert_same(&root, true);
    eprintln!("rpm -Va:\n{}", lines.join("\n"));
    // Every tampering kind shows up (the comparison above is the proof; this guards the
    // scenario against silently testing less).
    for needle in [
        "S.5", ".M.", "....L", "missing", "...D", "U", "G", "T.", "P",
    ] {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "no {needle} line in {lines:?}"
        );
    }
}

#[test]
fn shared_files_replaced_files_and_states() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    common::write_image_users(&root);
    // Two packages owning the same path with the same content (shared: mtime is not reported).
    let shared = |name: &str| {
        RpmSpec::new(name, "1.0", "1")
            .file(SpecFile::dir("/usr/share/vt-shared"))
            .file(SpecFile::file("/usr/share/vt-shared/common.txt", "same\n"))
            .file(SpecFile::file(
                "/usr/share/vt-shared/time-only.txt",
                "same\n",
            ))
            .file(SpecFile::file(
                &format!("/usr/share/vt-shared/{name}.txt"),
                "own\n",
            ))
            .build(dir.path())
            .unwrap()
    };
    let a = shared("vt-sh-a");
    let b = shared("vt-sh-b");
    rpm_install(&root, &[a, b], &[]).unwrap();
    // A file replaced by a later package (state "replaced").
    let rep = |name: &str, body: &str| {
        RpmSpec::new(name, "1.0", "1")
            .file(SpecFile::file("/usr/share/vt-rep/x", body))
            .build(dir.path())
            .unwrap()
    };
    rpm_install(&root, &[rep("vt-rep-a", "first\n")], &[]).unwrap();
    rpm_install(
        &root,
        &[rep("vt-rep-b", "second, longer\n")],
        &["--replacefiles"],
    )
    .unwrap();
    // Docs not installed.
    let docs = RpmSpec::new("vt-docs", "1.0", "1")
        .file(SpecFile::file("/usr/share/doc/vt-docs/README", "doc\n").directive("%doc"))
        .file(SpecFile::file("/usr/share/vt-docs/data", "data\n"))
        .build(dir.path())
        .unwrap();
    rpm_install(&root, &[docs], &["--excludedocs"]).unwrap();
    // Files on a netshared path.
    let net = RpmSpec::new("vt-net", "1.0", "1")
        .file(SpecFile::file("/opt/net/shared.bin", "net\n"))
        .file(SpecFile::file("/usr/share/vt-net/local", "local\n"))
        .build(dir.path())
        .unwrap();
    rpm_install(&root, &[net], &["--define", "_netsharedpath /opt/net"]).unwrap();

    // The same file reached through a symlinked directory (/lib -> usr/lib): rpm counts both
    // owners through the real location, so an mtime change is not reported.
    fs::create_dir_all(p(&root, "/usr/lib")).unwrap();
    symlink("usr/lib", p(&root, "/lib")).unwrap();
    let fp = |name: &str, at: &str| {
        RpmSpec::new(name, "1.0", "1")
            .file(SpecFile::file(&format!("{at}/vt-fp.txt"), "fingerprint\n"))
            .file(SpecFile::file(&format!("{at}/{name}.txt"), "mine\n"))
            .build(dir.path())
            .unwrap()
    };
    rpm_install(
        &root,
        &[fp("vt-fp-a", "/lib/vt-fp"), fp("vt-fp-b", "/usr/lib/vt-fp")],
        &["--replacefiles"],
    )
    .unwrap();
    // Directories that became symlinks to directories (followed only when the link is owned
    // by root or by the target's owner).
    let dirs = RpmSpec::new("vt-dirs", "1.0", "1")
        .file(SpecFile::dir("/usr/share/vt-sd"))
        .file(SpecFile::dir("/usr/share/vt-sd2"))
        .build(dir.path())
        .unwrap();
    rpm_install(&root, &[dirs], &[]).unwrap();

    let clean = common::assert_same(&root, false);
    assert!(clean.iter().any(|l| l.ends_with("(replaced)")), "{clean:?}");

    sh(&format!(
        "touch -d '2001-02-03 04:05:06' {} {}",
        p(&root, "/usr/lib/vt-fp/vt-fp.txt").display(),
        p(&root, "/usr/lib/vt-fp/vt-fp-a.txt").display()
    ));
    for (name, owner) in [("vt-sd", "0"), ("vt-sd2", "1234")] {
        let d = p(&root, &format!("/usr/share/{name}"));
        fs::remove_dir(&d).unwrap();
        let real = p(&root, &format!("/usr/share/{name}-real"));
        fs::create_dir(&real).unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o700)).unwrap();
        symlink(format!("{name}-real"), &d).unwrap();
        sh(&format!("chown -h {owner} {}", d.display()));
    }

    sh(&format!(
        "touch -d '2001-02-03 04:05:06' {} {}",
        p(&root, "/usr/share/vt-shared/time-only.txt").display(),
        p(&root, "/usr/share/vt-shared/vt-sh-a.txt").display()
    ));
    fs::write(p(&root, "/usr/share/vt-shared/common.txt"), "diff\n").unwrap();
    fs::remove_file(p(&root, "/usr/share/vt-rep/x")).unwrap();
    fs::remove_file(p(&root, "/usr/share/vt-docs/data")).unwrap();
    fs::remove_file(p(&root, "/usr/share/vt-net/local")).unwrap();
    let lines = common::assert_same(&root, true);
    eprintln!("rpm -Va:\n{}", lines.join("\n"));
}

/// Owner names resolved the way rpm's getpwnam/getgrnam (glibc's files database, inside the
/// root) read /etc/passwd and /etc/group: white space before a line or an id is skipped, a `+`
/// before an id is allowed, a passwd line needs its gid, an id must end at a colon or the end
/// of the line (`\r` included), bytes that are not UTF-8 in other fields (a Latin-1 GECOS) do not
/// hide the account. A name glibc does not find is uid/gid 0 with setuid/setgid
/// cleared, so a wrong reading shows up as `U`, `G` and `M` lines.
#[test]
fn image_passwd_and_group_read_like_glibc() {
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(
        root.join("etc/passwd"),
        b"root:x:0:0:root:/root:/bin/sh\n \
         lead:x:40:40::/:/bin/sh\n\
         \tlead-tab:x:41:41::/:/bin/sh\n\
         idsp:x: 42: 42::/:/bin/sh\n\
         plus:x:+43:+43::/:/bin/sh\n\
         short:x:44\n\
         nogid:x:45:\n\
         crlf:x:46:46\r\n\
         crlf-shell:x:47:47::/:/bin/sh\r\n\
         trail:x:48 :48::/:/bin/sh\n\
         dup:x:49\n\
         dup:x:50:50::/:/bin/sh\n\
         latin1:x:51:51:J\xfcrgen:/home/j\xfc:/bin/sh\n"
            .as_slice(),
    )
    .unwrap();
    fs::write(
        root.join("etc/group"),
        b"root:x:0:\n \
         lead:x:40:\n\
         \tlead-tab:x:41:\n\
         idsp:x: 42:\n\
         plus:x:+43:\n\
         short:x:44\n\
         nogid:x:\n\
         crlf:x:46\r\n\
         crlf-shell:x:47:\r\n\
         trail:x:48 :\n\
         dup:x:\n\
         dup:x:50:\n\
         latin1:x:51:m\xfcller\n"
            .as_slice(),
    )
    .unwrap();
    let names = [
        "lead",
        "lead-tab",
        "idsp",
        "plus",
        "short",
        "nogid",
        "crlf",
        "crlf-shell",
        "trail",
        "dup",
        "latin1",
    ];
    let mut spec = RpmSpec::new("vt-owners", "1.0", "1");
    for n in names {
        spec = spec.file(
            SpecFile::file(&format!("/usr/share/vt-owners/{n}"), format!("{n}\n"))
                .mode(0o6755)
                .owner(n, n),
        );
    }
    let rpm = spec.build(dir.path()).unwrap();
    rpm_install(&root, &[rpm], &[]).unwrap();

    // rpm gave every file the owner it resolved; a reader resolving otherwise reports them.
    common::assert_same(&root, false);
    // Every file root-owned with its setuid/setgid bits: only the names rpm resolved fail.
    for n in names {
        let f = p(&root, &format!("/usr/share/vt-owners/{n}"));
        sh(&format!("chown 0:0 {}", f.display()));
        fs::set_permissions(&f, fs::Permissions::from_mode(0o6755)).unwrap();
    }
    let lines = common::assert_same(&root, true);
    eprintln!("rpm -Va:\n{}", lines.join("\n"));
}

/// Paths and symlink targets that are not UTF-8 (old packages; rpm 4.18's rpmbuild needs
/// `_invalid_encoding_terminates_build 0` to make them): the files are found by their bytes,
/// and a target changed to other non-UTF-8 bytes is an `L` even where both read the same
/// lossily.
#[test]
fn paths_and_link_targets_that_are_not_utf8() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::{OsStrExt, OsStringExt};
    if !tools() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    common::write_image_users(&root);
    let b = "%{buildroot}/usr/share/vt-l1";
    let rpm = RpmSpec::new("vt-latin1", "1.0", "1")
        .define("_invalid_encoding_terminates_build", "0")
        .file(SpecFile::dir("/usr/share/vt-l1"))
        .install_line(&format!("mkdir -p {b}"))
        .install_line(&format!("printf 'l1\\n' > \"{b}/$(printf 'lat\\351')\""))
        .install_line(&format!("printf 'same\\n' > \"{b}/$(printf 'tch\\351')\""))
        .install_line(&format!("mkdir \"{b}/$(printf 'dir\\351')\""))
        .install_line(&format!("printf 'f\\n' > \"{b}/$(printf 'dir\\351')/f\""))
        .install_line(&format!("ln -s \"$(printf 'tgt\\351')\" {b}/link"))
        .install_line(&format!("ln -s \"$(printf 'tgt\\351')\" {b}/link2"))
        .files_line("/usr/share/vt-l1/lat*")
        .files_line("/usr/share/vt-l1/tch*")
        .files_line("/usr/share/vt-l1/dir*")
        .files_line("/usr/share/vt-l1/link")
        .files_line("/usr/share/vt-l1/link2")
        .build(dir.path())
        .unwrap();
    rpm_install(&root, &[rpm], &[]).unwrap();
    let clean = common::assert_same(&root, false);
    assert!(clean.is_empty(), "fresh install not clean: {clean:?}");

    let at = |name: &[u8]| {
        let mut p = p(&root, "/usr/share/vt-l1").into_os_string().into_vec();
        p.push(b'/');
        p.extend_from_slice(name);
        PathBuf::from(OsStr::from_bytes(&p))
    };
    fs::write(at(b"tch\xe9"), "diff\n").unwrap();
    fs::remove_file(at(b"link2")).unwrap();
    symlink(OsStr::from_bytes(b"tgt\xea"), at(b"link2")).unwrap();
    let st = Command::new("touch")
        .args(["-d", "2001-02-03 04:05:06"])
        .arg(at(b"lat\xe9"))
        .status()
        .unwrap();
    assert!(st.success());
    fs::set_permissions(at(b"dir\xe9/f"), fs::Permissions::from_mode(0o600)).unwrap();
    let lines = common::assert_same(&root, true);
    common::assert_same_bytes(&root);
    for needle in ["..5", "....L", ".M...", "T."] {
        assert!(
            lines.iter().any(|l| l.contains(needle)),
            "no {needle} line in {lines:?}"
        );
    }
    eprintln!("rpm -Va:\n{}", lines.join("\n"));
}
