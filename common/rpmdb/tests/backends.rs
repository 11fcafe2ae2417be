//! The database backends and database location against real databases and real rpm:
//! every fixture database yields what rpm 4.18 read from it (instance numbers and the exact
//! header blobs, through `rpm -qa --qf %{DBINSTANCE}` and `rpmdb --exportdb`), unsupported and
//! damaged files are typed errors, a pending sqlite WAL is read without touching the image,
//! and the database is found through symlinks that stay inside the image.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::{Path, PathBuf};

use rootfs::Rootfs;
use rpmdb::{Backend, BackendError, Database, Delivery, Error, RawHeader};
use sha2::{Digest, Sha256};
use testkit::{RpmSpec, SpecFile};

const MAGIC: [u8; 8] = [0x8e, 0xad, 0xe8, 0x01, 0, 0, 0, 0];

fn local_fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/db")
}

fn shared_rpmdb() -> Option<PathBuf> {
    testkit::shared_fixtures().map(|d| d.join("rpmdb"))
}

fn expected_count(dir: &Path) -> usize {
    fs::read_to_string(dir.join("expected-packages.tsv"))
        .unwrap()
        .lines()
        .count()
}

fn backend_of(dir: &Path) -> Option<(Backend, &'static str)> {
    if dir.join("rpmdb.sqlite").is_file() {
        Some((Backend::Sqlite, "sqlite"))
    } else if dir.join("Packages.db").is_file() {
        Some((Backend::Ndb, "ndb"))
    } else if dir.join("Packages").is_file() {
        Some((Backend::Bdb, "bdb_ro"))
    } else {
        None
    }
}

/// What real rpm reads from the database in `src`: (DBINSTANCE, exported header blob), sorted.
/// rpm runs on a private copy (it writes lock, -shm and index files next to the database).
fn rpm_view(src: &Path, backend: &str) -> Vec<RawHeader> {
    let work = tempfile::tempdir().unwrap();
    for name in ["Packages", "rpmdb.sqlite", "Packages.db"] {
        if src.join(name).is_file() {
            fs::copy(src.join(name), work.path().join(name)).unwrap();
        }
    }
    let dbpath = work.path().to_str().unwrap();
    let define = format!("_db_backend {backend}");
    let q = testkit::run(
        testkit::command("rpm")
            .args(["--dbpath", dbpath, "--define", &define, "-qa", "--qf"])
            .arg("%{DBINSTANCE}\\n"),
    )
    .unwrap();
    let hnums: Vec<u32> = String::from_utf8(q.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    let e = testkit::run(testkit::command("rpmdb").args([
        "--dbpath",
        dbpath,
        "--define",
        &define,
        "--exportdb",
    ]))
    .unwrap();
    let blobs = split_export(&e.stdout);
    assert_eq!(
        hnums.len(),
        blobs.len(),
        "rpm -qa and rpmdb --exportdb disagree"
    );
    let mut out: Vec<RawHeader> = hnums
        .into_iter()
        .zip(blobs)
        .map(|(hnum, blob)| RawHeader { hnum, blob })
        .collect();
    out.sort_by_key(|h| h.hnum);
    out
}

/// Splits an `rpmdb --exportdb` stream (magic + blob per header) into blobs.
fn split_export(mut s: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    while !s.is_empty() {
        assert_eq!(s[..8], MAGIC);
        let il = u32::from_be_bytes(s[8..12].try_into().unwrap()) as usize;
        let dl = u32::from_be_bytes(s[12..16].try_into().unwrap()) as usize;
        let len = 8 + 16 * il + dl;
        out.push(s[8..8 + len].to_vec());
        s = &s[8 + len..];
    }
    out
}

/// `NAME EPOCHNUM VERSION RELEASE ARCH` per package, sorted, as in expected-packages.tsv.
fn package_lines(db: &Database) -> Vec<String> {
    let mut lines: Vec<String> = db
        .packages()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}\t{}\t{}\t{}\t{}",
                p.name,
                p.epoch.unwrap_or(0),
                p.version,
                p.release,
                p.arch.as_deref().unwrap_or("(none)")
            )
        })
        .collect();
    lines.sort();
    lines
}

fn expected_lines(dir: &Path) -> Vec<String> {
    fs::read_to_string(dir.join("expected-packages.tsv"))
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn ours(dir: &Path) -> Result<Vec<RawHeader>, Error> {
    Database::open_dbpath(dir)?.headers()
}

/// The headers `for_each_header` hands over into a buffer that already holds other bytes and
/// keeps them all (as the query's batches do), sorted by hnum like `headers()`.
fn streamed_after_other_bytes(db: &Database) -> Vec<RawHeader> {
    let mut blobs = vec![0xaa; 1000];
    let mut got = Vec::new();
    db.for_each_header(&mut blobs, &mut |d| match d {
        Delivery::Header { name, blobs, start } => got.push(RawHeader {
            hnum: name,
            blob: blobs[start..].to_vec(),
        }),
        Delivery::Restart => got.clear(),
    })
    .unwrap();
    got.sort_by_key(|h| h.hnum);
    got
}

fn assert_same_as_rpm(dir: &Path) {
    let (backend, be_name) = backend_of(dir).unwrap();
    let db = Database::open_dbpath(dir).unwrap();
    assert_eq!(db.backend(), backend, "{}", dir.display());
    let got = db.headers().unwrap();
    assert_eq!(got.len(), expected_count(dir), "{}", dir.display());
    assert!(
        streamed_after_other_bytes(&db) == got,
        "{}: blobs appended after other bytes differ",
        dir.display()
    );
    assert_eq!(package_lines(&db), expected_lines(dir), "{}", dir.display());
    assert!(db.warnings().is_empty(), "{:?}", db.warnings());
    if backend != Backend::Ndb && testkit::require_tool("rpm") {
        let want = rpm_view(dir, be_name);
        let got_h: Vec<u32> = got.iter().map(|h| h.hnum).collect();
        let want_h: Vec<u32> = want.iter().map(|h| h.hnum).collect();
        assert_eq!(
            got_h,
            want_h,
            "instance numbers differ for {}",
            dir.display()
        );
        for (g, w) in got.iter().zip(&want) {
            assert!(
                g.blob == w.blob,
                "h#{} blob differs from rpm's export in {}",
                g.hnum,
                dir.display()
            );
        }
    }
}

#[test]
fn small_committed_databases_read_like_rpm() {
    for name in [
        "centos-initdb-1pkg",
        "libuuid-bdb",
        "epoch-bdb",
        "empty-bdb",
    ] {
        assert_same_as_rpm(&local_fixtures().join(name));
    }
}

#[test]
fn every_shared_database_reads_like_rpm() {
    let Some(shared) = shared_rpmdb() else { return };
    let mut seen = 0;
    for entry in fs::read_dir(&shared).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_str().unwrap().to_string();
        if name.starts_with('_') || name == "header-blobs" || !dir.is_dir() {
            continue;
        }
        if name == "empty-sqlite" || name.ends_with("bigendian-reconstructed") {
            continue; // own tests below
        }
        eprintln!("checking {name}");
        assert_same_as_rpm(&dir);
        seen += 1;
    }
    assert!(
        seen >= 11,
        "only {seen} fixture databases found in {}",
        shared.display()
    );
}

