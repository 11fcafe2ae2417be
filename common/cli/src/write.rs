//! Atomic file writes shared by everything a scanner binary writes: a temporary file created
//! exclusively in the target directory, then renamed over the name, so a reader sees the old
//! file or the whole new one, never a part, while the system runs. A symlink planted at the
//! name is replaced, never followed.
//!
//! Result files are only atomic ([`write_atomically`]): they are read by `atomic` or a pipeline
//! once the scanner has exited, and a scan cut short by a crash is run again, so flushing them
//! to disk one by one (ten fsyncs per target for the yum-update scanner, a fifth of its run
//! time) buys nothing; after a power cut an unsynced result file may be empty or partial, as
//! the scan itself is lost. Registrations installed into the host's `/etc/atomic.d` are
//! configuration that must survive a power cut: [`write_durably`] also fsyncs the file before
//! the rename and the directory after it.

use std::io::{self, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{AtFlags, Mode, OFlags};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// Whether `name` is usable as one path component inside an output directory: not empty, not
/// `.`/`..`, no `/` and no NUL.
pub fn is_safe_component(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0')
}

fn invalid(msg: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidInput, msg)
}

/// Writes `bytes` to `dir/name` atomically: a temp file created exclusively in `dir`, then
/// renamed over `name` (a symlink at `name` is replaced, never followed). `name` must be a
/// single safe component.
pub fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    write(dir, name, bytes, false)
}

/// [`write_atomically`], and durable: the file is fsynced before the rename and `dir` after it.
pub fn write_durably(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    write(dir, name, bytes, true)
}

fn write(dir: &Path, name: &str, bytes: &[u8], durable: bool) -> io::Result<()> {
    if !is_safe_component(name) {
        return Err(invalid(format!(
            "refusing to write unsafe file name {name:?}"
        )));
    }
    let dirfd = rustix::fs::open(
        dir,
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let tmp = format!(
        ".{name}.tmp.{}.{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    );
    let fd = rustix::fs::openat(
        &dirfd,
        tmp.as_str(),
        OFlags::WRONLY | OFlags::CREATE | OFlags::EXCL | OFlags::NOFOLLOW | OFlags::CLOEXEC,
        Mode::from_raw_mode(0o644),
    )?;
    let mut file = std::fs::File::from(fd);
    let result = (|| -> io::Result<()> {
        file.write_all(bytes)?;
        if durable {
            file.sync_all()?;
        }
        rustix::fs::renameat(&dirfd, tmp.as_str(), &dirfd, name)?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = rustix::fs::unlinkat(&dirfd, tmp.as_str(), AtFlags::empty());
        return Err(e);
    }
    if durable {
        rustix::fs::fsync(&dirfd)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_replace_atomically_and_refuse_escapes() {
        let t = tempfile::tempdir().unwrap();
        write_atomically(t.path(), "json", b"one").unwrap();
        write_atomically(t.path(), "json", b"two").unwrap();
        assert_eq!(std::fs::read(t.path().join("json")).unwrap(), b"two");
        write_durably(t.path(), "json", b"three").unwrap();
        assert_eq!(std::fs::read(t.path().join("json")).unwrap(), b"three");
        // A symlink planted at the name is replaced, its target untouched.
        let victim = t.path().join("victim");
        std::fs::write(&victim, b"keep").unwrap();
        std::os::unix::fs::symlink(&victim, t.path().join("cve.xml")).unwrap();
        write_atomically(t.path(), "cve.xml", b"new").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep");
        assert!(!std::fs::symlink_metadata(t.path().join("cve.xml"))
            .unwrap()
            .file_type()
            .is_symlink());
        for bad in ["", ".", "..", "a/b", "../json"] {
            assert_eq!(
                write_atomically(t.path(), bad, b"x").unwrap_err().kind(),
                io::ErrorKind::InvalidInput
            );
        }
        // No temp files left behind.
        let names: Vec<_> = std::fs::read_dir(t.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 3, "{names:?}");
    }
}
