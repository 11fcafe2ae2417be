//! `Rootfs::lstat_open`, the one-resolution lstat + open used by `rpm -V`: the same answers as
//! `symlink_metadata` + `open_file` on every kind of entry, with both resolvers and both reopen
//! paths, never opening a fifo and never leaving the root.

use std::io::Read;
use std::os::unix::fs::{symlink, MetadataExt};
use std::path::Path;

use rootfs::{Resolver, Rootfs};

fn tree(dir: &Path) {
    std::fs::create_dir_all(dir.join("etc")).unwrap();
    std::fs::write(dir.join("etc/file"), b"image content\n").unwrap();
    symlink("/etc/file", dir.join("etc/abs-link")).unwrap();
    symlink("../../../../etc/hostname", dir.join("etc/escape")).unwrap();
    rustix::fs::mknodat(
        rustix::fs::CWD,
        dir.join("etc/fifo"),
        rustix::fs::FileType::Fifo,
        rustix::fs::Mode::from_raw_mode(0o644),
        0,
    )
    .unwrap();
}

fn roots(dir: &Path) -> Vec<Rootfs> {
    let mut v = Vec::new();
    for resolver in [Resolver::Userspace, Resolver::Openat2] {
        if let Ok(r) = Rootfs::open_with(dir, Some(resolver)) {
            v.push(
                Rootfs::open_with(dir, Some(resolver))
                    .unwrap()
                    .force_parent_reopen(),
            );
            v.push(r);
        }
    }
    assert!(!v.is_empty());
    v
}

#[test]
fn lstat_open_agrees_with_symlink_metadata_and_open_file() {
    let dir = tempfile::tempdir().unwrap();
    tree(dir.path());
    for root in roots(dir.path()) {
        // A regular file: metadata of the file, and the file opened.
        let (md, opened) = root.lstat_open("/etc/file").unwrap();
        let sm = root.symlink_metadata("/etc/file").unwrap();
        assert_eq!(
            (md.ino(), md.mode(), md.len()),
            (sm.ino(), sm.mode(), sm.len())
        );
        let mut text = String::new();
        opened.unwrap().unwrap().read_to_string(&mut text).unwrap();
        assert_eq!(text, "image content\n");

        // Symlinks are not followed (lstat), and nothing is opened.
        for link in ["/etc/abs-link", "/etc/escape"] {
            let (md, opened) = root.lstat_open(link).unwrap();
            assert!(md.file_type().is_symlink(), "{link}");
            assert!(opened.is_none(), "{link}");
        }
        // A fifo is stat'ed, never opened (this would block).
        let (md, opened) = root.lstat_open("/etc/fifo").unwrap();
        assert!(!md.is_file());
        assert!(opened.is_none());
        // A directory through a `..` chain that tries to climb out lands on the root's /etc.
        let (md, opened) = root.lstat_open("/../../etc").unwrap();
        assert!(md.is_dir());
        assert!(opened.is_none());
        assert!(root.lstat_open("/etc/missing").unwrap_err().is_not_found());
    }
}
