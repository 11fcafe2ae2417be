//! The error type of the rpmdb crate.

use std::path::PathBuf;

/// Everything that can go wrong while locating, reading or parsing an rpm database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No rpm database was found in any of the usual places of the image.
    #[error("no rpm database found under {root} (looked in var/lib/rpm, usr/lib/sysimage/rpm, usr/share/rpm)")]
    NoDatabase { root: PathBuf },
    /// The image could not be read through the confined rootfs API.
    #[error(transparent)]
    Rootfs(#[from] rootfs::Error),
    /// A database backend failed (corrupt, truncated or unsupported file).
    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),
}
