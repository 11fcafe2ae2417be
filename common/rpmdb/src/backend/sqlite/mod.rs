//! Reader for rpm's sqlite `rpmdb.sqlite`, never writing anything into the image.
//!
//! Two ways to the same rows: `direct` reads rpm's `Packages` table straight from the
//! file's bytes when the file is exactly what rpm writes and nothing is pending in a `-wal` or
//! `-journal` file (the common case: no copy, no temporary files); `engine` asks SQLite
//! itself, on a private copy, for everything else, and its answer (rows or the error) stands.
//! The direct reader declines rather than guesses, so both give the same rows wherever both
//! answer (a test compares them on every fixture). It hands rows out as it reads them, so it
//! can decline after some: the receiver is then told to start over ([`Delivery::Restart`])
//! before SQLite's rows come.

mod direct;
mod engine;

use std::fs::File;
use std::path::Path;

use super::{BackendError, Delivery, HeaderSink, RawHeader, ReadAt};

pub use direct::Decline;

/// Database (+ WAL) files larger than this are refused rather than copied.
pub const MAX_FILE_BYTES: u64 = 1 << 30;
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The files of one sqlite database, opened through the rootfs API.
#[derive(Debug, Clone, Copy)]
pub struct SqliteFiles<'a> {
    /// `rpmdb.sqlite`.
    pub db: &'a File,
    /// `rpmdb.sqlite-wal`, when present.
    pub wal: Option<&'a File>,
    /// `rpmdb.sqlite-journal`, when present.
    pub journal: Option<&'a File>,
}

/// Reads every header blob of `rpmdb.sqlite` (with its `-wal` or `-journal` file if the image
/// has one), sorted by hnum. `path` (the database's path, for messages) names errors.
pub fn read_headers(files: SqliteFiles<'_>, path: &Path) -> Result<Vec<RawHeader>, BackendError> {
    super::collect(|blobs, each| for_each_header(files, path, blobs, each))
}

/// Hands every header blob of `rpmdb.sqlite` (with its `-wal` or `-journal` file if the image
/// has one) to `each`, in hnum order, at the end of `blobs` (see [`Delivery`]). `path` (the
/// database's path, for messages) names errors.
pub fn for_each_header(
    files: SqliteFiles<'_>,
    path: &Path,
    blobs: &mut Vec<u8>,
    each: &mut HeaderSink<'_>,
) -> Result<(), BackendError> {
    let len = |f: Option<&File>| match f {
        Some(f) => f.size().map_err(|e| BackendError::io(path, e)),
        None => Ok(0),
    };
    let size = files.db.size().map_err(|e| BackendError::io(path, e))?;
    let wal_size = len(files.wal)?;
    let journal_size = len(files.journal)?;
    let total = size.saturating_add(wal_size).saturating_add(journal_size);
    if total > MAX_FILE_BYTES {
        return Err(BackendError::TooLarge {
            path: path.to_path_buf(),
            size: total,
            limit: MAX_FILE_BYTES,
        });
    }
    let mut magic = [0u8; 16];
    if size < 512 || files.db.read_exact_at(&mut magic, 0).is_err() || &magic != SQLITE_MAGIC {
        return Err(BackendError::corrupt(
            path,
            None,
            format!("not an SQLite 3 database ({size} bytes, no \"SQLite format 3\" header)"),
        ));
    }
    if wal_size == 0 && journal_size == 0 {
        let mut delivered = false;
        let direct = direct::for_each_row(files.db, blobs, &mut |d| {
            delivered = true;
            each(d)
        });
        if direct.is_ok() {
            return Ok(());
        }
        if delivered {
            each(Delivery::Restart);
        }
    }
    for h in engine::read_headers(files, (size, wal_size, journal_size), path)? {
        let start = blobs.len();
        blobs.extend_from_slice(&h.blob);
        each(Delivery::Header {
            name: h.hnum,
            blobs,
            start,
        });
    }
    Ok(())
}

/// What each of [`read_headers`]' two readers makes of a database file alone (no `-wal` or
/// `-journal`): the direct reader's rows (or why it declines) and SQLite's rows (or its
/// error). For tests that hold the direct reader to SQLite's answer.
pub fn read_both_ways(
    db: &File,
    path: &Path,
) -> (
    Result<Vec<RawHeader>, Decline>,
    Result<Vec<RawHeader>, BackendError>,
) {
    let size = match db.size() {
        Ok(s) => s,
        Err(e) => return (Err(Decline(e.to_string())), Err(BackendError::io(path, e))),
    };
    let direct = direct::read_packages(db);
    let files = SqliteFiles {
        db,
        wal: None,
        journal: None,
    };
    (direct, engine::read_headers(files, (size, 0, 0), path))
}
