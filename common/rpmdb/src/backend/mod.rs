//! Database backends: each yields the raw header blobs stored in one on-disk format.
//!
//! The three formats rpm has used for its package database all store, per installed package,
//! one header blob keyed by an instance number ("hnum"). Each submodule reads one container
//! format and returns those blobs, sorted by hnum; none of them interprets the blob itself.
//! All of them only read: nothing is ever written next to the database they are given.

pub mod bdb;
pub mod ndb;
mod source;
pub mod sqlite;

use std::path::{Path, PathBuf};

pub use source::{PageWindow, ReadAt};

/// Headers larger than this are refused (rpm's own limit on a header blob is 256 MiB).
pub const MAX_HEADER_BYTES: u64 = 256 << 20;

/// One package header as stored in the database: its instance number and its blob (no magic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawHeader {
    /// The header instance number rpm reports as `h#N` (`%{DBINSTANCE}`).
    pub hnum: u32,
    /// The header blob: `il`, `dl`, index entries and data store, big-endian.
    pub blob: Vec<u8>,
}

/// What a backend hands its [`HeaderSink`] as it reads.
#[derive(Debug)]
pub enum Delivery<'a, N = u32> {
    /// One header: its name (the instance number, for backends) and its blob, the bytes of
    /// `blobs` from `start` on.
    ///
    /// `blobs` is the buffer the reader was given to assemble blobs in: it appends each blob at
    /// the end of what the buffer holds and never looks at what comes before. The receiver
    /// decides what stays: it takes the blob out ([`take_blob`]), or leaves it there to gather
    /// several blobs in one allocation and swaps the buffer for another when it has enough.
    Header {
        name: N,
        blobs: &'a mut Vec<u8>,
        start: usize,
    },
    /// Every header handed over so far is to be forgotten: the backend starts again another
    /// way (the direct sqlite reader met something half-way that it leaves to SQLite).
    Restart,
}

/// Where a backend hands each header blob as it reads it. Blobs come in the backend's storage
/// order, not sorted; after an error, the blobs already handed over are not to be used.
pub type HeaderSink<'s> = dyn FnMut(Delivery<'_>) + 's;

/// Takes the blob at `blobs[start..]` out of the buffer: the whole buffer (no copy) when it
/// holds nothing else.
pub fn take_blob(blobs: &mut Vec<u8>, start: usize) -> Vec<u8> {
    if start == 0 {
        std::mem::take(blobs)
    } else {
        blobs.split_off(start)
    }
}

/// Runs a streaming backend reader and collects its blobs, sorted by hnum.
pub(crate) fn collect<E>(
    read: impl FnOnce(&mut Vec<u8>, &mut HeaderSink<'_>) -> Result<(), E>,
) -> Result<Vec<RawHeader>, E> {
    let mut out = Vec::new();
    read(&mut Vec::new(), &mut |d| match d {
        Delivery::Header { name, blobs, start } => out.push(RawHeader {
            hnum: name,
            blob: take_blob(blobs, start),
        }),
        Delivery::Restart => out.clear(),
    })?;
    out.sort_by_key(|h| h.hnum);
    Ok(out)
}

/// The three on-disk formats of the rpm package database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// Berkeley DB hash file `Packages` (rpm ≤ 4.15 default; RHEL/CentOS 5-8, SLES 12, AL2).
    Bdb,
    /// SQLite file `rpmdb.sqlite` (Fedora ≥ 33, RHEL 9, Amazon Linux 2023).
    Sqlite,
    /// SUSE's `Packages.db` (SLE/openSUSE 15).
    Ndb,
}

impl Backend {
    /// Detection order of rpm 4.18 (`dbDetectBackend`): sqlite, then ndb, then bdb.
    pub const DETECTION_ORDER: [Backend; 3] = [Backend::Sqlite, Backend::Ndb, Backend::Bdb];

    /// The file holding the package blobs, inside the database directory.
    pub fn file_name(self) -> &'static str {
        match self {
            Backend::Bdb => "Packages",
            Backend::Sqlite => "rpmdb.sqlite",
            Backend::Ndb => "Packages.db",
        }
    }

    /// The backend a `%_db_backend` value names (`bdb_ro` and `bdb` both read `Packages`).
    pub fn from_macro_value(value: &str) -> Option<Backend> {
        match value.trim() {
            "sqlite" => Some(Backend::Sqlite),
            "ndb" => Some(Backend::Ndb),
            "bdb" | "bdb_ro" => Some(Backend::Bdb),
            _ => None,
        }
    }

    /// rpm's name for the backend, as `%_db_backend` spells it.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Bdb => "bdb",
            Backend::Sqlite => "sqlite",
            Backend::Ndb => "ndb",
        }
    }
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// A backend failure, naming the database file and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {
    /// A database in a format (or format version) this reader does not support.
    #[error("{path}: unsupported rpmdb format: {reason}")]
    Unsupported { path: PathBuf, reason: String },
    /// A database whose structure is damaged or truncated; `page` names the page (BDB) where
    /// that applies.
    #[error("{path}: corrupt rpmdb: {}{reason}", page.map(|p| format!("page {p}: ")).unwrap_or_default())]
    Corrupt {
        path: PathBuf,
        page: Option<u64>,
        reason: String,
    },
    /// Reading the database file failed.
    #[error("{path}: cannot read rpmdb: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// SQLite refused the file or the query (corrupt, not a database, locked ...).
    #[error("{path}: corrupt or unreadable sqlite rpmdb: {source}")]
    Sqlite {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },
    /// The file is implausibly large for an rpm database; refused instead of copied or read.
    #[error("{path}: {size} bytes is over the {limit}-byte limit for an rpm database file")]
    TooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
    },
}

impl BackendError {
    pub(crate) fn corrupt(path: &Path, page: Option<u64>, reason: impl Into<String>) -> Self {
        BackendError::Corrupt {
            path: path.to_path_buf(),
            page,
            reason: reason.into(),
        }
    }

    pub(crate) fn unsupported(path: &Path, reason: impl Into<String>) -> Self {
        BackendError::Unsupported {
            path: path.to_path_buf(),
            reason: reason.into(),
        }
    }

    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        BackendError::Io {
            path: path.to_path_buf(),
            source,
        }
    }

    /// True for the "unsupported format" kind (as opposed to corrupt or unreadable files).
    pub fn is_unsupported(&self) -> bool {
        matches!(self, BackendError::Unsupported { .. })
    }
}
