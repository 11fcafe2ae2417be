//! Every real database fixture read through `Database` (all three backends) and rendered by our
//! header parser must give exactly what real rpm printed for it: package list, `--info`
//! columns and file columns (plus the typed `Database::packages()` API). Databases rpm cannot
//! read must be errors naming the file, never an empty list.

mod support;

use std::path::{Path, PathBuf};

use rpmdb::Database;
use support::*;

/// Opens a fixture folder as a database directory; decompresses a shipped `Packages.zst`
/// into a temp dir first.
fn open(dir: &Path) -> (Database, Option<tempfile::TempDir>) {
    let zst = dir.join("Packages.zst");
    if zst.exists() {
        let tmp = tempfile::tempdir().unwrap();
        let raw = zstd::decode_all(std::fs::File::open(&zst).unwrap()).unwrap();
        std::fs::write(tmp.path().join("Packages"), raw).unwrap();
        let db =
            Database::open_dbpath(tmp.path()).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        return (db, Some(tmp));
    }
    let db = Database::open_dbpath(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    (db, None)
}

fn check_db(dir: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let (db, _tmp) = open(dir);
    let blobs: Vec<(String, Vec<u8>)> = db
        .headers()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
        .into_iter()
        .map(|h| (format!("h# {}", h.hnum), h.blob))
        .collect();
    let n = check_blobs_against_rpm(&name, dir, blobs);
    // The typed entry point the scanners use.
    let pkgs = db.packages().unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(pkgs.len(), n, "{name}: Database::packages() count");
    let mut typed: Vec<String> = pkgs.iter().map(typed_info_line).collect();
    typed.sort();
    let expected = String::from_utf8(read_expected(dir, "expected-info.tsv")).unwrap();
    let expected: Vec<&str> = expected.lines().skip(1).collect();
    assert_eq!(
        typed, expected,
        "{name}: Database::packages() fields differ from rpm --info"
    );
    eprintln!("{name}: {n} packages identical to rpm");
}

fn readable_dirs(root: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.join("expected-packages.tsv").exists() && p.join("expected-files.tsv.gz").exists()
        })
        .filter(|p| !p.ends_with("header-blobs"))
        .collect();
    v.sort();
    v
}

#[test]
fn committed_small_databases_match_rpm() {
    let root = local_fixtures().join("db");
    let dirs = readable_dirs(&root);
    assert!(
        !dirs.is_empty(),
        "no committed database fixtures under {}",
        root.display()
    );
    for d in dirs {
        check_db(&d);
    }
}

#[test]
fn every_shared_database_matches_rpm() {
    let Some(shared) = shared_rpmdb() else { return };
    let dirs = readable_dirs(&shared);
    assert!(
        dirs.len() >= 13,
        "expected the 13 readable database fixtures, found {dirs:?}"
    );
    let next = std::sync::Mutex::new(dirs.into_iter());
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| loop {
                let Some(d) = next.lock().unwrap().next() else {
                    break;
                };
                check_db(&d);
            });
        }
    });
}

#[test]
fn unreadable_databases_are_errors_naming_the_file() {
    let Some(shared) = shared_rpmdb() else { return };
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(shared.join("_unsupported"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.push(shared.join("empty-sqlite"));
    for d in dirs {
        assert!(d.join("expected-error.txt").exists(), "{}", d.display());
        let result = Database::open_dbpath(&d).and_then(|db| db.packages());
        match result {
            Ok(p) => panic!(
                "{}: rpm cannot read it, we returned {} packages",
                d.display(),
                p.len()
            ),
            Err(e) => {
                let msg = e.to_string();
                assert!(
                    msg.contains(&d.display().to_string()),
                    "{}: error does not name the database: {msg}",
                    d.display()
                );
            }
        }
    }
}
