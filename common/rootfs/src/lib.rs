//! Confined access to an image root filesystem: every open, stat, readlink and directory listing
//! resolves symlinks as if chrooted into the image (absolute links and `..` never leave it), only
//! regular files are ever opened for reading (never fifos, sockets or devices), and errors name the
//! image path concerned.
//!
//! Resolution uses `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)` when the kernel allows it and a
//! userspace walk otherwise ([`Resolver`]); `ROOTFS_RESOLVER=userspace` in the environment or
//! [`Rootfs::open_with`] forces the walk.

mod dir;
mod error;
mod kind;
pub mod os_release;
mod resolve;
pub mod users;

use std::ffi::OsString;
use std::fs::File;
use std::io::Read;
use std::os::unix::ffi::OsStringExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::{AsFd, AsRawFd, OwnedFd};
use std::path::{Path, PathBuf};

use rustix::fs::{Mode, OFlags};
use rustix::io::Errno;

pub use dir::{DirEntry, WalkEntry};
pub use error::Error;
pub use kind::FileKind;
pub use resolve::Resolver;

/// Largest up-front buffer allocation of [`Rootfs::read`]; bigger files grow the buffer as read.
const READ_PREALLOC_MAX: u64 = 64 << 20;

/// Most entries [`Rootfs::read_dir`] and [`Rootfs::walk`] accept in one directory before giving
/// up with [`Error::TooManyEntries`] (a hostile image could hold millions).
pub const MAX_DIR_ENTRIES: usize = 1 << 20;

/// Default depth bound of [`Rootfs::walk`] callers that have no better idea.
pub const DEFAULT_WALK_DEPTH: usize = 256;

/// An image root: an `O_PATH` directory fd plus the host path it was opened from.
#[derive(Debug)]
pub struct Rootfs {
    root: OwnedFd,
    host: PathBuf,
    resolver: Resolver,
    /// Reopen files through their parent directory instead of /proc/self/fd (the fallback used
    /// when /proc is not mounted; forced by tests).
    parent_reopen: bool,
}

/// Converts a caller's path ("etc/passwd" or "/etc/passwd") to the absolute image path used in errors.
pub(crate) fn image_path(p: &Path) -> PathBuf {
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        Path::new("/").join(p)
    }
}

fn canonical_to_path(components: &[OsString]) -> PathBuf {
    let mut p = PathBuf::from("/");
    for c in components {
        p.push(c);
    }
    p
}

impl Rootfs {
    /// Opens an image root; the host path itself may be a symlink (OSTree mounts) and is followed.
    /// The resolver is openat2 when usable, unless `ROOTFS_RESOLVER=userspace` is set.
    pub fn open(root: impl AsRef<Path>) -> Result<Rootfs, Error> {
        let forced = std::env::var_os("ROOTFS_RESOLVER").is_some_and(|v| v == "userspace");
        Rootfs::open_with(
            root,
            if forced {
                Some(Resolver::Userspace)
            } else {
                None
            },
        )
    }

