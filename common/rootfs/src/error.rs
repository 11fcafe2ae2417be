//! The error type of confined rootfs access; every variant names the image path concerned.

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
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}
