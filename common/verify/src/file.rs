//! The per-file check (`rpmfilesVerify` of rpm 4.18): what the header says about one file
//! against what the image holds at that path, through the confined rootfs API. This is the
//! per-file API the scanner and the OpenSCAP `rpmverifyfile` probe share.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use rootfs::users::Users;
use rootfs::Rootfs;

use crate::attrs::{fileflags, verify, FileState};
use crate::{caps, digest};

const S_IFMT: u32 = 0o170000;
const S_IFDIR: u32 = 0o040000;
const S_IFLNK: u32 = 0o120000;
const S_IFREG: u32 = 0o100000;
const S_IFCHR: u32 = 0o020000;
const S_IFBLK: u32 = 0o060000;
const S_ISUID: u32 = 0o4000;
const S_ISGID: u32 = 0o2000;

/// What the package header says about one file (one row of the header's file arrays).
#[derive(Debug, Clone, Copy)]
pub struct FileSpec<'a> {
    /// Absolute path inside the image, as text (bytes that are not UTF-8 read as U+FFFD).
    pub path: &'a str,
    /// The path's exact bytes: what is looked up on disk and what rpm prints.
    pub path_bytes: &'a [u8],
    /// FILEMODES (type and permission bits).
    pub mode: u16,
    /// FILESIZES / LONGFILESIZES.
    pub size: u64,
    /// FILEMTIMES.
    pub mtime: u32,
    /// FILERDEVS.
    pub rdev: u32,
    /// FILEDIGESTS entry, hex ("" for none).
    pub digest: &'a str,
    /// FILEDIGESTALGO of the package (0 when absent: MD5).
    pub digest_algo: u32,
    /// The FILELINKTOS entry's exact bytes (compared with the link on disk).
    pub linkto_bytes: &'a [u8],
    /// FILEFLAGS (`attrs::fileflags`).
    pub flags: u32,
    /// FILEVERIFYFLAGS (`attrs::verify`); 0 when the tag is absent, as in rpm 4.18.
    pub verify_flags: u32,
    /// FILEUSERNAME ("" when absent).
    pub user: &'a str,
    /// FILEGROUPNAME ("" when absent).
    pub group: &'a str,
    /// FILESTATES entry.
    pub state: FileState,
    /// FILECAPS text ("" = no capabilities).
    pub caps: &'a str,
}

impl<'a> From<&'a rpmdb::FileEntry> for FileSpec<'a> {
    fn from(f: &'a rpmdb::FileEntry) -> FileSpec<'a> {
        use crate::attrs::algo;
        use rpmdb::DigestAlgo;
        FileSpec {
            path: &f.path,
            path_bytes: f.path_raw(),
            mode: f.mode,
            size: f.size,
            mtime: f.mtime,
            rdev: f.rdev,
            digest: &f.digest,
            digest_algo: match f.digest_algo {
                DigestAlgo::Md5 => algo::MD5,
                DigestAlgo::Sha1 => algo::SHA1,
                DigestAlgo::Sha256 => algo::SHA256,
                DigestAlgo::Sha384 => algo::SHA384,
                DigestAlgo::Sha512 => algo::SHA512,
                DigestAlgo::Sha224 => algo::SHA224,
                DigestAlgo::Unknown(n) => n,
            },
            linkto_bytes: f.linkto_raw(),
            flags: f.flags,
            verify_flags: f.verify_flags,
            user: &f.user,
            group: &f.group,
            state: FileState::from_raw(f.state),
            caps: f.caps.as_deref().unwrap_or(""),
        }
    }
}

/// The three-valued outcome of one check, as OVAL's `rpmverifyfile_item` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckOutcome {
    Pass,
    Fail,
    NotPerformed,
}

/// The outcome of checking one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileResult {
    /// The checks that were made (`attrs::verify` bits after the state, type, ghost and omit
    /// masks). A bit set here and clear in `failed` passed.
    pub checked: u32,
    /// rpm's verify result: failing checks plus `READFAIL` / `READLINKFAIL` / `LSTATFAIL`.
    pub failed: u32,
    /// For a missing file: the errno of the failed lstat when it is not ENOENT (rpm appends
    /// its text to the `missing` line).
    pub missing_errno: Option<i32>,
    /// The mode found on disk (type and permission bits; after following a symlink that
    /// stands for an expected directory), 0 when not looked at or missing.
    pub disk_mode: u32,
}