#[test]
fn big_endian_bdb_reads_like_rpm() {
    let Some(shared) = shared_rpmdb() else { return };
    let src = shared.join("ubi8-s390x-bigendian-reconstructed");
    let tmp = tempfile::tempdir().unwrap();
    let zst = fs::File::open(src.join("Packages.zst")).unwrap();
    let bytes = zstd::decode_all(zst).unwrap();
    let digest = Sha256::digest(&bytes);
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    assert_eq!(
        hex,
        "cf80ef218efc552393804106cec1bf984b2060618a64bbc37a013e11bb4c353a"
    );
    fs::write(tmp.path().join("Packages"), &bytes).unwrap();
    fs::copy(
        src.join("expected-packages.tsv"),
        tmp.path().join("expected-packages.tsv"),
    )
    .unwrap();
    assert_same_as_rpm(tmp.path());
    let got = ours(tmp.path()).unwrap();
    assert_eq!(got.len(), 183);
    // Keys are big-endian instance numbers 1..=183 (README: blob file prefix + 1).
    assert_eq!(got.first().unwrap().hnum, 1);
    assert_eq!(got.last().unwrap().hnum, 183);
}

fn assert_unsupported(dir: &Path, needle: &str) {
    let err = ours(dir).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(&err, Error::Backend(e) if e.is_unsupported()),
        "{}: {msg}",
        dir.display()
    );
    assert!(
        msg.contains("unsupported rpmdb format") && msg.contains(needle),
        "{msg}"
    );
    assert!(
        msg.contains(&dir.join("Packages").display().to_string()),
        "{msg}"
    );
}

#[test]
fn unsupported_formats_say_so() {
    // rpm: "DBDIR/Packages: unsupported hash version 7"
    assert_unsupported(
        &local_fixtures().join("mx28-ltib-bdb-hash-v7"),
        "hash version 7",
    );
    if let Some(shared) = shared_rpmdb() {
        assert_unsupported(
            &shared.join("_unsupported/mx28-ltib-bdb-hash-v7"),
            "hash version 7",
        );
        assert_unsupported(&shared.join("_unsupported/yocto-rpm5"), "btree");
    }
}

#[test]
fn sqlite_without_packages_table_is_an_error() {
    // rpm 4.18: "cannot open Packages database in DBDIR", exit 1 (expected-error.txt).
    let expected =
        fs::read_to_string(local_fixtures().join("empty-sqlite/expected-error.txt")).unwrap();
    assert!(expected.contains("cannot open Packages database"));
    let dir = local_fixtures().join("empty-sqlite");
    let err = ours(&dir).unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, Error::Backend(BackendError::Corrupt { .. })),
        "{msg}"
    );
    assert!(
        msg.contains("rpmdb.sqlite") && msg.contains("no Packages table"),
        "{msg}"
    );
}

/// A hostile schema: a generated column fabricates 300 MB blobs that take no room in the file.
/// The reader measures each blob before copying it and refuses it by the per-header limit.
#[test]
fn sqlite_generated_giant_blobs_are_refused_not_copied() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("db");
    fs::create_dir_all(&dir).unwrap();
    let conn = rusqlite::Connection::open(dir.join("rpmdb.sqlite")).unwrap();
    conn.execute_batch(
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, n INTEGER, \
         blob BLOB GENERATED ALWAYS AS (zeroblob(300000000 + n)) VIRTUAL); \
         INSERT INTO Packages (n) VALUES (1), (2), (3);",
    )
    .unwrap();
    drop(conn);
    assert!(fs::metadata(dir.join("rpmdb.sqlite")).unwrap().len() < 1 << 20);
    let err = ours(&dir).unwrap_err().to_string();
    assert!(
        err.contains("rpmdb.sqlite") && err.contains("limit"),
        "{err}"
    );
}

/// Damaged copies: truncated at several offsets, bytes flipped. Typed errors naming the file,
/// or (for damage inside a blob, which no container format checks) a result; never a panic.
fn damage(src_dir: &Path, file: &str, flips: usize) {
    let data = fs::read(src_dir.join(file)).unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join(file);
    let check = |bytes: &[u8], what: &str| {
        fs::write(&target, bytes).unwrap();
        match ours(tmp.path()) {
            Ok(_) => {}
            Err(e) => {
                let msg = e.to_string();
                assert!(matches!(e, Error::Backend(_)), "{what}: {msg}");
                assert!(msg.contains(&target.display().to_string()), "{what}: {msg}");
            }
        }
    };
    let len = data.len();
    for cut in [
        1,
        100,
        511,
        512,
        4095,
        4096,
        4097,
        len / 3,
        len / 2,
        len - 4096,
        len - 16,
        len - 1,
    ] {
        if cut < len {
            check(&data[..cut], &format!("{file} cut at {cut}"));
            if file != "rpmdb.sqlite" && cut >= 512 {
                // The bdb and ndb headers declare the file size: truncation is always an error.
                fs::write(&target, &data[..cut]).unwrap();
                assert!(
                    ours(tmp.path()).is_err(),
                    "{file} cut at {cut} was accepted"
                );
            }
        }
    }
    let mut copy = data.clone();
    let step = (len / flips).max(1);
    for off in (0..len).step_by(step).chain(0..64) {
        copy[off] ^= 0x5a;
        check(&copy, &format!("{file} byte {off} flipped"));
        copy[off] = data[off];
    }
}

#[test]
fn damaged_databases_are_typed_errors_never_panics() {
    damage(&local_fixtures().join("libuuid-bdb"), "Packages", 300);
    damage(
        &local_fixtures().join("centos-initdb-1pkg"),
        "Packages",
        200,
    );
    if let Some(shared) = shared_rpmdb() {
        damage(&shared.join("sles12sp4"), "Packages", 40);
        damage(&shared.join("sle15-bci-2021-12"), "Packages.db", 40);
        damage(
            &shared.join("hummingbird-filesystem-setup"),
            "rpmdb.sqlite",
            15,
        );
    }
}

