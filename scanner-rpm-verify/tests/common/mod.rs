//! Shared helpers of the rpm-verify differential tests: image users, running the real
//! `rpm -Va` on a tree and our scanner on the same tree, and line comparison.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

/// Writes a small `/etc/passwd` and `/etc/group` into `root`. The uids deliberately collide
/// with host accounts under other names (uid 1 is `daemon` on Debian hosts, here `vtuser`), so
/// a checker resolving owners on the host would give a different answer.
pub fn write_image_users(root: &Path) {
    fs::create_dir_all(root.join("etc")).unwrap();
    fs::write(
        root.join("etc/passwd"),
        "root:x:0:0:root:/root:/bin/sh\n\
         vtuser:x:1:1:vt user:/:/sbin/nologin\n\
         other:x:1234:1234:other:/:/sbin/nologin\n",
    )
    .unwrap();
    fs::write(
        root.join("etc/group"),
        "root:x:0:\nvtgroup:x:1:\nothergrp:x:1234:\n",
    )
    .unwrap();
}

/// Real `rpm -Va --nodeps --noscripts` on `root`: (stdout lines sorted, exit code).
pub fn rpm_va(root: &Path, extra: &[&str]) -> (Vec<String>, i32) {
    let out = testkit::rpm(root)
        .args(extra)
        .args(["-Va", "--nodeps", "--noscripts"])
        .output()
        .expect("run rpm -Va");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("error:"),
        "rpm -Va reported errors:\n{stderr}"
    );
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    (lines, out.status.code().unwrap_or(-1))
}

/// Our scanner's `rpm-Va.txt` for `root`, lines sorted.
pub fn ours(root: &Path) -> Vec<String> {
    ours_with_code(root).0
}

/// Our `rpm-Va.txt` lines (sorted) and the exit status rpm would have.
pub fn ours_with_code(root: &Path) -> (Vec<String>, i32) {
    let rootfs = rootfs::Rootfs::open(root).expect("open rootfs");
    let v = scanner_rpm_verify::scan::verify_root(&rootfs).expect("verify");
    let mut lines: Vec<String> = v.rpm_va_text().lines().map(str::to_string).collect();
    lines.sort();
    (lines, v.rpm_exit_code())
}

/// Asserts both tools print the same lines and that there was something to compare.
pub fn assert_same(root: &Path, expect_findings: bool) -> Vec<String> {
    let (theirs, code) = rpm_va(root, &[]);
    let (mine, my_code) = ours_with_code(root);
    assert_eq!(
        mine,
        theirs,
        "our rpm-Va.txt differs from rpm -Va on {}",
        root.display()
    );
    assert_eq!(my_code, code, "exit status differs from rpm -Va's");
    if expect_findings {
        assert!(!theirs.is_empty(), "the scenario produced no findings");
        assert_ne!(code, 0, "rpm -Va exit code should report failures");
    }
    theirs
}

/// Asserts our `rpm-Va.txt` bytes equal rpm's stdout bytes (lines sorted), for paths that are
/// not UTF-8 (the text comparison of [`assert_same`] reads both lossily).
pub fn assert_same_bytes(root: &Path) {
    let out = testkit::rpm(root)
        .args(["-Va", "--nodeps", "--noscripts"])
        .output()
        .expect("run rpm -Va");
    let sorted_lines = |bytes: &[u8]| {
        let mut v: Vec<Vec<u8>> = bytes
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(<[u8]>::to_vec)
            .collect();
        v.sort();
        v
    };
    let rootfs = rootfs::Rootfs::open(root).expect("open rootfs");
    let v = scanner_rpm_verify::scan::verify_root(&rootfs).expect("verify");
    assert_eq!(
        sorted_lines(&v.rpm_va_bytes()),
        sorted_lines(&out.stdout),
        "our rpm-Va.txt bytes differ from rpm -Va's on {}",
        root.display()
    );
}