    /// Opens an image root with a given resolver (`None`: openat2 when usable). Asking for
    /// [`Resolver::Openat2`] on a kernel without it is an error.
    pub fn open_with(root: impl AsRef<Path>, resolver: Option<Resolver>) -> Result<Rootfs, Error> {
        let host = root.as_ref().to_path_buf();
        let fd = rustix::fs::open(
            &host,
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
        // A host path, not an image path: keep the OS error text ("No such file or directory").
        .map_err(|e| Error::Io {
            path: host.clone(),
            source: e.into(),
        })?;
        let usable = resolve::openat2_works(fd.as_fd());
        let resolver = match resolver {
            None if usable => Resolver::Openat2,
            None => Resolver::Userspace,
            Some(Resolver::Openat2) if !usable => {
                return Err(Error::Io {
                    path: host,
                    source: Errno::NOSYS.into(),
                });
            }
            Some(r) => r,
        };
        Ok(Rootfs {
            root: fd,
            host,
            resolver,
            parent_reopen: false,
        })
    }

    /// The host path this root was opened from.
    pub fn host_path(&self) -> &Path {
        &self.host
    }

    /// Always reopen files for reading through their parent directory (`O_NOFOLLOW`, same-inode
    /// check) as is done when /proc is not mounted. For tests of that fallback.
    #[doc(hidden)]
    pub fn force_parent_reopen(mut self) -> Rootfs {
        self.parent_reopen = true;
        self
    }

    /// The resolver in use.
    pub fn resolver(&self) -> Resolver {
        self.resolver
    }

    /// The `O_PATH` fd of `path` resolved inside the root.
    fn path_fd(&self, path: &Path, follow_final: bool) -> Result<OwnedFd, Error> {
        if self.resolver == Resolver::Openat2 {
            match resolve::open_openat2(self.root.as_fd(), path, follow_final) {
                resolve::Openat2::Done(fd) => return Ok(fd),
                resolve::Openat2::Failed(e) => return Err(Error::from_errno(image_path(path), e)),
                resolve::Openat2::UseWalk => {}
            }
        }
        resolve::walk(self.root.as_fd(), path, follow_final)
            .map(|w| w.fd)
            .map_err(|e| Error::from_errno(image_path(path), e))
    }

    /// Opens a regular file for reading, following symlinks inside the root. Anything that is not a
    /// regular file (directory, fifo, socket, device) is refused with [`Error::NotRegular`] without
    /// ever being opened for reading, so this never blocks. Access time is not updated when the
    /// process is allowed to say so (`O_NOATIME`).
    pub fn open_file(&self, path: impl AsRef<Path>) -> Result<File, Error> {
        let path = path.as_ref();
        let ipath = image_path(path);
        let fd = self.path_fd(path, true)?;
        let st = rustix::fs::fstat(&fd).map_err(|e| Error::from_errno(&ipath, e))?;
        let kind = FileKind::from_mode(st.st_mode);
        if kind != FileKind::File {
            return Err(Error::NotRegular {
                path: ipath,
                kind: kind.name(),
            });
        }
        let reopened = if self.parent_reopen {
            Err(Errno::NOENT)
        } else {
            reopen_via_proc(&fd)
        };
        let file = match reopened {
            Ok(f) => f,
            // /proc is not mounted: reopen through the parent directory, not following links.
            Err(Errno::NOENT) | Err(Errno::NOTDIR) => self.reopen_via_parent(path)?,
            Err(e) => return Err(Error::from_errno(&ipath, e)),
        };
        let st2 = rustix::fs::fstat(&file).map_err(|e| Error::from_errno(&ipath, e))?;
        if st2.st_dev != st.st_dev || st2.st_ino != st.st_ino {
            return Err(Error::Io {
                path: ipath,
                source: std::io::Error::other("file replaced while being opened"),
            });
        }
        let kind = FileKind::from_mode(st2.st_mode);
        if kind != FileKind::File {
            return Err(Error::NotRegular {
                path: ipath,
                kind: kind.name(),
            });
        }
        // O_NONBLOCK was only a guard while opening; clear it for ordinary reads.
        if let Ok(fl) = rustix::fs::fcntl_getfl(&file) {
            let _ = rustix::fs::fcntl_setfl(&file, fl - OFlags::NONBLOCK);
        }
        Ok(File::from(file))
    }

    fn reopen_via_parent(&self, path: &Path) -> Result<OwnedFd, Error> {
        let ipath = image_path(path);
        let walked = resolve::walk(self.root.as_fd(), path, true)
            .map_err(|e| Error::from_errno(&ipath, e))?;
        let Some((name, parent)) = walked.components.split_last() else {
            return Err(Error::NotRegular {
                path: ipath,
                kind: FileKind::Dir.name(),
            });
        };
        let dir = resolve::reopen_canonical(self.root.as_fd(), parent)
            .map_err(|e| Error::from_errno(&ipath, e))?;
        open_read_flags(|flags| {
            rustix::fs::openat(
                &dir,
                name.as_os_str(),
                flags | OFlags::NOFOLLOW,
                Mode::empty(),
            )
        })
        .map_err(|e| Error::from_errno(&ipath, e))
    }

    /// Reads a whole regular file; more than `limit` bytes is [`Error::TooLarge`].
    pub fn read(&self, path: impl AsRef<Path>, limit: u64) -> Result<Vec<u8>, Error> {
        let path = path.as_ref();
        let ipath = image_path(path);
        let file = self.open_file(path)?;
        let len = file
            .metadata()
            .map_err(|e| Error::from_io(&ipath, e))?
            .len();
        if len > limit {
            return Err(Error::TooLarge { path: ipath, limit });
        }
        // The size is only a hint (the file may change): cap the up-front allocation.
        let mut buf = Vec::with_capacity(len.min(READ_PREALLOC_MAX) as usize);
        file.take(limit.saturating_add(1))
            .read_to_end(&mut buf)
            .map_err(|e| Error::from_io(&ipath, e))?;
        if buf.len() as u64 > limit {
            return Err(Error::TooLarge { path: ipath, limit });
        }
        Ok(buf)
    }

    /// Reads a whole regular file as UTF-8 (invalid UTF-8 is an [`Error::Io`] of kind InvalidData).
    pub fn read_to_string(&self, path: impl AsRef<Path>, limit: u64) -> Result<String, Error> {
        let path = path.as_ref();
        let bytes = self.read(path, limit)?;
        String::from_utf8(bytes).map_err(|e| Error::Io {
            path: image_path(path),
            source: std::io::Error::new(std::io::ErrorKind::InvalidData, e),
        })
    }

    /// `stat`: follows a final symlink (inside the root).
    pub fn metadata(&self, path: impl AsRef<Path>) -> Result<std::fs::Metadata, Error> {
        let path = path.as_ref();
        let fd = self.path_fd(path, true)?;
        File::from(fd)
            .metadata()
            .map_err(|e| Error::from_io(image_path(path), e))
    }

    /// `lstat`: the parent is resolved inside the root, the final component is not followed.
    pub fn symlink_metadata(&self, path: impl AsRef<Path>) -> Result<std::fs::Metadata, Error> {
        let path = path.as_ref();
        let fd = self.path_fd(path, false)?;
        File::from(fd)
            .metadata()
            .map_err(|e| Error::from_io(image_path(path), e))
    }

    /// `lstat` of `path` and, when it is a regular file, the file opened for reading, from one
    /// resolution: the open goes through the very `O_PATH` handle that was stat'ed (`/proc/self/fd`),
    /// so the two always describe the same inode. For `rpm -V`, which needs both for every
    /// packaged file. The open's own failure (permission, no `/proc` and a raced rename) is
    /// returned separately: the metadata stays valid.
    pub fn lstat_open(
        &self,
        path: impl AsRef<Path>,
    ) -> Result<(std::fs::Metadata, Option<Result<File, Error>>), Error> {
        let path = path.as_ref();
        let fd = self.path_fd(path, false)?;
        let ofd = File::from(fd);
        let meta = ofd
            .metadata()
            .map_err(|e| Error::from_io(image_path(path), e))?;
        if !meta.is_file() {
            return Ok((meta, None));
        }
        let fd = OwnedFd::from(ofd);
        let opened = if self.parent_reopen {
            Err(Errno::NOENT)
        } else {
            reopen_via_proc(&fd)
        };
        let file = match opened {
            Ok(f) => Ok(File::from(f)),
            // No /proc: reopen through the parent without following the final component, and
            // make sure it is still the inode that was stat'ed.
            Err(Errno::NOENT) | Err(Errno::NOTDIR) => self.reopen_via_parent(path).and_then(|fd| {
                let f = File::from(fd);
                match f.metadata() {
                    Ok(m) if m.dev() == meta.dev() && m.ino() == meta.ino() => Ok(f),
                    Ok(_) => Err(Error::Io {
                        path: image_path(path),
                        source: std::io::Error::other("file replaced while being opened"),
                    }),
                    Err(e) => Err(Error::from_io(image_path(path), e)),
                }
            }),
            Err(e) => Err(Error::from_errno(image_path(path), e)),
        };
        Ok((meta, Some(file)))
    }

    /// The target of a symlink, as stored (not resolved). Not a symlink: [`Error::Io`] EINVAL.
    pub fn read_link(&self, path: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let path = path.as_ref();
        let ipath = image_path(path);
        let fd = self.path_fd(path, false)?;
        let target = rustix::fs::readlinkat(&fd, "", Vec::new())
            .map_err(|e| Error::from_errno(&ipath, e))?;
        Ok(PathBuf::from(OsString::from_vec(target.into_bytes())))
    }

    /// Lists a directory (following symlinks to it inside the root); entries sorted by name bytes,
    /// without `.` and `..`.
    pub fn read_dir(&self, path: impl AsRef<Path>) -> Result<Vec<DirEntry>, Error> {
        let path = path.as_ref();
        let ipath = image_path(path);
        let fd = self.path_fd(path, true)?;
        dir::list(&fd, &ipath)
    }

    /// The canonical image path of `path` ("/usr/lib/sysimage/rpm"), all symlinks resolved inside
    /// the root. The final component must exist.
    pub fn resolve(&self, path: impl AsRef<Path>) -> Result<PathBuf, Error> {
        let path = path.as_ref();
        let walked = resolve::walk(self.root.as_fd(), path, true)
            .map_err(|e| Error::from_errno(image_path(path), e))?;
        Ok(canonical_to_path(&walked.components))
    }

    /// Whether `path` exists (following symlinks inside the root).
    pub fn exists(&self, path: impl AsRef<Path>) -> bool {
        self.path_fd(path.as_ref(), true).is_ok()
    }

    /// An extended attribute of `path` without following a final symlink; `None` when the
    /// attribute is absent or the filesystem has no xattrs.
    pub fn lgetxattr(&self, path: impl AsRef<Path>, name: &str) -> Result<Option<Vec<u8>>, Error> {
        let path = path.as_ref();
        let ipath = image_path(path);
        let fd = self.path_fd(path, false)?;
        // The /proc/self/fd magic link lands on the object the O_PATH fd refers to (the symlink
        // itself for an unfollowed final symlink) and goes no further.
        let proc = proc_fd_path(&fd);
        let via_proc = |buf: &mut [u8]| rustix::fs::getxattr(proc.as_str(), name, buf);
        let first = if self.parent_reopen {
            Err(Errno::NOENT)
        } else {
            read_xattr(&via_proc)
        };
        match first {
            Err(Errno::NOENT) => {}
            other => return xattr_result(other, ipath),
        }
        // /proc is not mounted: read through a real fd, possible for files and directories only.
        let st = rustix::fs::fstat(&fd).map_err(|e| Error::from_errno(&ipath, e))?;
        let real = match FileKind::from_mode(st.st_mode) {
            FileKind::File => self.reopen_via_parent(path)?,
            FileKind::Dir => rustix::fs::openat(
                &fd,
                ".",
                OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
                Mode::empty(),
            )
            .map_err(|e| Error::from_errno(&ipath, e))?,
            kind => {
                return Err(Error::Io {
                    path: ipath,
                    source: std::io::Error::new(
                        std::io::ErrorKind::Unsupported,
                        format!(
                            "extended attributes of a {} need /proc mounted",
                            kind.name()
                        ),
                    ),
                })
            }
        };
        let via_fd = |buf: &mut [u8]| rustix::fs::fgetxattr(&real, name, buf);
        xattr_result(read_xattr(&via_fd), ipath)
    }

    /// A directory of the image as a root of its own (confined to that directory, which is
    /// stricter than the image root: absolute symlinks below it resolve at the directory).
    /// To walk a tree with image semantics use [`Rootfs::walk`] or [`Rootfs::read_dir`].
    pub fn open_dir(&self, path: impl AsRef<Path>) -> Result<Rootfs, Error> {
        let path = path.as_ref();
        let ipath = image_path(path);
        let walked = resolve::walk(self.root.as_fd(), path, true)
            .map_err(|e| Error::from_errno(&ipath, e))?;
        let st = rustix::fs::fstat(&walked.fd).map_err(|e| Error::from_errno(&ipath, e))?;
        if FileKind::from_mode(st.st_mode) != FileKind::Dir {
            return Err(Error::from_errno(&ipath, Errno::NOTDIR));
        }
        let mut host = self.host.clone();
        for c in &walked.components {
            host.push(c);
        }
        Ok(Rootfs {
            root: walked.fd,
            host,
            resolver: self.resolver,
            parent_reopen: self.parent_reopen,
        })
    }

    /// Walks the tree under `path` in pre-order (entries of a directory sorted by name), never
    /// following symlinks, descending at most `max_depth` levels below `path`. `f` gets each entry
    /// and returns whether to descend into it (ignored for non-directories). Directories that
    /// cannot be listed do not stop the walk: their errors are returned.
    pub fn walk(
        &self,
        path: impl AsRef<Path>,
        max_depth: usize,
        mut f: impl FnMut(&WalkEntry) -> bool,
    ) -> Result<Vec<Error>, Error> {
        let path = path.as_ref();
        let ipath = image_path(path);
        let walked = resolve::walk(self.root.as_fd(), path, true)
            .map_err(|e| Error::from_errno(&ipath, e))?;
        let start = canonical_to_path(&walked.components);
        let mut errors = Vec::new();
        dir::walk_fd(&walked.fd, &start, 1, max_depth, &mut f, &mut errors)?;
        Ok(errors)
    }
}

/// Largest extended attribute value read.
const MAX_XATTR: usize = 1 << 20;

/// An extended attribute of a file already opened through [`Rootfs`] (`fgetxattr`): `None` when
/// absent or the filesystem has no xattrs; values over 1 MiB are an error.
pub fn file_xattr(file: &std::fs::File, name: &str) -> std::io::Result<Option<Vec<u8>>> {
    let get = |buf: &mut [u8]| rustix::fs::fgetxattr(file, name, buf);
    read_xattr(&get).map_err(std::io::Error::from)
}

/// Reads one xattr value with `get` (a getxattr flavour), growing the buffer on ERANGE.
/// `Ok(None)`: absent attribute or no xattr support.
fn read_xattr(get: &dyn Fn(&mut [u8]) -> Result<usize, Errno>) -> Result<Option<Vec<u8>>, Errno> {
    let mut buf = vec![0u8; 256];
    loop {
        match get(&mut buf[..]) {
            Ok(n) => {
                buf.truncate(n);
                return Ok(Some(buf));
            }
            Err(Errno::NODATA) | Err(Errno::OPNOTSUPP) => return Ok(None),
            Err(Errno::RANGE) => {
                let need = get(&mut [0u8; 0][..])?;
                if need > MAX_XATTR {
                    return Err(Errno::TOOBIG);
                }
                buf = vec![0u8; need.max(buf.len() * 2)];
            }
            Err(e) => return Err(e),
        }
    }
}

fn xattr_result(
    r: Result<Option<Vec<u8>>, Errno>,
    ipath: PathBuf,
) -> Result<Option<Vec<u8>>, Error> {
    match r {
        Ok(v) => Ok(v),
        Err(Errno::TOOBIG) => Err(Error::TooLarge {
            path: ipath,
            limit: MAX_XATTR as u64,
        }),
        Err(e) => Err(Error::from_errno(ipath, e)),
    }
}

pub(crate) fn proc_fd_path(fd: &impl AsRawFd) -> String {
    format!("/proc/self/fd/{}", fd.as_raw_fd())
}

/// Runs an open with the read flags, with `O_NOATIME` first and without it when refused (EPERM).
fn open_read_flags(open: impl Fn(OFlags) -> Result<OwnedFd, Errno>) -> Result<OwnedFd, Errno> {
    let flags = OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOCTTY | OFlags::NONBLOCK;
    match open(flags | OFlags::NOATIME) {
        Err(Errno::PERM) => open(flags),
        r => r,
    }
}

/// Reopens the inode behind an `O_PATH` fd for reading through `/proc/self/fd/N`.
fn reopen_via_proc(fd: &OwnedFd) -> Result<OwnedFd, Errno> {
    let proc = proc_fd_path(fd);
    open_read_flags(|flags| rustix::fs::open(proc.as_str(), flags, Mode::empty()))
}