/// Rewrites the next-page pointer of the first multi-page overflow chain to point at itself.
#[test]
fn overflow_cycle_is_detected() {
    let mut data = fs::read(local_fixtures().join("libuuid-bdb/Packages")).unwrap();
    let pagesize = 4096;
    let pages = data.len() / pagesize;
    let mut patched = None;
    for pg in 1..pages {
        let p = &mut data[pg * pagesize..(pg + 1) * pagesize];
        let next = u32::from_le_bytes(p[16..20].try_into().unwrap());
        if p[25] == 7 && next != 0 {
            p[16..20].copy_from_slice(&(pg as u32).to_le_bytes());
            patched = Some(pg);
            break;
        }
    }
    let pg = patched.expect("libuuid-bdb has a multi-page overflow chain");
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("Packages"), &data).unwrap();
    let msg = ours(tmp.path()).unwrap_err().to_string();
    assert!(
        msg.contains(&format!("page {pg}")) && msg.contains("cycle"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// Databases written by real rpm and by Berkeley DB's own tools.

/// Builds two small packages and installs them into `root` with real rpm (sqlite backend).
fn rpm_built_root(root: &Path) {
    let pkgs = tempfile::tempdir().unwrap();
    let a = RpmSpec::new("alpha", "1.0", "1")
        .file(SpecFile::file("/usr/share/alpha/a.txt", "alpha\n"))
        .build(pkgs.path())
        .unwrap();
    let b = RpmSpec::new("beta", "2.1", "3")
        .epoch(2)
        .file(SpecFile::file("/usr/share/beta/b.txt", "beta\n"))
        .build(pkgs.path())
        .unwrap();
    testkit::rpm_install(root, &[a, b], &[]).unwrap();
}

#[test]
fn sqlite_database_installed_by_rpm_reads_like_rpm() {
    if !testkit::require_tool("rpmbuild") || !testkit::require_tool("rpm") {
        return;
    }
    let img = tempfile::tempdir().unwrap();
    rpm_built_root(img.path());
    let dbdir = img.path().join("var/lib/rpm");
    assert!(dbdir.join("rpmdb.sqlite").is_file());
    // Snapshot before our read, then read through the rootfs as a scanner does.
    let before = tree_state(img.path());
    let root = Rootfs::open(img.path()).unwrap();
    let db = Database::open(&root).unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    assert_eq!(db.path(), Path::new("/var/lib/rpm"));
    let got = db.headers().unwrap();
    assert_eq!(tree_state(img.path()), before, "reading changed the image");
    assert_eq!(got.len(), 2);
    assert_eq!(got, rpm_view(&dbdir, "sqlite"));
}

/// Every file's path, type, size, mode, mtime and content hash under `dir`.
fn tree_state(dir: &Path) -> BTreeMap<PathBuf, (u32, u64, i64, i64, String)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let m = fs::symlink_metadata(&p).unwrap();
            let hash = if m.is_file() {
                Sha256::digest(fs::read(&p).unwrap())
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            } else if m.is_symlink() {
                fs::read_link(&p).unwrap().display().to_string()
            } else {
                stack.push(p.clone());
                String::new()
            };
            out.insert(p, (m.mode(), m.size(), m.mtime(), m.mtime_nsec(), hash));
        }
    }
    out
}

#[test]
fn pending_wal_rows_are_read_and_the_image_is_untouched() {
    if !testkit::require_tool("rpmbuild") || !testkit::require_tool("rpm") {
        return;
    }
    let built = tempfile::tempdir().unwrap();
    rpm_built_root(built.path());
    let blobs = ours(&built.path().join("var/lib/rpm")).unwrap();
    assert_eq!(blobs.len(), 2);

    // A writer keeps a WAL connection open (no checkpoint) after adding a row; the image is a
    // snapshot of the files at that moment, as a container layer would capture them.
    let work = tempfile::tempdir().unwrap();
    let live = work.path().join("rpmdb.sqlite");
    fs::copy(built.path().join("var/lib/rpm/rpmdb.sqlite"), &live).unwrap();
    let conn = rusqlite::Connection::open(&live).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    conn.execute_batch("PRAGMA wal_autocheckpoint=0").unwrap();
    conn.execute(
        "INSERT INTO Packages (hnum, blob) VALUES (77, ?1)",
        [&blobs[1].blob],
    )
    .unwrap();
    let wal = work.path().join("rpmdb.sqlite-wal");
    assert!(
        fs::metadata(&wal).unwrap().len() > 0,
        "the row must be in the WAL"
    );
    let img = tempfile::tempdir().unwrap();
    let dbdir = img.path().join("usr/lib/sysimage/rpm");
    fs::create_dir_all(&dbdir).unwrap();
    fs::create_dir_all(img.path().join("var/lib")).unwrap();
    symlink("../../usr/lib/sysimage/rpm", img.path().join("var/lib/rpm")).unwrap();
    for name in ["rpmdb.sqlite", "rpmdb.sqlite-wal", "rpmdb.sqlite-shm"] {
        fs::copy(work.path().join(name), dbdir.join(name)).unwrap();
    }
    drop(conn);

    // Without the WAL the row is not in the main file: reading it must come from the WAL.
    let nowal = tempfile::tempdir().unwrap();
    fs::copy(
        dbdir.join("rpmdb.sqlite"),
        nowal.path().join("rpmdb.sqlite"),
    )
    .unwrap();
    let main_only = ours(nowal.path()).unwrap();
    assert!(main_only.iter().all(|h| h.hnum != 77));

    let before = tree_state(img.path());
    let root = Rootfs::open(img.path()).unwrap();
    let db = Database::open(&root).unwrap();
    assert_eq!(db.path(), Path::new("/usr/lib/sysimage/rpm"));
    let got = db.headers().unwrap();
    assert_eq!(got.len(), 3);
    let row = got.iter().find(|h| h.hnum == 77).expect("the WAL row");
    assert_eq!(row.blob, blobs[1].blob);
    assert_eq!(tree_state(img.path()), before, "reading changed the image");

    // Real rpm agrees on what a private copy of db + wal holds.
    if testkit::require_tool("rpm") {
        let copy = tempfile::tempdir().unwrap();
        for name in ["rpmdb.sqlite", "rpmdb.sqlite-wal"] {
            fs::copy(dbdir.join(name), copy.path().join(name)).unwrap();
        }
        assert_eq!(got, rpm_view_with_wal(copy.path()));
    }
}

/// `rpm_view` for a directory that already holds db + wal (copied as is).
fn rpm_view_with_wal(dir: &Path) -> Vec<RawHeader> {
    let dbpath = dir.to_str().unwrap();
    let q = testkit::run(
        testkit::command("rpm")
            .args(["--dbpath", dbpath, "-qa", "--qf"])
            .arg("%{DBINSTANCE}\\n"),
    )
    .unwrap();
    let hnums: Vec<u32> = String::from_utf8(q.stdout)
        .unwrap()
        .lines()
        .map(|l| l.parse().unwrap())
        .collect();
    let e =
        testkit::run(testkit::command("rpmdb").args(["--dbpath", dbpath, "--exportdb"])).unwrap();
    let mut out: Vec<RawHeader> = hnums
        .into_iter()
        .zip(split_export(&e.stdout))
        .map(|(hnum, blob)| RawHeader { hnum, blob })
        .collect();
    out.sort_by_key(|h| h.hnum);
    out
}

#[test]
fn wal_mode_database_without_wal_leaves_no_side_files() {
    let Some(shared) = shared_rpmdb() else { return };
    let img = tempfile::tempdir().unwrap();
    let dbdir = img.path().join("var/lib/rpm");
    fs::create_dir_all(&dbdir).unwrap();
    fs::copy(
        shared.join("amazonlinux2023/rpmdb.sqlite"),
        dbdir.join("rpmdb.sqlite"),
    )
    .unwrap();
    let before = tree_state(img.path());
    let root = Rootfs::open(img.path()).unwrap();
    let got = Database::open(&root).unwrap().headers().unwrap();
    assert_eq!(got.len(), expected_count(&shared.join("amazonlinux2023")));
    assert_eq!(tree_state(img.path()), before);
}

