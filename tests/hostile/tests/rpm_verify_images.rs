//! scanner-rpm-verify end to end on hostile images: every hostile target sits in the same
//! `/scanin` as a good one, the binary runs once with a timeout and an address-space limit, and
//! each target's outcome is asserted: file-level hostility is compared with real `rpm -Va`
//! (which chroots into the root, so its answer is the confined one), database-level hostility
//! must fail that target with a clear reason; the good target must still equal `rpm -Va`;
//! nothing outside the image roots and `/scanout` may be read or written.

mod common;

use std::ffi::OsStr;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};

use common::*;
use testkit::{rpm_install, RpmSpec, SpecFile};

const HX_FILES: &[&str] = &[
    "data", "fifo", "sock", "dev", "link-abs", "link-rel", "loop", "locked", "deep",
];

/// Builds the base image once per test: image users and one package `hx-pkg` whose files the
/// cases replace, installed by real rpm (sqlite database).
fn base_image(work: &Path) -> PathBuf {
    let mut spec = RpmSpec::new("hx-pkg", "1.0", "1")
        .file(SpecFile::file("/usr/bin/hx-tool", "#!/bin/sh\necho hx\n").mode(0o755));
    for f in HX_FILES {
        spec = spec.file(SpecFile::file(
            &format!("/usr/share/hx/{f}"),
            format!("content of {f}\n"),
        ));
    }
    let rpm = spec.build(work).unwrap();
    let root = work.join("base");
    write(
        &root.join("etc/passwd"),
        "root:x:0:0:image root:/root:/bin/sh\n",
    );
    write(&root.join("etc/group"), "root:x:0:\n");
    rpm_install(&root, &[rpm], &[]).unwrap();
    assert!(root.join("var/lib/rpm/rpmdb.sqlite").is_file());
    root
}

/// A second package installed into a database outside every image: if a scanner ever reads it,
/// `hx-outside` shows up in its output.
fn outside_db(work: &Path, sb: &Sandbox) {
    let rpm = RpmSpec::new("hx-outside", "6.6", "6")
        .file(SpecFile::file("/opt/hx-outside", "x\n"))
        .build(work)
        .unwrap();
    let root = work.join("outside-root");
    rpm_install(&root, &[rpm], &["--justdb"]).unwrap();
    fs::create_dir_all(sb.outside.join("rpmdb")).unwrap();
    for e in fs::read_dir(root.join("var/lib/rpm")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), sb.outside.join("rpmdb").join(e.file_name())).unwrap();
    }
}

/// Replaces the package's files with fifo/socket/device/escaping links/loop/unreadable file,
/// adds deep nesting and non-UTF-8 names around them.
fn hostile_files(root: &Path, sb: &Sandbox) {
    let hx = root.join("usr/share/hx");
    let r = |n: &str| hx.join(n);
    for n in ["fifo", "sock", "dev", "link-abs", "link-rel", "loop"] {
        remove(&r(n));
    }
    mkfifo(&r("fifo"));
    mksock(&r("sock"));
    mkzero(&r("dev"));
    symlink(sb.outside_path("sentinel"), r("link-abs")).unwrap();
    let ups = "../".repeat(40);
    let rel = format!("{ups}{}", sb.outside_path("sentinel").display());
    symlink(rel.replace("//", "/"), r("link-rel")).unwrap();
    symlink("loop", r("loop")).unwrap();
    // Root bypasses DAC: rpm and the scanner (both root here) still read it; the unprivileged
    // case is `unreadable_files_as_an_unprivileged_user`.
    fs::set_permissions(r("locked"), fs::Permissions::from_mode(0o000)).unwrap();
    // The package's `deep` file replaced by a directory 3000 levels deep.
    remove(&r("deep"));
    deep_dirs(&r("deep"), 3000);
    // Non-UTF-8 names next to package files and in the database directory.
    write(&hx.join(OsStr::from_bytes(b"\xff\xfe-not-utf8")), "x");
    write(
        &root
            .join("var/lib/rpm")
            .join(OsStr::from_bytes(b"\xc3\x28bad")),
        "x",
    );
    // The tool itself: an absolute link to the host's passwd stand-in.
    remove(&root.join("usr/bin/hx-tool"));
    symlink(sb.outside_path("passwd"), root.join("usr/bin/hx-tool")).unwrap();
}

fn sqlite(root: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(root.join("var/lib/rpm/rpmdb.sqlite")).unwrap()
}

