//! The differential check on a Berkeley DB database: the real RHEL 8 `libuuid` BDB fixture
//! (`shared/fixtures/rpmdb/libuuid-bdb`), a tree made from rpm's own listing of its files
//! (`expected-files.tsv.gz`: modes, sizes, mtimes, link targets), partly tampered; Debian's
//! rpm reads it with its read-only `bdb_ro` backend and must print what we print.

mod common;

use std::fs;
use std::io::Read;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::Command;

fn set_mtime(path: &Path, mtime: &str) {
    let st = Command::new("touch")
        .arg("-h")
        .arg("-d")
        .arg(format!("@{mtime}"))
        .arg(path)
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn libuuid_bdb_tree_matches_rpm() {
    if !testkit::require_tool("rpm") {
        return;
    }
    let Some(fixtures) = testkit::shared_fixtures() else {
        return;
    };
    let fx = fixtures.join("rpmdb/libuuid-bdb");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    fs::copy(fx.join("Packages"), root.join("var/lib/rpm/Packages")).unwrap();
    common::write_image_users(&root);

    // Rebuild the package's files from rpm's own listing of them.
    let mut tsv = String::new();
    flate2::read::GzDecoder::new(fs::File::open(fx.join("expected-files.tsv.gz")).unwrap())
        .read_to_string(&mut tsv)
        .unwrap();
    let mut rows: Vec<Vec<&str>> = tsv
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    rows.sort_by_key(|r| r[1].len());
    for r in &rows {
        let (path, mode, size, mtime, linkto) = (r[1], r[2], r[3], r[6], r[11]);
        let mode = u32::from_str_radix(mode, 8).unwrap();
        let host = root.join(path.trim_start_matches('/'));
        fs::create_dir_all(host.parent().unwrap()).unwrap();
        match mode & 0o170000 {
            0o040000 => {
                fs::create_dir_all(&host).unwrap();
                fs::set_permissions(&host, fs::Permissions::from_mode(mode & 0o7777)).unwrap();
            }
            0o120000 => symlink(linkto, &host).unwrap(),
            _ => {
                // Right size, not the right bytes (the fixture has no payload).
                fs::write(&host, vec![b'x'; size.parse().unwrap()]).unwrap();
                fs::set_permissions(&host, fs::Permissions::from_mode(mode & 0o7777)).unwrap();
            }
        }
        set_mtime(&host, mtime);
    }
    // Tamper: a missing license file, a mode change, a retargeted link.
    fs::remove_file(root.join("usr/share/licenses/libuuid/COPYING.BSD-3")).unwrap();
    fs::set_permissions(
        root.join("usr/lib64/libuuid.so.1.3.0"),
        fs::Permissions::from_mode(0o700),
    )
    .unwrap();
    fs::remove_file(root.join("usr/lib64/libuuid.so.1")).unwrap();
    symlink("libuuid.so.1.2.0", root.join("usr/lib64/libuuid.so.1")).unwrap();
    // An %artifact (build-id link) pointing elsewhere: attribute marker `a`.
    let build_id = root.join("usr/lib/.build-id/df/ef6a880adac817216ab9866779a0725e017647");
    fs::remove_file(&build_id).unwrap();
    symlink("../../../../usr/lib64/libuuid.so.1", &build_id).unwrap();

    let (theirs, code) = common::rpm_va(&root, &["--define", "_db_backend bdb_ro"]);
    let (ours, our_code) = common::ours_with_code(&root);
    eprintln!("rpm -Va (bdb_ro):\n{}", theirs.join("\n"));
    assert_eq!(ours, theirs);
    assert!(theirs.len() >= 5, "{theirs:?}");
    assert_eq!(code, 1);
    assert_eq!(our_code, code);
}