/// Writes a Berkeley DB hash file with db5.3_load from (key, value) records.
fn db_load(out: &Path, pagesize: u32, lorder: u32, records: &[(Vec<u8>, Vec<u8>)]) {
    let mut dump = format!(
        "VERSION=3\nformat=bytevalue\ntype=hash\ndb_lorder={lorder}\ndb_pagesize={pagesize}\nHEADER=END\n"
    );
    let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    for (k, v) in records {
        dump.push_str(&format!(" {}\n {}\n", hex(k), hex(v)));
    }
    dump.push_str("DATA=END\n");
    let txt = out.with_extension("dump");
    fs::write(&txt, dump).unwrap();
    testkit::run(testkit::command("db5.3_load").arg("-f").arg(&txt).arg(out)).unwrap();
}

#[test]
fn berkeley_db_files_of_every_page_size_and_byte_order() {
    if !testkit::require_tool("db5.3_load") {
        return;
    }
    // Real header blobs (one large, several small) keyed like rpm: 4-byte instance numbers in
    // the file's byte order, key 0 holding the counter.
    let real = ours(&local_fixtures().join("libuuid-bdb")).unwrap();
    let big = real[0].blob.clone();
    let mut blobs: Vec<Vec<u8>> = Vec::new();
    for i in 0..40usize {
        // Small values are stored inline (H_KEYDATA), large ones on overflow pages.
        let n = [3, 40, 300, 2000, big.len()][i % 5].min(big.len());
        let mut b = big[..n].to_vec();
        b[0] = i as u8;
        blobs.push(b);
    }
    for pagesize in [512u32, 1024, 4096, 8192, 65536] {
        for lorder in [1234u32, 4321] {
            let enc = |n: u32| {
                if lorder == 1234 {
                    n.to_le_bytes().to_vec()
                } else {
                    n.to_be_bytes().to_vec()
                }
            };
            let mut records = vec![(enc(0), enc(blobs.len() as u32))];
            for (i, b) in blobs.iter().enumerate() {
                records.push((enc(i as u32 + 1), b.clone()));
            }
            let tmp = tempfile::tempdir().unwrap();
            db_load(&tmp.path().join("Packages"), pagesize, lorder, &records);
            let got = ours(tmp.path()).unwrap_or_else(|e| panic!("{pagesize}/{lorder}: {e}"));
            let want: Vec<RawHeader> = blobs
                .iter()
                .enumerate()
                .map(|(i, b)| RawHeader {
                    hnum: i as u32 + 1,
                    blob: b.clone(),
                })
                .collect();
            assert!(got == want, "page size {pagesize}, lorder {lorder}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Locating the database inside an image.

fn image_with_bdb(dbdir_in_image: &str) -> tempfile::TempDir {
    let img = tempfile::tempdir().unwrap();
    let d = img.path().join(dbdir_in_image.trim_start_matches('/'));
    fs::create_dir_all(&d).unwrap();
    fs::copy(
        local_fixtures().join("libuuid-bdb/Packages"),
        d.join("Packages"),
    )
    .unwrap();
    img
}

#[test]
fn database_found_through_relative_and_absolute_symlinks() {
    for target in ["../../usr/lib/sysimage/rpm", "/usr/lib/sysimage/rpm"] {
        let img = image_with_bdb("usr/lib/sysimage/rpm");
        fs::create_dir_all(img.path().join("var/lib")).unwrap();
        symlink(target, img.path().join("var/lib/rpm")).unwrap();
        let db = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap();
        assert_eq!(db.path(), Path::new("/usr/lib/sysimage/rpm"), "{target}");
        assert_eq!(db.backend(), Backend::Bdb);
        assert_eq!(db.headers().unwrap().len(), 1);
    }
    for dir in ["var/lib/rpm", "usr/share/rpm"] {
        let img = image_with_bdb(dir);
        let db = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap();
        assert_eq!(db.path(), Path::new("/").join(dir));
    }
}

#[test]
fn symlinks_out_of_the_image_are_not_followed_to_the_host() {
    // A database on the host that the image's links point at.
    let host = image_with_bdb("hostdb");
    let host_db = host.path().join("hostdb");
    for how in ["dir-absolute", "dir-dotdot", "file-absolute"] {
        let img = tempfile::tempdir().unwrap();
        fs::create_dir_all(img.path().join("var/lib")).unwrap();
        match how {
            "dir-absolute" => symlink(&host_db, img.path().join("var/lib/rpm")).unwrap(),
            "dir-dotdot" => {
                let ups = "../".repeat(img.path().components().count() + 3);
                symlink(
                    format!("{ups}{}", host_db.display()),
                    img.path().join("var/lib/rpm"),
                )
                .unwrap()
            }
            _ => {
                fs::create_dir_all(img.path().join("var/lib/rpm")).unwrap();
                symlink(
                    host_db.join("Packages"),
                    img.path().join("var/lib/rpm/Packages"),
                )
                .unwrap();
            }
        }
        let err = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap_err();
        assert!(matches!(err, Error::NoDatabase { .. }), "{how}: {err}");
    }
}

#[test]
fn configured_dbpath_and_backend_win() {
    // %_dbpath from the image's macros, pointing at a non-standard directory.
    let img = image_with_bdb("srv/rpmdb");
    fs::create_dir_all(img.path().join("usr/lib/rpm/macros.d")).unwrap();
    fs::write(
        img.path().join("usr/lib/rpm/macros.d/macros.custom"),
        "%_dbpath %{_prefix}/../srv/rpmdb\n",
    )
    .unwrap();
    let db = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap();
    assert_eq!(db.path(), Path::new("/srv/rpmdb"));

    // A directory holding leftovers of two backends: rpm's order picks sqlite, unless the
    // image configures bdb.
    let img = image_with_bdb("var/lib/rpm");
    fs::copy(
        local_fixtures().join("empty-sqlite/rpmdb.sqlite"),
        img.path().join("var/lib/rpm/rpmdb.sqlite"),
    )
    .unwrap();
    let db = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
    fs::create_dir_all(img.path().join("etc/rpm")).unwrap();
    fs::write(img.path().join("etc/rpm/macros.db"), "%_db_backend bdb\n").unwrap();
    let db = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap();
    assert_eq!(db.backend(), Backend::Bdb);
    assert_eq!(db.headers().unwrap().len(), 1);
    // A configured backend whose file is absent falls back to detection.
    fs::write(img.path().join("etc/rpm/macros.db"), "%_db_backend ndb\n").unwrap();
    let db = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap();
    assert_eq!(db.backend(), Backend::Sqlite);
}

#[test]
fn no_database_is_a_clear_error() {
    let img = tempfile::tempdir().unwrap();
    fs::create_dir_all(img.path().join("var/lib/rpm")).unwrap();
    let err = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap_err();
    assert!(matches!(err, Error::NoDatabase { .. }));
    assert!(err.to_string().contains("no rpm database found"));
    // A database directory given as such names the files it looked for, not image paths.
    let err = Database::open_dbpath(&img.path().join("var/lib/rpm")).unwrap_err();
    assert!(matches!(err, Error::NoDatabaseFile { .. }), "{err}");
    assert!(err.to_string().contains("rpmdb.sqlite"), "{err}");
    assert!(!err.to_string().contains("usr/share/rpm"), "{err}");
}

#[test]
fn hot_rollback_journal_is_rolled_back_in_a_private_copy() {
    let blob = ours(&local_fixtures().join("libuuid-bdb")).unwrap()[0]
        .blob
        .clone();
    let work = tempfile::tempdir().unwrap();
    let live = work.path().join("rpmdb.sqlite");
    let conn = rusqlite::Connection::open(&live).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode=DELETE;
         CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL);",
    )
    .unwrap();
    for hnum in 1..=3 {
        conn.execute(
            "INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)",
            rusqlite::params![hnum, &blob],
        )
        .unwrap();
    }
    let committed = fs::read(&live).unwrap();
    // An unfinished transaction whose changes spilled into the database file: what a crash
    // (or an image snapshot) in the middle of `rpm -i` on a rollback-journal database leaves.
    conn.execute_batch("PRAGMA cache_size=10; BEGIN; DELETE FROM Packages WHERE hnum = 2;")
        .unwrap();
    for hnum in 10..20 {
        conn.execute(
            "INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)",
            rusqlite::params![hnum, &blob],
        )
        .unwrap();
    }
    let journal = work.path().join("rpmdb.sqlite-journal");
    assert!(fs::metadata(&journal).unwrap().len() > 0);
    assert_ne!(
        fs::read(&live).unwrap(),
        committed,
        "changes must have reached the file"
    );
    let img = tempfile::tempdir().unwrap();
    let dbdir = img.path().join("var/lib/rpm");
    fs::create_dir_all(&dbdir).unwrap();
    fs::copy(&live, dbdir.join("rpmdb.sqlite")).unwrap();
    fs::copy(&journal, dbdir.join("rpmdb.sqlite-journal")).unwrap();
    drop(conn);
    // Without the journal the file holds the half-done transaction (or is unreadable).
    let alone = tempfile::tempdir().unwrap();
    fs::copy(
        dbdir.join("rpmdb.sqlite"),
        alone.path().join("rpmdb.sqlite"),
    )
    .unwrap();
    let alone_hnums = ours(alone.path()).map(|v| v.iter().map(|h| h.hnum).collect::<Vec<_>>());
    assert!(
        !matches!(&alone_hnums, Ok(v) if v == &[1, 2, 3]),
        "{alone_hnums:?}"
    );

    let before = tree_state(img.path());
    let db = Database::open(&Rootfs::open(img.path()).unwrap()).unwrap();
    let got = db.headers().unwrap();
    let hnums: Vec<u32> = got.iter().map(|h| h.hnum).collect();
    assert_eq!(hnums, [1, 2, 3]);
    assert!(got.iter().all(|h| h.blob == blob));
    assert_eq!(tree_state(img.path()), before, "reading changed the image");
}

#[test]
fn ndb_blob_checksum_is_verified() {
    let Some(shared) = shared_rpmdb() else { return };
    let mut data = fs::read(shared.join("sle15-bci-2021-12/Packages.db")).unwrap();
    // A byte in the middle of the last blob (the slot pages come first, blobs fill the rest).
    let off = data.len() - 200;
    data[off] ^= 1;
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("Packages.db"), &data).unwrap();
    let msg = ours(tmp.path()).unwrap_err().to_string();
    assert!(msg.contains("adler32 checksum mismatch"), "{msg}");
    assert!(msg.contains("Packages.db: corrupt rpmdb"), "{msg}");
}

/// A database row rpm refuses (bad header digests) is skipped by `packages()` with a warning,
/// exactly as `rpm -qa` skips it; the good row next to it is listed by both.
#[test]
fn headers_rpm_skips_are_skipped_with_a_warning() {
    let Some(shared) = shared_rpmdb() else { return };
    if !testkit::require_tool("rpm") || !testkit::require_tool("rpmdb") {
        return;
    }
    let bad = fs::read(shared.join("header-blobs/go-rpmdb-bad-digests/blob.bin")).unwrap();
    let good = ours(&local_fixtures().join("epoch-bdb")).unwrap()[0]
        .blob
        .clone();
    // A real sqlite rpmdb holding both headers (`rpmdb --importdb` does not check digests).
    let dir = tempfile::tempdir().unwrap();
    let dbpath = dir.path().to_str().unwrap();
    testkit::run(testkit::command("rpm").args(["--dbpath", dbpath, "--initdb"])).unwrap();
    let stream = tempfile::NamedTempFile::new().unwrap();
    let mut bytes = Vec::new();
    for blob in [&bad, &good] {
        bytes.extend_from_slice(&MAGIC);
        bytes.extend_from_slice(blob);
    }
    fs::write(stream.path(), &bytes).unwrap();
    testkit::run(
        testkit::command("rpmdb")
            .args(["--dbpath", dbpath, "--importdb"])
            .stdin(fs::File::open(stream.path()).unwrap()),
    )
    .unwrap();
    let snapshot = tempfile::tempdir().unwrap();
    fs::copy(
        dir.path().join("rpmdb.sqlite"),
        snapshot.path().join("rpmdb.sqlite"),
    )
    .unwrap();

    let db = Database::open_dbpath(snapshot.path()).unwrap();
    assert_eq!(db.headers().unwrap().len(), 2);
    let names: Vec<String> = db.packages().unwrap().into_iter().map(|p| p.name).collect();
    let warnings = db.warnings();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].contains("skipping h#1") && warnings[0].contains("digest: BAD"));

    let out = testkit::command("rpm")
        .args(["--dbpath", dbpath, "-qa", "--qf", "%{NAME}\\n"])
        .output()
        .unwrap();
    let rpm_names: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    assert_eq!(names, rpm_names);
    assert_eq!(names, ["hello"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("skipping h#       1"));
}