/// Header blobs with absurd counts and offsets, each a row of a real sqlite database.
fn absurd_blobs() -> Vec<Vec<u8>> {
    let be = |v: &[u32]| v.iter().flat_map(|x| x.to_be_bytes()).collect::<Vec<u8>>();
    let mut v = vec![
        vec![],
        vec![0xff],
        be(&[0xffff_ffff, 0xffff_ffff]),
        be(&[0x7fff_ffff, 16]),
        // NAME string at an offset far past the data.
        [be(&[1, 16, 1000, 6, 0x7fff_fff0, 1]), vec![0; 16]].concat(),
        // A string array claiming 2^31 elements in 4 bytes of data.
        [be(&[1, 4, 1117, 8, 0, 0x7fff_ffff]), b"a\0b\0".to_vec()].concat(),
        // An int32 array whose count overflows the data length when multiplied.
        [be(&[1, 8, 1028, 4, 0, 0x4000_0001]), vec![0; 8]].concat(),
        // A region tag whose trailer points before the start.
        [be(&[1, 16, 63, 7, 0, 16]), be(&[63, 7, 0xffff_fff0, 16])].concat(),
    ];
    // Many entries all pointing at the same tiny data (a "zip bomb" of index entries).
    let n = 50_000u32;
    let mut bomb = be(&[n, 8]);
    for i in 0..n {
        bomb.extend(be(&[5000 + i, 8, 0, 0x00ff_ffff]));
    }
    bomb.extend(b"aaaa\0\0\0\0");
    v.push(bomb);
    v
}

fn rpm_verify() -> PathBuf {
    scanner_bin("scanner-rpm-verify")
}

