//! Directory listing and bounded tree walks over fds, never following symlinks.

use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::io::OwnedFd;
use std::path::{Path, PathBuf};

use rustix::fs::{AtFlags, Dir, Mode, OFlags};

use crate::{Error, FileKind, MAX_DIR_ENTRIES};

/// One directory entry: its name (any bytes, not necessarily UTF-8) and its type (not following a
/// symlink).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DirEntry {
    pub name: OsString,
    pub file_type: FileKind,
}

/// One entry met by [`crate::Rootfs::walk`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalkEntry {
    /// Canonical image path of the entry.
    pub path: PathBuf,
    pub file_type: FileKind,
    /// 1 for entries directly in the walked directory.
    pub depth: usize,
}

/// Opens a directory for reading through an `O_PATH` fd of it (opening `.` never follows a link).
fn open_for_listing(fd: &OwnedFd, ipath: &Path) -> Result<OwnedFd, Error> {
    rustix::fs::openat(
        fd,
        ".",
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC | OFlags::NONBLOCK,
        Mode::empty(),
    )
    .map_err(|e| Error::from_errno(ipath, e))
}

/// Lists the directory behind `fd`, sorted by name bytes.
pub(crate) fn list(fd: &OwnedFd, ipath: &Path) -> Result<Vec<DirEntry>, Error> {
    let dfd = open_for_listing(fd, ipath)?;
    list_open(dfd, ipath).map(|(_, v)| v)
}

fn list_open(dfd: OwnedFd, ipath: &Path) -> Result<(OwnedFd, Vec<DirEntry>), Error> {
    let keep = rustix::io::dup(&dfd).map_err(|e| Error::from_errno(ipath, e))?;
    let mut dir = Dir::new(dfd).map_err(|e| Error::from_errno(ipath, e))?;
    let mut out = Vec::new();
    while let Some(ent) = dir.read() {
        let ent = ent.map_err(|e| Error::from_errno(ipath, e))?;
        if out.len() >= MAX_DIR_ENTRIES {
            return Err(Error::TooManyEntries {
                path: ipath.to_path_buf(),
                limit: MAX_DIR_ENTRIES,
            });
        }
        let name = ent.file_name().to_bytes();
        if name == b"." || name == b".." {
            continue;
        }
        let mut kind = FileKind::from_file_type(ent.file_type());
        if kind == FileKind::Unknown {
            // Filesystems without d_type: ask, without following a symlink.
            if let Ok(st) = rustix::fs::statat(&keep, ent.file_name(), AtFlags::SYMLINK_NOFOLLOW) {
                kind = FileKind::from_mode(st.st_mode);
            }
        }
        out.push(DirEntry {
            name: OsString::from_vec(name.to_vec()),
            file_type: kind,
        });
    }
    out.sort_by(|a, b| a.name.as_bytes().cmp(b.name.as_bytes()));
    Ok((keep, out))
}

/// Pre-order walk of the directory behind the `O_PATH` fd `fd` whose image path is `ipath`.
pub(crate) fn walk_fd(
    fd: &OwnedFd,
    ipath: &Path,
    depth: usize,
    max_depth: usize,
    f: &mut dyn FnMut(&WalkEntry) -> bool,
    errors: &mut Vec<Error>,
) -> Result<(), Error> {
    let dfd = open_for_listing(fd, ipath)?;
    let (dfd, entries) = list_open(dfd, ipath)?;
    for ent in entries {
        let path = ipath.join(&ent.name);
        let entry = WalkEntry {
            path,
            file_type: ent.file_type,
            depth,
        };
        let descend = f(&entry);
        if !descend || ent.file_type != FileKind::Dir || depth >= max_depth {
            continue;
        }
        let sub = rustix::fs::openat(
            &dfd,
            ent.name.as_os_str(),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        );
        let res = match sub {
            Ok(sub) => walk_fd(&sub, &entry.path, depth + 1, max_depth, f, errors),
            Err(e) => Err(Error::from_errno(&entry.path, e)),
        };
        if let Err(e) = res {
            errors.push(e);
        }
    }
    Ok(())
}