/// A real header with both digests (Fedora 34's crypto-policies, from claircore's fixtures).
fn claircore_header() -> Vec<u8> {
    fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/header-blobs/claircore-package-header/package.header"),
    )
    .unwrap()
}

/// The big-endian u32 at `b[at..]` (header fields).
fn be32(b: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(b[at..at + 4].try_into().unwrap())
}

/// rpm checks each header digest on its own: a header whose SHA1 alone is wrong (its SHA256
/// right), or the other way round, is skipped by `rpm -qa`, and by us with the same reason. So
/// neither digest can be left out to save time.
#[test]
fn each_header_digest_is_checked_on_its_own_like_rpm() {
    if !testkit::require_tool("rpm") || !testkit::require_tool("rpmdb") {
        return;
    }
    let good = claircore_header();
    // The data offset of a tag's value (the digest tags lie outside the immutable region the
    // digests cover).
    let il = be32(&good, 0) as usize;
    let value_at = |tag: u32| {
        (0..il)
            .find(|i| be32(&good, 8 + 16 * i) == tag)
            .map(|i| 8 + 16 * il + be32(&good, 8 + 16 * i + 8) as usize)
            .unwrap()
    };
    for (tag, bad, ok) in [
        (rpmdb::tags::SHA1HEADER, "SHA1", "SHA256"),
        (rpmdb::tags::SHA256HEADER, "SHA256", "SHA1"),
    ] {
        let mut blob = good.clone();
        let at = value_at(tag);
        blob[at] = if blob[at] == b'0' { b'1' } else { b'0' };
        let dir = tempfile::tempdir().unwrap();
        let dbpath = dir.path().to_str().unwrap();
        testkit::run(testkit::command("rpm").args(["--dbpath", dbpath, "--initdb"])).unwrap();
        let stream = dir.path().join("stream");
        fs::write(&stream, [&MAGIC[..], &blob].concat()).unwrap();
        testkit::run(
            testkit::command("rpmdb")
                .args(["--dbpath", dbpath, "--importdb"])
                .stdin(fs::File::open(&stream).unwrap()),
        )
        .unwrap();
        let out = testkit::command("rpm")
            .args(["--dbpath", dbpath, "-qa"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.stdout.is_empty(), "rpm listed {bad}-damaged header");
        assert!(
            stderr.contains(&format!("Header {bad} digest: BAD"))
                && stderr.contains(&format!("Header {ok} digest: OK")),
            "{stderr}"
        );
        let db = Database::open_dbpath(dir.path()).unwrap();
        assert!(db.packages().unwrap().is_empty());
        assert_eq!(
            db.warnings(),
            [format!(
                "{}: skipping h#1: Header {bad} digest: BAD",
                dir.path().join("rpmdb.sqlite").display()
            )]
        );
    }
}

/// Headers whose digests are right but whose index breaks one of the rules rpm checks as it
/// reads a header (hdrblobVerifyInfo, with hdrchkTagType): rpm skips each, and so do we, with
/// a warning. The
/// header is a real one, changed and its SHA1HEADER and SHA256HEADER (which lie outside the
/// region they cover) recomputed; it goes into an rpm-made sqlite database as a row, since
/// `rpmdb --importdb` would refuse it.
#[test]
fn headers_rpm_finds_malformed_are_skipped_like_rpm() {
    if !testkit::require_tool("rpm") {
        return;
    }
    let good = claircore_header();
    let il = be32(&good, 0) as usize;
    let data_at = 8 + 16 * il;
    // (field of index entry i: 0 tag, 1 type, 2 offset, 3 count)
    let field = |i: usize, f: usize| 8 + 16 * i + 4 * f;
    let region_data = be32(&good, field(0, 2)) as usize;
    let ril = (be32(&good, data_at + region_data + 8) as i32).unsigned_abs() as usize / 16;
    let rdl = region_data + 16;
    // Region entries: an INT32 one, one followed by another, a STRING one.
    let entry = |pred: &dyn Fn(usize) -> bool| (1..ril).find(|&i| pred(i)).unwrap();
    let int32 = entry(&|i| be32(&good, field(i, 1)) == 4);
    let int32_pair = entry(&|i| be32(&good, field(i, 1)) == 4 && be32(&good, field(i + 1, 1)) == 4);
    let string = entry(&|i| be32(&good, field(i, 1)) == 6);
    let with_digests = |mut b: Vec<u8>| {
        let mut intro = MAGIC.to_vec();
        intro.extend_from_slice(&(ril as u32).to_be_bytes());
        intro.extend_from_slice(&(rdl as u32).to_be_bytes());
        let (sha1, sha256) = twin_digest::sha1_and_sha256(&[
            &intro,
            &b[8..8 + 16 * ril],
            &b[data_at..data_at + rdl],
        ]);
        let hex = |d: &[u8]| d.iter().map(|x| format!("{x:02x}")).collect::<String>();
        for (tag, digest) in [
            (rpmdb::tags::SHA1HEADER, hex(&sha1)),
            (rpmdb::tags::SHA256HEADER, hex(&sha256)),
        ] {
            let i = (0..il).find(|&i| be32(&b, field(i, 0)) == tag).unwrap();
            let at = data_at + be32(&b, field(i, 2)) as usize;
            b[at..at + digest.len()].copy_from_slice(digest.as_bytes());
        }
        b
    };
    let set = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_be_bytes());
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("unchanged", good.clone()),
        ("a count of 0", {
            let mut b = good.clone();
            set(&mut b, field(int32, 3), 0);
            b
        }),
        ("a NULL value", {
            let mut b = good.clone();
            set(&mut b, field(int32, 1), 0);
            b
        }),
        ("overlapping values", {
            let mut b = good.clone();
            let offset = be32(&good, field(int32_pair, 2));
            set(&mut b, field(int32_pair + 1, 2), offset);
            b
        }),
        ("a known tag stored with another type", {
            // The same bytes, read as twice as many INT16 values.
            let mut b = good.clone();
            let count = be32(&good, field(int32, 3));
            set(&mut b, field(int32, 1), 3);
            set(&mut b, field(int32, 3), 2 * count);
            b
        }),
        ("a value in the region trailer", {
            let mut b = good.clone();
            set(&mut b, field(string, 2), region_data as u32);
            b
        }),
    ];
    for (what, blob) in cases {
        let blob = with_digests(blob);
        let dir = tempfile::tempdir().unwrap();
        let dbpath = dir.path().to_str().unwrap();
        testkit::run(testkit::command("rpm").args(["--dbpath", dbpath, "--initdb"])).unwrap();
        let conn = rusqlite::Connection::open(dir.path().join("rpmdb.sqlite")).unwrap();
        conn.execute("INSERT INTO Packages (hnum, blob) VALUES (1, ?1)", [&blob])
            .unwrap();
        drop(conn);
        let out = testkit::command("rpm")
            .args(["--dbpath", dbpath, "-qa", "--qf", "%{NAME}\\n"])
            .output()
            .unwrap();
        let rpm_names = String::from_utf8_lossy(&out.stdout).into_owned();
        let db = Database::open_dbpath(dir.path()).unwrap();
        let names: String = db
            .packages()
            .unwrap()
            .into_iter()
            .map(|p| p.name + "\n")
            .collect();
        assert_eq!(names, rpm_names, "{what}");
        if what == "unchanged" {
            assert_eq!(names, "crypto-policies\n");
            assert!(db.warnings().is_empty(), "{:?}", db.warnings());
        } else {
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                stderr.contains("skipping h#       1 tag["),
                "{what}: {stderr}"
            );
            assert!(
                db.warnings().len() == 1 && db.warnings()[0].contains("skipping h#1"),
                "{what}: {:?}",
                db.warnings()
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The direct sqlite reader against SQLite itself.

/// rpm's own statement for the table (`sqlite_init` in rpm's lib/backend/sqlite.c).
const RPM_CREATE_PACKAGES: &str =
    "CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL)";

/// A database written by SQLite with rpm's schema: `rows` (hnum, blob length) with page size
/// `page_size`, blob bytes derived from the hnum.
fn sqlite_with_rows(path: &Path, page_size: u32, rows: &[(u32, usize)], create: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(&format!(
        "PRAGMA page_size={page_size}; PRAGMA journal_mode=DELETE; {create};"
    ))
    .unwrap();
    for &(hnum, len) in rows {
        let blob: Vec<u8> = (0..len).map(|i| (i as u32 ^ hnum) as u8).collect();
        conn.execute(
            "INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)",
            rusqlite::params![hnum, &blob],
        )
        .unwrap();
    }
}

fn both_ways(
    path: &Path,
) -> (
    Result<Vec<RawHeader>, rpmdb::backend::sqlite::Decline>,
    Result<Vec<RawHeader>, BackendError>,
) {
    let f = fs::File::open(path).unwrap();
    rpmdb::backend::sqlite::read_both_ways(&f, path)
}

/// Real databases (rpm's, the fixtures') and SQLite-written ones of every page size, with
/// local, overflowing and multi-page-overflow rows under interior pages: the direct reader
/// answers and its rows are SQLite's.
#[test]
fn direct_sqlite_reader_reads_what_sqlite_reads() {
    let mut files: Vec<PathBuf> = Vec::new();
    let img = tempfile::tempdir().unwrap();
    if testkit::require_tool("rpmbuild") && testkit::require_tool("rpm") {
        rpm_built_root(img.path());
        files.push(img.path().join("var/lib/rpm/rpmdb.sqlite"));
    }
    if let Some(shared) = shared_rpmdb() {
        for name in [
            "amazonlinux2023",
            "cbl-mariner-2.0",
            "hummingbird-filesystem-setup",
        ] {
            files.push(shared.join(name).join("rpmdb.sqlite"));
        }
    }
    let work = tempfile::tempdir().unwrap();
    let rows: Vec<(u32, usize)> = (1..=300u32)
        .map(|h| {
            (
                h * 3,
                [0, 1, 40, 500, 3000, 70_000][h as usize % 6] + h as usize,
            )
        })
        .collect();
    for page_size in [512, 1024, 4096, 65536] {
        let p = work.path().join(format!("ps{page_size}.sqlite"));
        sqlite_with_rows(&p, page_size, &rows, RPM_CREATE_PACKAGES);
        files.push(p);
    }
    for path in &files {
        let (direct, engine) = both_ways(path);
        let direct = direct.unwrap_or_else(|d| panic!("{}: declined: {d:?}", path.display()));
        let engine = engine.unwrap();
        assert!(!engine.is_empty(), "{}", path.display());
        assert_eq!(direct, engine, "{}", path.display());
    }
    // The generated files hold every row with its exact bytes, in hnum order.
    let (direct, _) = both_ways(&work.path().join("ps512.sqlite"));
    let direct = direct.unwrap();
    assert_eq!(direct.len(), rows.len());
    for (got, &(hnum, len)) in direct.iter().zip(&rows) {
        assert_eq!(got.hnum, hnum);
        assert_eq!(got.blob.len(), len);
        assert!(got
            .blob
            .iter()
            .enumerate()
            .all(|(i, &b)| b == (i as u32 ^ hnum) as u8));
    }
}

/// Schemas rpm does not write are left to SQLite, whose answer `read_headers` returns.
#[test]
fn direct_sqlite_reader_declines_other_schemas() {
    let work = tempfile::tempdir().unwrap();
    let rows = [(1, 100), (2, 5000)];
    for (i, create) in [
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY AUTOINCREMENT, blob BLOB NOT NULL)",
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, blob BLOB NOT NULL, extra TEXT)",
        "CREATE TABLE Packages (hnum INTEGER PRIMARY KEY, raw BLOB, \
         blob BLOB GENERATED ALWAYS AS (raw) VIRTUAL)",
    ]
    .into_iter()
    .enumerate()
    {
        let p = work.path().join(format!("s{i}.sqlite"));
        let conn = rusqlite::Connection::open(&p).unwrap();
        conn.execute_batch(&format!("{create};")).unwrap();
        let col = if create.contains("raw") {
            "raw"
        } else {
            "blob"
        };
        for (hnum, len) in rows {
            conn.execute(
                &format!("INSERT INTO Packages (hnum, {col}) VALUES (?1, ?2)"),
                rusqlite::params![hnum, vec![7u8; len]],
            )
            .unwrap();
        }
        drop(conn);
        let (direct, engine) = both_ways(&p);
        assert!(direct.is_err(), "{create}: not declined");
        let engine = engine.unwrap();
        assert_eq!(engine.len(), 2, "{create}");
        assert_eq!(engine[1].blob, vec![7u8; 5000], "{create}");
        // And the public path gives SQLite's rows.
        let dir = work.path().join(format!("d{i}"));
        fs::create_dir(&dir).unwrap();
        fs::copy(&p, dir.join("rpmdb.sqlite")).unwrap();
        assert_eq!(ours(&dir).unwrap(), engine, "{create}");
    }
}