#[test]
fn hostile_images_in_one_scanin() {
    if !require_root() || !testkit::require_tool("rpm") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut sb = Sandbox::new();
    let base = base_image(work.path());
    outside_db(work.path(), &sb);

    let target = |id: &str| {
        let t = sb.scanin.join(id);
        copy_tree(&base, &t);
        t
    };

    // Good target: must come out exactly as rpm -Va says, whatever its neighbours do.
    let good = target("good");
    // File-level hostility inside a package.
    let files = target("files");
    hostile_files(&files, &sb);
    // The rpmdb directory is an absolute link to a host database.
    let db_abs = target("db-abs-link");
    remove(&db_abs.join("var/lib/rpm"));
    symlink(sb.outside_path("rpmdb"), db_abs.join("var/lib/rpm")).unwrap();
    // ... a relative link climbing out of the root to it.
    let db_rel = target("db-rel-link");
    remove(&db_rel.join("var/lib/rpm"));
    let rel = format!("{}{}", "../".repeat(30), sb.outside_path("rpmdb").display());
    symlink(rel.replace("//", "/"), db_rel.join("var/lib/rpm")).unwrap();
    // ... `var/lib/rpm -> /var/lib/rpm`: the host's own database path (a loop inside the image).
    let db_host = target("db-host-path");
    remove(&db_host.join("var/lib/rpm"));
    symlink("/var/lib/rpm", db_host.join("var/lib/rpm")).unwrap();
    // ... a two-link loop.
    let db_loop = target("db-loop");
    remove(&db_loop.join("var/lib/rpm"));
    symlink("rpm2", db_loop.join("var/lib/rpm")).unwrap();
    symlink("rpm", db_loop.join("var/lib/rpm2")).unwrap();
    // The database file is a fifo / a device that never ends / a 4 GiB sparse file / a link to
    // the host database file.
    let db_file = |id: &str, make: &dyn Fn(&Path)| {
        let t = target(id);
        let f = t.join("var/lib/rpm/rpmdb.sqlite");
        remove(&f);
        make(&f);
    };
    db_file("db-fifo", &|p| mkfifo(p));
    db_file("db-socket", &|p| mksock(p));
    db_file("db-zero-device", &|p| mkzero(p));
    db_file("db-sparse-4g", &|p| {
        let f = fs::File::create(p).unwrap();
        f.set_len(4 << 30).unwrap();
    });
    db_file("db-file-link", &|p| {
        symlink(sb.outside_path("rpmdb/rpmdb.sqlite"), p).unwrap()
    });
    // /etc/passwd and /etc/group are links to the host's; then a 4 GiB sparse passwd.
    let pw = target("passwd-host");
    remove(&pw.join("etc/passwd"));
    remove(&pw.join("etc/group"));
    symlink(sb.outside_path("passwd"), pw.join("etc/passwd")).unwrap();
    symlink(sb.outside_path("group"), pw.join("etc/group")).unwrap();
    let pw_sparse = target("passwd-sparse-4g");
    fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(pw_sparse.join("etc/passwd"))
        .unwrap()
        .set_len(4 << 30)
        .unwrap();
    // Duplicate package rows, then absurd headers beside a real one.
    let dup = target("duplicate-packages");
    sqlite(&dup)
        .execute_batch("INSERT INTO Packages (blob) SELECT blob FROM Packages; INSERT INTO Packages (blob) SELECT blob FROM Packages;")
        .unwrap();
    let absurd = target("absurd-headers");
    {
        let c = sqlite(&absurd);
        for (i, b) in absurd_blobs().iter().enumerate() {
            c.execute(
                "INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)",
                rusqlite::params![1000 + i as i64, b],
            )
            .unwrap();
        }
    }
    sb.seal_outside();
    let before = sb.fingerprint_inputs();

    let run = run_bounded(&sb, &rpm_verify(), &[], ADDRESS_SPACE, None);
    run.assert_completed();
    eprintln!(
        "scanner-rpm-verify took {:?}; stderr:\n{}",
        run.elapsed, run.stderr
    );

    assert_eq!(
        run.status.code(),
        Some(0),
        "atomic contract: 0 when targets were scanned"
    );
    // Nothing outside was read; nothing but /scanout written.
    sb.assert_outside_untouched();
    assert_eq!(
        sb.fingerprint_inputs(),
        before,
        "the scan modified its inputs"
    );

    // Every target has a json; the good one is rpm's answer.
    let va = |id: &str| sorted_lines(&sb.out_file(id, "rpm-Va.txt"));
    assert!(successful(&sb.json("good")));
    assert_eq!(va("good"), rpm_va(&good));

    // File-level hostility: same answer as rpm (chrooted), nothing followed out of the image.
    let j = sb.json("files");
    assert!(successful(&j), "{j:#}");
    assert_eq!(va("files"), rpm_va(&files));
    assert!(!j.to_string().contains("HOSTLEAK"));

    // The database reached through links to the host is never read.
    for id in ["db-abs-link", "db-rel-link", "db-file-link"] {
        let j = sb.json(id);
        assert!(
            !j.to_string().contains("hx-outside"),
            "{id}: host db read: {j:#}"
        );
        assert!(!sb.out_file(id, "rpm-Va.txt").contains("hx-outside"));
        assert_failed_with(&j, &["rpm database", "not found", "no such"]);
    }
    assert_failed_with(
        &sb.json("db-host-path"),
        &["loop", "symbolic link", "rpm database"],
    );
    assert_failed_with(
        &sb.json("db-loop"),
        &["loop", "symbolic link", "rpm database"],
    );
    // Special files in place of the database: never read, the target fails saying what is
    // there (it said "no rpm database found" before rpmdb kept the first blocker).
    for id in ["db-fifo", "db-socket", "db-zero-device"] {
        assert_failed_with(&sb.json(id), &["not a regular file"]);
    }
    assert_failed_with(&sb.json("db-sparse-4g"), &["too large", "larger", "limit"]);

    // passwd through a host link: the image's view (no passwd) is what rpm sees too.
    let j = sb.json("passwd-host");
    assert!(!j.to_string().contains("HOSTLEAK"));
    assert!(!sb
        .out_file("passwd-host", "rpm-Va.txt")
        .contains("hostleak"));
    assert_eq!(va("passwd-host"), rpm_va(&pw));
    // A 4 GiB passwd is not loaded; files owned by root still verify like the good image.
    let j = sb.json("passwd-sparse-4g");
    assert!(successful(&j), "{j:#}");
    assert_eq!(va("passwd-sparse-4g"), va("good"));

    // Duplicates: rpm verifies each instance.
    assert!(successful(&sb.json("duplicate-packages")));
    assert_eq!(va("duplicate-packages"), rpm_va(&dup));
    // Absurd headers are skipped as rpm skips them; the real package is verified.
    assert_eq!(va("absurd-headers"), rpm_va(&absurd));
}

/// A 4 GiB sparse file in place of a packaged file (created at test time, never committed):
/// hashed streaming within the memory bound, reported as rpm reports it.
#[test]
fn sparse_4g_package_file() {
    if !require_root() || !testkit::require_tool("rpm") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut sb = Sandbox::new();
    let base = base_image(work.path());
    let t = sb.scanin.join("sparse");
    copy_tree(&base, &t);
    let f = fs::OpenOptions::new()
        .write(true)
        .open(t.join("usr/share/hx/data"))
        .unwrap();
    f.set_len(4 << 30).unwrap();
    drop(f);
    sb.seal_outside();
    let run = run_bounded(&sb, &rpm_verify(), &[], 512 << 20, None);
    run.assert_completed();
    eprintln!("4 GiB sparse file verified in {:?}", run.elapsed);
    sb.assert_outside_untouched();
    assert!(successful(&sb.json("sparse")));
    assert_eq!(
        sorted_lines(&sb.out_file("sparse", "rpm-Va.txt")),
        rpm_va(&t)
    );
}