impl FileResult {
    /// True when the file is absent (lstat failed).
    pub fn is_missing(&self) -> bool {
        self.failed & verify::LSTATFAIL != 0
    }

    /// The outcome of one check (`attrs::verify::FILEDIGEST`, `MODE`, ...): failed, passed, or
    /// not performed (masked by the file's state, type, `%ghost`, FILEVERIFYFLAGS or the omit
    /// mask, or the file is missing).
    pub fn outcome(&self, check: u32) -> CheckOutcome {
        if self.failed & check != 0 {
            CheckOutcome::Fail
        } else if self.checked & check != 0 {
            CheckOutcome::Pass
        } else {
            CheckOutcome::NotPerformed
        }
    }
}

/// Checks files of one image against header data. Cheap to share across threads.
pub struct Verifier<'a> {
    root: &'a Rootfs,
    users: &'a Users,
    omit: u32,
}

fn errno_of(err: &rootfs::Error) -> Option<i32> {
    match err {
        rootfs::Error::NotFound { .. } => None,
        rootfs::Error::PermissionDenied { .. } => Some(libc::EACCES),
        rootfs::Error::Loop { .. } => Some(libc::ELOOP),
        rootfs::Error::Io { source, .. } => match source.raw_os_error() {
            Some(libc::ENOENT) => None,
            Some(e) => Some(e),
            None => Some(libc::EIO),
        },
        _ => Some(libc::EIO),
    }
}