/// Tallies of [`check_damaged`] over many variants of one database.
#[derive(Default)]
struct DamageCounts {
    /// Variants the direct reader answered (its rows were then SQLite's).
    answered: usize,
    /// Variants where it declined after handing rows out.
    restarts: usize,
}

/// One damaged variant `bytes` (written to `target`): whenever the direct reader answers,
/// SQLite reads exactly the same rows; and the streaming path gives SQLite's answer (its rows,
/// or an error where SQLite fails), also when the direct reader declines after handing out
/// rows (it then restarts its receiver).
fn check_damaged(target: &Path, bytes: &[u8], what: &str, counts: &mut DamageCounts) {
    fs::write(target, bytes).unwrap();
    let (direct, engine) = both_ways(target);
    if let Ok(rows) = &direct {
        counts.answered += 1;
        match &engine {
            Ok(e) => assert_eq!(rows, e, "{what}: the readers disagree"),
            Err(e) => panic!("{what}: direct read rows, SQLite failed: {e}"),
        }
    }
    let f = fs::File::open(target).unwrap();
    let files = rpmdb::backend::sqlite::SqliteFiles {
        db: &f,
        wal: None,
        journal: None,
    };
    let mut got = Vec::new();
    let mut blobs = Vec::new();
    let streamed =
        rpmdb::backend::sqlite::for_each_header(files, target, &mut blobs, &mut |d| match d {
            Delivery::Header { name, blobs, start } => got.push(RawHeader {
                hnum: name,
                blob: rpmdb::backend::take_blob(blobs, start),
            }),
            Delivery::Restart => {
                counts.restarts += 1;
                got.clear();
            }
        });
    match (&engine, streamed) {
        (Ok(e), Ok(())) => assert_eq!(&got, e, "{what}: streamed rows differ"),
        (Err(_), Err(_)) => {}
        (Ok(_), Err(s)) => panic!("{what}: SQLite read rows, the streaming path failed: {s}"),
        (Err(e), Ok(())) => panic!("{what}: SQLite failed ({e}), the streaming path read rows"),
    }
}

