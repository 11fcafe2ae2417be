//! Path resolution confined to an image root: `openat2(RESOLVE_IN_ROOT)` where the kernel has it,
//! and a userspace component-by-component walk that never lets the kernel follow a symlink.

use std::collections::VecDeque;
use std::ffi::OsString;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::io::{BorrowedFd, OwnedFd};
use std::path::Path;

use rustix::fs::{Mode, OFlags, ResolveFlags};
use rustix::io::Errno;

/// Symlinks followed while resolving one path before giving up with ELOOP (the kernel's MAXSYMLINKS).
pub(crate) const MAX_LINKS: u32 = 40;

/// How many times an `openat2` that races with a rename (EAGAIN) is retried before the walk takes over.
const OPENAT2_RETRIES: usize = 8;

/// Which implementation resolves paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolver {
    /// `openat2(RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS)`.
    Openat2,
    /// The userspace walk (`O_PATH|O_NOFOLLOW` per component, `readlink`, restart at the root).
    Userspace,
}

/// Whether this kernel (and seccomp policy) lets us use openat2 with RESOLVE_IN_ROOT.
pub(crate) fn openat2_works(root: BorrowedFd<'_>) -> bool {
    rustix::fs::openat2(
        root,
        ".",
        OFlags::PATH | OFlags::CLOEXEC,
        Mode::empty(),
        ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
    )
    .is_ok()
}

/// Outcome of an openat2 attempt.
pub(crate) enum Openat2 {
    Done(OwnedFd),
    /// Resolution must be redone by the userspace walk (ELOOP: the walk decides whether it is a real
    /// loop or a magic link; ENOSYS/EAGAIN/ENAMETOOLONG: openat2 unusable for this path).
    UseWalk,
    Failed(Errno),
}

/// Opens `path` (an image path) as an `O_PATH` fd with openat2 confined to `root`.
pub(crate) fn open_openat2(root: BorrowedFd<'_>, path: &Path, follow_final: bool) -> Openat2 {
    let rel: &Path = if path.as_os_str().is_empty() {
        Path::new(".")
    } else {
        path
    };
    let mut flags = OFlags::PATH | OFlags::CLOEXEC;
    if !follow_final {
        flags |= OFlags::NOFOLLOW;
    }
    for _ in 0..OPENAT2_RETRIES {
        match rustix::fs::openat2(
            root,
            rel,
            flags,
            Mode::empty(),
            ResolveFlags::IN_ROOT | ResolveFlags::NO_MAGICLINKS,
        ) {
            Ok(fd) => return Openat2::Done(fd),
            Err(Errno::AGAIN) | Err(Errno::INTR) => continue,
            // ENAMETOOLONG: the whole path exceeds PATH_MAX, which the walk (one component at a
            // time) does not mind.
            Err(Errno::LOOP) | Err(Errno::NOSYS) | Err(Errno::XDEV) | Err(Errno::NAMETOOLONG) => {
                return Openat2::UseWalk
            }
            Err(e) => return Openat2::Failed(e),
        }
    }
    Openat2::UseWalk
}

/// Result of the userspace walk: the `O_PATH` fd of the object and its canonical image path
/// components (no `.`/`..`, no symlink except possibly an unfollowed final one).
pub(crate) struct Walked {
    pub fd: OwnedFd,
    pub components: Vec<OsString>,
}

/// Splits a path into components, keeping `.` and `..`. A trailing `/` becomes a final `.`: like a
/// `.` after a component, it makes that component non-final (a symlink there is followed) and
/// requires it to be a directory, which is the kernel's rule for both.
fn split(bytes: &[u8]) -> VecDeque<OsString> {
    let mut v: VecDeque<OsString> = bytes
        .split(|b| *b == b'/')
        .filter(|c| !c.is_empty())
        .map(|c| OsString::from_vec(c.to_vec()))
        .collect();
    if bytes.ends_with(b"/") && !v.is_empty() {
        v.push_back(OsString::from("."));
    }
    v
}

fn dup_root(root: BorrowedFd<'_>) -> Result<OwnedFd, Errno> {
    rustix::fs::openat(
        root,
        ".",
        OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )
}

/// Reopens a canonical directory path from the root without following any symlink; a component
/// that has turned into a symlink or a non-directory since it was resolved is an error.
pub(crate) fn reopen_canonical(
    root: BorrowedFd<'_>,
    components: &[OsString],
) -> Result<OwnedFd, Errno> {
    let mut cur = dup_root(root)?;
    for c in components {
        cur = rustix::fs::openat(
            &cur,
            c.as_os_str(),
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
    }
    Ok(cur)
}

/// Resolves `path` inside `root` as if chrooted there, one component at a time: every component is
/// opened with `O_PATH|O_NOFOLLOW`; symlinks are read and their targets spliced into the remaining
/// components (absolute ones restart at the root); `..` never climbs above the root.
pub(crate) fn walk(root: BorrowedFd<'_>, path: &Path, follow_final: bool) -> Result<Walked, Errno> {
    let mut queue = split(path.as_os_str().as_bytes());
    let mut cur = dup_root(root)?;
    let root_st = rustix::fs::fstat(&cur)?;
    let root_id = (root_st.st_dev, root_st.st_ino);
    let mut canon: Vec<OsString> = Vec::new();
    // (st_dev, st_ino) of each directory in `canon`, to check a `..` step lands where expected.
    let mut ids: Vec<(u64, u64)> = Vec::new();
    let mut links = 0u32;
    while let Some(c) = queue.pop_front() {
        if c.as_bytes() == b"." {
            // The previous component was not final, hence followed and checked to be a directory.
            continue;
        }
        if c.as_bytes() == b".." {
            if canon.pop().is_some() {
                ids.pop();
                // One step up through the kernel's `..`, accepted only if it is the directory we
                // came through (else a rename raced us: redo the canonical path from the root).
                // This keeps `..` O(1) instead of O(depth), so `../` chains cannot be quadratic.
                let expected = ids.last().copied().unwrap_or(root_id);
                let up = rustix::fs::openat(
                    &cur,
                    "..",
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::NOFOLLOW | OFlags::CLOEXEC,
                    Mode::empty(),
                )?;
                let st = rustix::fs::fstat(&up)?;
                cur = if (st.st_dev, st.st_ino) == expected {
                    up
                } else {
                    reopen_canonical(root, &canon)?
                };
            }
            continue;
        }
        let last = queue.is_empty();
        let fd = rustix::fs::openat(
            &cur,
            c.as_os_str(),
            OFlags::PATH | OFlags::NOFOLLOW | OFlags::CLOEXEC,
            Mode::empty(),
        )?;
        let st = rustix::fs::fstat(&fd)?;
        let fmt = st.st_mode & libc::S_IFMT;
        if fmt == libc::S_IFLNK && (!last || follow_final) {
            links += 1;
            if links > MAX_LINKS {
                return Err(Errno::LOOP);
            }
            let target = rustix::fs::readlinkat(&fd, "", Vec::new())?;
            let target = target.as_bytes();
            if target.is_empty() {
                return Err(Errno::NOENT);
            }
            let mut spliced = split(target);
            spliced.extend(queue.drain(..));
            queue = spliced;
            if target[0] == b'/' {
                cur = dup_root(root)?;
                canon.clear();
                ids.clear();
            }
            continue;
        }
        if fmt != libc::S_IFDIR && !last {
            return Err(Errno::NOTDIR);
        }
        cur = fd;
        canon.push(c);
        ids.push((st.st_dev, st.st_ino));
    }
    Ok(Walked {
        fd: cur,
        components: canon,
    })
}
