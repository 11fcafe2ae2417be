//! The error type of the rpmdb crate.

use std::path::PathBuf;

/// Everything that can go wrong while locating, reading or parsing an rpm database.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No rpm database was found in any of the usual places of the image.
    #[error("no rpm database found under {root} (looked in var/lib/rpm, usr/lib/sysimage/rpm, usr/share/rpm)")]
    NoDatabase { root: PathBuf },
    /// A database directory given as such (`--dbpath`) holds no database file.
    #[error("no rpm database in {dir} (none of Packages, rpmdb.sqlite or Packages.db is there)")]
    NoDatabaseFile { dir: PathBuf },
    /// The image could not be read through the confined rootfs API.
    #[error(transparent)]
    Rootfs(#[from] rootfs::Error),
    /// A database backend failed (corrupt, truncated or unsupported file).
    #[error(transparent)]
    Backend(#[from] crate::backend::BackendError),
    /// A header blob is structurally invalid (bad counts, offsets, types or region).
    #[error("corrupt rpm header: {0}")]
    BadHeader(String),
    /// A tag the operation needs is missing from the header.
    #[error("rpm header has no {name} tag ({tag})")]
    MissingTag { tag: u32, name: &'static str },
    /// A tag has a type or element count other than expected.
    #[error("rpm header tag {tag} has an unexpected type or count: {what}")]
    BadTag { tag: u32, what: String },
}

impl Error {
    pub(crate) fn bad_header(msg: impl Into<String>) -> Self {
        Error::BadHeader(msg.into())
    }
}