/// A database of `rows` (hnum, blob length) in 512-byte pages, read by [`check_damaged`]
/// undamaged (the direct reader must answer), truncated every `cut_step` bytes, and with each
/// byte at `offsets(len)` flipped by each of `xors`. Returns the file's length and the tallies.
fn damage_sweep(
    rows: &[(u32, usize)],
    cut_step: usize,
    offsets: impl Fn(usize) -> Vec<usize>,
    xors: &[u8],
) -> (usize, DamageCounts) {
    let work = tempfile::tempdir().unwrap();
    let good = work.path().join("good.sqlite");
    sqlite_with_rows(&good, 512, rows, RPM_CREATE_PACKAGES);
    let data = fs::read(&good).unwrap();
    let target = work.path().join("damaged.sqlite");
    let mut counts = DamageCounts::default();
    check_damaged(&target, &data, "undamaged", &mut counts);
    assert_eq!(
        counts.answered, 1,
        "the direct reader reads the undamaged file"
    );
    for cut in (cut_step..data.len()).step_by(cut_step) {
        check_damaged(&target, &data[..cut], &format!("cut at {cut}"), &mut counts);
    }
    let mut copy = data.clone();
    for off in offsets(data.len()) {
        for &x in xors {
            copy[off] ^= x;
            check_damaged(&target, &copy, &format!("byte {off} ^ {x:#x}"), &mut counts);
            copy[off] = data[off];
        }
    }
    (data.len(), counts)
}