/// As an unprivileged user (DAC applies): an unreadable package file is reported as unreadable
/// (`?` in the digest column, as rpm prints), never as verified; an unreadable database fails
/// only its own target (`locked_db_reason_as_an_unprivileged_user` checks its message).
#[test]
fn unreadable_files_as_an_unprivileged_user() {
    if !require_root() || !testkit::require_tool("rpm") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut sb = Sandbox::new();
    let base = base_image(work.path());
    let t = sb.scanin.join("locked-file");
    copy_tree(&base, &t);
    fs::set_permissions(
        t.join("usr/share/hx/locked"),
        fs::Permissions::from_mode(0o600),
    )
    .unwrap();
    let d = sb.scanin.join("locked-db");
    copy_tree(&base, &d);
    fs::set_permissions(d.join("var/lib/rpm"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(&sb.scanout, fs::Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(&sb.tmpdir, fs::Permissions::from_mode(0o777)).unwrap();
    sb.seal_outside();

    let run = run_bounded(&sb, &rpm_verify(), &[], ADDRESS_SPACE, Some((65534, 65534)));
    run.assert_completed();
    sb.assert_outside_untouched();

    let j = sb.json("locked-file");
    assert!(successful(&j), "{j:#}");
    let txt = sb.out_file("locked-file", "rpm-Va.txt");
    let line = txt
        .lines()
        .find(|l| l.ends_with("/usr/share/hx/locked"))
        .unwrap_or_else(|| panic!("unreadable file not reported:\n{txt}"));
    assert_eq!(&line[2..3], "?", "digest column of {line:?}");
    assert_failed_with(&sb.json("locked-db"), &["rpm database"]);
}

/// The reason given for an unreadable database directory must say so, not "not found".
#[test]
fn locked_db_reason_as_an_unprivileged_user() {
    if !require_root() || !testkit::require_tool("rpm") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut sb = Sandbox::new();
    let base = base_image(work.path());
    let d = sb.scanin.join("locked-db");
    copy_tree(&base, &d);
    fs::set_permissions(d.join("var/lib/rpm"), fs::Permissions::from_mode(0o700)).unwrap();
    fs::set_permissions(&sb.scanout, fs::Permissions::from_mode(0o777)).unwrap();
    fs::set_permissions(&sb.tmpdir, fs::Permissions::from_mode(0o777)).unwrap();
    sb.seal_outside();
    let run = run_bounded(&sb, &rpm_verify(), &[], ADDRESS_SPACE, Some((65534, 65534)));
    run.assert_completed();
    assert_failed_with(&sb.json("locked-db"), &["permission denied"]);
}

/// The database is rewritten in place, over and over, while the scanner reads it: the target
/// completes within the bounds with either a consistent answer or a clear failure.
#[test]
fn database_changing_during_the_scan() {
    if !require_root() || !testkit::require_tool("rpm") || !testkit::require_tool("rpmbuild") {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let mut sb = Sandbox::new();
    let base = base_image(work.path());
    let t = sb.scanin.join("changing");
    copy_tree(&base, &t);
    let good = sb.scanin.join("good");
    copy_tree(&base, &good);
    sb.seal_outside();
    let db = t.join("var/lib/rpm/rpmdb.sqlite");
    let original = fs::read(&db).unwrap();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writer = {
        let stop = stop.clone();
        let db = db.clone();
        std::thread::spawn(move || {
            let mut i = 0usize;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                // Torn states: truncated, garbage, half, whole.
                let cut = match i % 4 {
                    0 => 0,
                    1 => original.len() / 2,
                    2 => 100,
                    _ => original.len(),
                };
                let mut bytes = original[..cut].to_vec();
                if i % 4 == 2 {
                    bytes.extend(std::iter::repeat_n(0xa5, 8192));
                }
                let _ = fs::write(&db, &bytes);
                i += 1;
            }
        })
    };
    let run = run_bounded(&sb, &rpm_verify(), &[], ADDRESS_SPACE, None);
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    writer.join().unwrap();
    run.assert_completed();
    sb.assert_outside_untouched();
    let j = sb.json("changing");
    if successful(&j) {
        // A consistent snapshot: the package set of the original or none at all.
        let txt = sb.out_file("changing", "rpm-Va.txt");
        assert!(!txt.contains("hx-outside"));
    } else {
        assert!(
            j["Custom"]["Error"].as_str().is_some_and(|s| !s.is_empty()),
            "{j:#}"
        );
    }
    assert!(successful(&sb.json("good")));
    assert_eq!(
        sorted_lines(&sb.out_file("good", "rpm-Va.txt")),
        rpm_va(&good)
    );
}
