//! The error type of confined rootfs access; every variant names the image path concerned.

use std::io;
use std::path::PathBuf;

/// A failure to access one path inside an image.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: no such file or directory in the image")]
    NotFound { path: PathBuf },
    #[error("{path}: permission denied")]
    PermissionDenied { path: PathBuf },
    #[error("{path}: not a regular file ({kind})")]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{path}: too many levels of symbolic links")]
    Loop { path: PathBuf },
    #[error("{path}: larger than the {limit}-byte limit")]
    TooLarge { path: PathBuf, limit: u64 },
    #[error("{path}: directory has more than {limit} entries")]
    TooManyEntries { path: PathBuf, limit: usize },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl Error {
    /// Maps an OS error met while accessing `path` to the matching variant.
    pub fn from_io(path: impl Into<PathBuf>, err: io::Error) -> Error {
        let path = path.into();
        match err.raw_os_error() {
            Some(libc::ENOENT) => Error::NotFound { path },
            Some(libc::EACCES) | Some(libc::EPERM) => Error::PermissionDenied { path },
            Some(libc::ELOOP) => Error::Loop { path },
            _ => Error::Io { path, source: err },
        }
    }

    pub(crate) fn from_errno(path: impl Into<PathBuf>, err: rustix::io::Errno) -> Error {
        Error::from_io(path, io::Error::from(err))
    }

    /// The image path this error is about.
    pub fn path(&self) -> &std::path::Path {
        match self {
            Error::NotFound { path }
            | Error::PermissionDenied { path }
            | Error::NotRegular { path, .. }
            | Error::Loop { path }
            | Error::TooLarge { path, .. }
            | Error::TooManyEntries { path, .. }
            | Error::Io { path, .. } => path,
        }
    }

    /// True when the path does not exist in the image, including the case where a non-final
    /// component is not a directory (ENOTDIR), which is how `lstat` callers such as rpm see it.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::NotFound { .. } => true,
            Error::Io { source, .. } => source.raw_os_error() == Some(libc::ENOTDIR),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errno_mapping() {
        let e = |n| Error::from_io("/x", io::Error::from_raw_os_error(n));
        assert!(matches!(e(libc::ENOENT), Error::NotFound { .. }));
        assert!(matches!(e(libc::EACCES), Error::PermissionDenied { .. }));
        assert!(matches!(e(libc::EPERM), Error::PermissionDenied { .. }));
        assert!(matches!(e(libc::ELOOP), Error::Loop { .. }));
        assert!(matches!(e(libc::EIO), Error::Io { .. }));
        assert!(e(libc::ENOTDIR).is_not_found());
        assert_eq!(
            e(libc::EACCES).to_string(),
            "/x: permission denied",
            "the message names the image path"
        );
    }
}