impl<'a> Verifier<'a> {
    /// A verifier for `root`, resolving owners through the image's `users`.
    pub fn new(root: &'a Rootfs, users: &'a Users) -> Verifier<'a> {
        Verifier {
            root,
            users,
            omit: 0,
        }
    }

    /// Checks to leave out, like rpm's `--nomd5 --nosize ...` (`attrs::verify` bits).
    pub fn with_omit(mut self, omit: u32) -> Verifier<'a> {
        self.omit = omit;
        self
    }

    /// The image this verifier reads.
    pub fn root(&self) -> &Rootfs {
        self.root
    }

    fn expected_uid(&self, user: &str) -> Option<u32> {
        if user == "root" {
            Some(0)
        } else {
            self.users.uid(user)
        }
    }

    fn expected_gid(&self, group: &str) -> Option<u32> {
        if group == "root" {
            Some(0)
        } else {
            self.users.gid(group)
        }
    }

    /// Checks one file the way `rpm -V` does.
    pub fn verify_file(&self, f: &FileSpec<'_>) -> FileResult {
        let mut flags = f.verify_flags;
        match f.state {
            FileState::NetShared | FileState::NotInstalled => {
                return FileResult {
                    checked: 0,
                    failed: 0,
                    missing_errno: None,
                    disk_mode: 0,
                }
            }
            FileState::Replaced => flags = verify::LSTATFAIL,
            FileState::WrongColor => {
                flags &= !(verify::FILEDIGEST | verify::FILESIZE | verify::MTIME | verify::RDEV)
            }
            _ => {}
        }

        // One resolution gives the lstat and, for a regular file, the handle that serves the
        // digest and the capability xattr.
        let disk_path = Path::new(OsStr::from_bytes(f.path_bytes));
        let (mut sb, opened_regular) = match self.root.lstat_open(disk_path) {
            Ok(both) => both,
            Err(e) => {
                return FileResult {
                    checked: 0,
                    failed: verify::LSTATFAIL,
                    missing_errno: errno_of(&e),
                    disk_mode: 0,
                }
            }
        };

        // Expected metadata (rpmfilesStat).
        let mut exp_mode = u32::from(f.mode);
        let mut exp_uid = 0;
        let mut exp_gid = 0;
        if !f.user.is_empty() {
            match self.expected_uid(f.user) {
                Some(uid) => exp_uid = uid,
                None => exp_mode &= !S_ISUID,
            }
        }
        if !f.group.is_empty() {
            match self.expected_gid(f.group) {
                Some(gid) => exp_gid = gid,
                None => exp_mode &= !S_ISGID,
            }
        }

        // Expected a directory, found a symlink to one owned by root or the target's owner.
        if exp_mode & S_IFMT == S_IFDIR && sb.mode() & S_IFMT == S_IFLNK {
            if let Ok(dsb) = self.root.metadata(disk_path) {
                if dsb.is_dir() && (sb.uid() == 0 || sb.uid() == dsb.uid()) {
                    sb = dsb;
                }
            }
        }

        let disk_type = sb.mode() & S_IFMT;
        if disk_type == S_IFLNK {
            flags &= !verify::MODE;
        } else {
            flags &= !verify::LINKTO;
        }
        if disk_type != S_IFREG {
            flags &= !(verify::FILEDIGEST | verify::FILESIZE | verify::MTIME | verify::CAPS);
        }
        let ghost = f.flags & fileflags::GHOST != 0;
        if ghost {
            flags &= !(verify::FILEDIGEST | verify::FILESIZE | verify::MTIME | verify::LINKTO);
        }
        flags &= !(self.omit | verify::FAILURES);

        let mut vfy = 0;
        // Digest and caps are only checked on a regular file (flags cleared above otherwise),
        // which `lstat_open` opened.
        let opened = if flags & (verify::FILEDIGEST | verify::CAPS) != 0 {
            opened_regular
        } else {
            None
        };
        if flags & verify::FILEDIGEST != 0 {
            match digest::expected_digest(f.digest_algo, f.digest) {
                Some(want) => match &opened {
                    Some(Ok(file)) => match digest::digest_file(f.digest_algo, file, sb.size()) {
                        Ok(got) => {
                            if got != want {
                                vfy |= verify::FILEDIGEST;
                            }
                        }
                        Err(_) => vfy |= verify::READFAIL | verify::FILEDIGEST,
                    },
                    _ => vfy |= verify::READFAIL | verify::FILEDIGEST,
                },
                None => vfy |= verify::FILEDIGEST,
            }
        }
        if flags & verify::LINKTO != 0 {
            match self.root.read_link(disk_path) {
                Ok(target) => {
                    if target.as_os_str().as_bytes() != f.linkto_bytes {
                        vfy |= verify::LINKTO;
                    }
                }
                Err(_) => vfy |= verify::READLINKFAIL | verify::LINKTO,
            }
        }
        let exp_size = if matches!(exp_mode & S_IFMT, S_IFREG | S_IFLNK) {
            f.size
        } else {
            0
        };
        if flags & verify::FILESIZE != 0 && sb.size() != exp_size {
            vfy |= verify::FILESIZE;
        }
        if flags & verify::MODE != 0 {
            let (mut meta, mut disk) = (exp_mode & 0xffff, sb.mode());
            if ghost {
                meta &= !S_IFMT;
                disk &= !S_IFMT;
            }
            if meta != disk {
                vfy |= verify::MODE;
            }
        }
        if flags & verify::RDEV != 0 {
            let exp_type = exp_mode & S_IFMT;
            let is_dev = |t: u32| t == S_IFCHR || t == S_IFBLK;
            let kind_differs = (exp_type == S_IFCHR) != (disk_type == S_IFCHR)
                || (exp_type == S_IFBLK) != (disk_type == S_IFBLK);
            let numbers_differ = is_dev(exp_type)
                && is_dev(disk_type)
                && (sb.rdev() & 0xffff) != u64::from(f.rdev & 0xffff);
            if kind_differs || numbers_differ {
                vfy |= verify::RDEV;
            }
        }
        if flags & verify::CAPS != 0 {
            let xattr = match &opened {
                Some(Ok(file)) => caps::file_xattr(file),
                _ => self
                    .root
                    .lgetxattr(disk_path, caps::XATTR_NAME)
                    .ok()
                    .flatten(),
            };
            if caps::differs(f.caps, xattr.as_deref()) {
                vfy |= verify::CAPS;
            }
        }
        if flags & verify::MTIME != 0 && sb.mtime() != i64::from(f.mtime) {
            vfy |= verify::MTIME;
        }
        if flags & verify::USER != 0 && sb.uid() != exp_uid {
            vfy |= verify::USER;
        }
        if flags & verify::GROUP != 0 && sb.gid() != exp_gid {
            vfy |= verify::GROUP;
        }
        FileResult {
            checked: flags,
            failed: vfy,
            missing_errno: None,
            disk_mode: sb.mode(),
        }
    }
}