/// Damage anywhere in a small database (every byte of its first three pages, which hold the
/// file header, the schema and the table's interior page, flipped in three ways; every 5th
/// byte after them; every truncation on a page boundary): see [`check_damaged`].
#[test]
fn damaged_sqlite_files_never_make_the_two_readers_disagree() {
    let rows: Vec<(u32, usize)> = (1..=12u32)
        .map(|h| (h, [30, 300, 1500][h as usize % 3]))
        .collect();
    let offsets = |len: usize| (0..3 * 512).chain((3 * 512..len).step_by(5)).collect();
    let (len, counts) = damage_sweep(&rows, 512, offsets, &[0x01, 0x80, 0xff]);
    assert!(len > 8 * 512, "several pages: {len}");
    // Most single-byte damage lands in blob bytes, which both read alike.
    assert!(
        counts.answered > len / 5,
        "the direct reader answered only {} times",
        counts.answered
    );
    // Damage to later rows makes the direct reader give up after handing out earlier ones.
    assert!(
        counts.restarts > 0,
        "no variant made the direct reader restart"
    );
}

/// The same on a database of about 730 KB in 512-byte pages, many times the readers' page
/// windows (64 KiB reads, overflow chains read ahead): damage sampled every 1021st byte and
/// truncations every 16 KiB, so windows move, jump back and re-read around damaged pages.
#[test]
fn damaged_large_sqlite_files_never_make_the_two_readers_disagree() {
    let rows: Vec<(u32, usize)> = (1..=80u32)
        .map(|h| (h, [400, 6000, 20000][h as usize % 3]))
        .collect();
    let offsets = |len: usize| (0..len).step_by(1021).collect();
    let (len, counts) = damage_sweep(&rows, 16384, offsets, &[0x01, 0x80]);
    assert!(len > 8 * 65536, "many windows: {len}");
    // Most single-byte damage lands in blob bytes, which both read alike.
    let variants = len / 1021 * 2;
    eprintln!(
        "{variants} variants, answered {}, restarts {}",
        counts.answered, counts.restarts
    );
    assert!(
        counts.answered > variants / 2,
        "answered only {}",
        counts.answered
    );
    assert!(
        counts.restarts > 0,
        "no variant made the direct reader restart"
    );
}

/// Hand-made trees SQLite refuses (found in review): an interior root page without cells
/// (allowed only for page 1) and an interior page over SQLite's cell limit, `(512-8)/6 = 84`
/// for 512-byte pages. The direct reader declines both; the control with 84 cells is read
/// alike by both.
#[test]
fn crafted_trees_sqlite_refuses_are_declined() {
    let work = tempfile::tempdir().unwrap();
    let base = work.path().join("base.sqlite");
    sqlite_with_rows(&base, 512, &[(1, 4)], RPM_CREATE_PACKAGES);
    let root: i64 = rusqlite::Connection::open(&base)
        .unwrap()
        .query_row(
            "SELECT rootpage FROM sqlite_master WHERE name = 'Packages'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let root = root as usize;
    let base = fs::read(&base).unwrap();
    // A leaf page holding one row (hnum, a 4-byte blob).
    let leaf = |page: &mut [u8], hnum: u8| {
        page.fill(0);
        page[0] = 0x0d;
        page[3..5].copy_from_slice(&1u16.to_be_bytes());
        page[5..7].copy_from_slice(&100u16.to_be_bytes());
        page[8..10].copy_from_slice(&100u16.to_be_bytes());
        page[100..109].copy_from_slice(&[7, hnum, 3, 0, 20, 9, 9, 9, hnum]);
    };
    let sized = |pages: usize| {
        let mut b = base.clone();
        b.resize(pages * 512, 0);
        b[28..32].copy_from_slice(&(pages as u32).to_be_bytes());
        b
    };
    let run = |name: &str, bytes: &[u8]| {
        let p = work.path().join(name);
        fs::write(&p, bytes).unwrap();
        both_ways(&p)
    };
    // Interior root without cells, its right-most child a leaf.
    let n = base.len() / 512;
    let mut b = sized(n + 1);
    let r = (root - 1) * 512;
    b[r..r + 512].fill(0);
    b[r] = 0x05;
    b[r + 5..r + 7].copy_from_slice(&512u16.to_be_bytes());
    b[r + 8..r + 12].copy_from_slice(&(n as u32 + 1).to_be_bytes());
    leaf(&mut b[n * 512..], 42);
    let (direct, engine) = run("root0.sqlite", &b);
    assert!(
        direct.is_err() && engine.is_err(),
        "{direct:?} / {engine:?}"
    );
    // An interior root with `cells` overlapping cells whose child numbers are (i+1)*256.
    let wide = |cells: usize| {
        let mut b = sized((cells + 1) * 256);
        let pg = &mut b[r..r + 512];
        pg.fill(0);
        pg[0] = 0x05;
        pg[3..5].copy_from_slice(&(cells as u16).to_be_bytes());
        let first = 12 + 2 * cells;
        pg[5..7].copy_from_slice(&(first as u16).to_be_bytes());
        pg[8..12].copy_from_slice(&(((cells + 1) * 256) as u32).to_be_bytes());
        for i in 0..cells {
            let at = first + 3 * i;
            pg[12 + 2 * i..14 + 2 * i].copy_from_slice(&(at as u16).to_be_bytes());
            pg[at + 2] = (i + 1) as u8;
        }
        for i in 0..=cells {
            let p = (i + 1) * 256;
            leaf(&mut b[(p - 1) * 512..p * 512], (i + 1) as u8);
        }
        b
    };
    let (direct, engine) = run("wide84.sqlite", &wide(84));
    assert_eq!(direct.unwrap(), engine.unwrap());
    let (direct, engine) = run("wide85.sqlite", &wide(85));
    assert!(
        direct.is_err() && engine.is_err(),
        "{direct:?} / {engine:?}"
    );
}
