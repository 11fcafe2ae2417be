//! The differential check on real distribution databases: a tree is made from rpm's own
//! listing of a fixture's files (`shared/fixtures/rpmdb/<name>/expected-files.tsv.gz`: type,
//! mode, owner, mtime, link target, device numbers; regular files are empty, so most show
//! `S.5`, and those that are empty in the package verify clean), then real `rpm -Va` and our
//! scanner must print the same lines. Amazon Linux 2023 (sqlite, 103 packages) and SLES 12
//! SP4 (Berkeley DB, MD5 digests, 883 files in state "not installed").

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Read;
use std::os::unix::fs::{lchown, symlink, PermissionsExt};
use std::path::Path;
use std::process::Command;

fn build_tree(fx: &Path, root: &Path) {
    let mut tsv = String::new();
    flate2::read::GzDecoder::new(fs::File::open(fx.join("expected-files.tsv.gz")).unwrap())
        .read_to_string(&mut tsv)
        .unwrap();
    let mut rows: Vec<Vec<&str>> = tsv
        .lines()
        .skip(1)
        .map(|l| l.split('\t').collect())
        .collect();
    // Parents first; the first owner of a path decides what is created there.
    rows.sort_by_key(|r| (r[1].matches('/').count(), r[1].to_string()));
    let mut users = BTreeMap::new();
    let mut groups = BTreeMap::new();
    for r in &rows {
        let n = users.len() as u32;
        users
            .entry(r[7].to_string())
            .or_insert(if r[7] == "root" { 0 } else { 1000 + n });
        let n = groups.len() as u32;
        groups
            .entry(r[8].to_string())
            .or_insert(if r[8] == "root" { 0 } else { 1000 + n });
    }
    fs::create_dir_all(root.join("etc")).unwrap();
    let passwd: String = users
        .iter()
        .map(|(n, u)| format!("{n}:x:{u}:{u}::/:/bin/sh\n"))
        .collect();
    let group: String = groups
        .iter()
        .map(|(n, g)| format!("{n}:x:{g}:\n"))
        .collect();
    let mut touch = Vec::new();
    for r in &rows {
        let (path, mode, size, mtime, user, group_name, state, linkto, rdev) =
            (r[1], r[2], r[3], r[6], r[7], r[8], r[10], r[11], r[13]);
        if state != "normal" || path == "/" {
            continue;
        }
        let host = root.join(path.trim_start_matches('/'));
        if fs::symlink_metadata(&host).is_ok() {
            continue;
        }
        let Some(parent) = host.parent() else {
            continue;
        };
        if fs::create_dir_all(parent).is_err() {
            continue;
        }
        let mode = u32::from_str_radix(mode, 8).unwrap();
        let made = match mode & 0o170000 {
            0o040000 => fs::create_dir(&host).is_ok(),
            0o120000 => symlink(linkto, &host).is_ok(),
            0o100000 => fs::write(&host, b"").is_ok(),
            0o020000 | 0o060000 => {
                let rdev: u32 = rdev.parse().unwrap();
                let kind = if mode & 0o170000 == 0o020000 {
                    "c"
                } else {
                    "b"
                };
                Command::new("mknod")
                    .arg(&host)
                    .arg(kind)
                    .arg((rdev >> 8).to_string())
                    .arg((rdev & 0xff).to_string())
                    .status()
                    .map(|s| s.success())
                    .unwrap_or(false)
            }
            _ => false,
        };
        if !made {
            continue;
        }
        let _ = lchown(&host, Some(users[user]), Some(groups[group_name]));
        if mode & 0o170000 != 0o120000 {
            let _ = fs::set_permissions(&host, fs::Permissions::from_mode(mode & 0o7777));
        }
        let _ = size;
        touch.push((host, mtime.to_string()));
    }
    for (host, mtime) in touch {
        let _ = Command::new("touch")
            .arg("-h")
            .arg("-d")
            .arg(format!("@{mtime}"))
            .arg(&host)
            .status();
    }
    // Written last so no package entry for /etc/passwd or /etc/group clobbers them.
    fs::write(root.join("etc/passwd"), passwd).unwrap();
    fs::write(root.join("etc/group"), group).unwrap();
}

fn check(fixture: &str, db_file: &str, backend: &str) {
    if !testkit::require_tool("rpm") {
        return;
    }
    let Some(fixtures) = testkit::shared_fixtures() else {
        return;
    };
    let fx = fixtures.join("rpmdb").join(fixture);
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    build_tree(&fx, &root);
    fs::create_dir_all(root.join("var/lib/rpm")).unwrap();
    fs::copy(fx.join(db_file), root.join("var/lib/rpm").join(db_file)).unwrap();
    let (theirs, code) = common::rpm_va(&root, &["--define", &format!("_db_backend {backend}")]);
    let (ours, our_code) = common::ours_with_code(&root);
    if ours != theirs {
        let only_ours: Vec<_> = ours
            .iter()
            .filter(|l| !theirs.contains(l))
            .take(20)
            .collect();
        let only_theirs: Vec<_> = theirs
            .iter()
            .filter(|l| !ours.contains(l))
            .take(20)
            .collect();
        panic!(
            "{fixture}: {} lines from rpm, {} from us\nonly ours: {only_ours:#?}\nonly rpm: {only_theirs:#?}",
            theirs.len(),
            ours.len()
        );
    }
    let mut kinds = BTreeMap::new();
    for l in &theirs {
        *kinds
            .entry(&l[..l.find(' ').unwrap_or(l.len())])
            .or_insert(0) += 1;
    }
    eprintln!(
        "{fixture}: {} lines equal; by flags: {kinds:?}",
        theirs.len()
    );
    assert!(
        theirs.len() > 100,
        "{fixture}: too few findings to prove anything"
    );
    assert!(theirs.iter().any(|l| l.starts_with("S.5")));
    assert_ne!(code, 0);
    assert_eq!(our_code, code);
}

#[test]
fn amazonlinux2023_sqlite_tree_matches_rpm() {
    check("amazonlinux2023", "rpmdb.sqlite", "sqlite");
}

#[test]
fn sles12sp4_bdb_tree_matches_rpm() {
    check("sles12sp4", "Packages", "bdb_ro");
}
