//! Reader for rpm's sqlite `rpmdb.sqlite` (`SELECT hnum, blob FROM Packages`), never writing
//! anything into the image.
//!
//! SQLite opens files by name, which would bypass the confined rootfs access, and even a
//! read-only open of a WAL-mode database in place can create or rewrite `rpmdb.sqlite-shm`
//! next to it. So the database is never opened in place: the bytes of the file (already
//! opened through the rootfs API) are copied into a private temporary directory and SQLite
//! opens that copy.
//! - Without a non-empty `-wal` file, the copy is opened as `file:...?mode=ro&immutable=1`:
//!   no locking, no side files, and nothing in a WAL to miss.
//! - With a non-empty `-wal` file, the WAL is copied beside the database copy and the copy is
//!   opened read-only without `immutable`, so SQLite applies the committed transactions that
//!   were never checkpointed. The image's `-shm` is deliberately not copied: it is only an
//!   index of the WAL that SQLite rebuilds from the WAL itself, so a stale or hostile one
//!   from the image can have no effect.
//!
//! The temporary directory is removed when reading ends.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::{BackendError, RawHeader, ReadAt};

/// Database (+ WAL) files larger than this are refused rather than copied.
pub const MAX_FILE_BYTES: u64 = 4 << 30;
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Reads every header blob of `rpmdb.sqlite` (`db`, with its `-wal` file if the image has one),
/// sorted by hnum. `path` (the database's path, for messages) names errors.
pub fn read_headers(
    db: &File,
    wal: Option<&File>,
    path: &Path,
) -> Result<Vec<RawHeader>, BackendError> {
    let size = db.size().map_err(|e| BackendError::io(path, e))?;
    let wal_size = match wal {
        Some(w) => w.size().map_err(|e| BackendError::io(path, e))?,
        None => 0,
    };
    if size.saturating_add(wal_size) > MAX_FILE_BYTES {
        return Err(BackendError::TooLarge {
            path: path.to_path_buf(),
            size: size.saturating_add(wal_size),
            limit: MAX_FILE_BYTES,
        });
    }
    let mut magic = [0u8; 16];
    if size < 512 || db.read_exact_at(&mut magic, 0).is_err() || &magic != SQLITE_MAGIC {
        return Err(BackendError::corrupt(
            path,
            None,
            format!("not an SQLite 3 database ({size} bytes, no \"SQLite format 3\" header)"),
        ));
    }

    let tmp = tempfile::Builder::new()
        .prefix("rpmdb-sqlite-")
        .tempdir()
        .map_err(|e| BackendError::io(path, e))?;
    let copy = tmp.path().join("rpmdb.sqlite");
    copy_file(db, size, &copy).map_err(|e| BackendError::io(path, e))?;
    let use_wal = wal_size > 0;
    if let (Some(w), true) = (wal, use_wal) {
        copy_file(w, wal_size, &tmp.path().join("rpmdb.sqlite-wal"))
            .map_err(|e| BackendError::io(path, e))?;
    }
    let mut uri = format!("file:{}?mode=ro", uri_escape(&copy));
    if !use_wal {
        uri.push_str("&immutable=1");
    }
    let sql_err = |source| BackendError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(
        &uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(sql_err)?;
    let has_table: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'Packages'",
            [],
            |row| row.get(0),
        )
        .map_err(sql_err)?;
    if has_table == 0 {
        return Err(BackendError::corrupt(
            path,
            None,
            "no Packages table (rpm fails with \"cannot open Packages database\")",
        ));
    }
    let mut stmt = conn
        .prepare("SELECT hnum, blob FROM Packages ORDER BY hnum")
        .map_err(sql_err)?;
    let mut rows = stmt.query([]).map_err(sql_err)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next().map_err(sql_err)? {
        let hnum: i64 = row.get(0).map_err(sql_err)?;
        let hnum = u32::try_from(hnum)
            .ok()
            .filter(|&h| h != 0)
            .ok_or_else(|| {
                BackendError::corrupt(path, None, format!("Packages row with invalid hnum {hnum}"))
            })?;
        let blob: Vec<u8> = row.get(1).map_err(|e| {
            BackendError::corrupt(path, None, format!("Packages row {hnum}: blob column: {e}"))
        })?;
        out.push(RawHeader { hnum, blob });
    }
    drop(rows);
    drop(stmt);
    drop(conn);
    tmp.close().map_err(|e| BackendError::io(path, e))?;
    Ok(out)
}

/// Copies exactly `size` bytes of `src` (read positionally) into a new private file `dst`.
fn copy_file(src: &File, size: u64, dst: &Path) -> io::Result<()> {
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(dst)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut off = 0u64;
    while off < size {
        let n = (size - off).min(buf.len() as u64) as usize;
        src.read_exact_at(&mut buf[..n], off)?;
        out.write_all(&buf[..n])?;
        off += n as u64;
    }
    out.flush()
}

/// Percent-encodes a path for an SQLite `file:` URI (everything but unreserved bytes and `/`).
fn uri_escape(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt;
    let mut s = String::new();
    for &b in path.as_os_str().as_bytes() {
        if b.is_ascii_alphanumeric() || b"/-._~".contains(&b) {
            s.push(b as char);
        } else {
            s.push_str(&format!("%{b:02X}"));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_escaping_keeps_paths_intact() {
        assert_eq!(
            uri_escape(Path::new("/tmp/a b?c#d%")),
            "/tmp/a%20b%3Fc%23d%25"
        );
    }
}
