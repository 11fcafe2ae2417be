//! Reading `rpmdb.sqlite` through SQLite itself (`SELECT hnum, blob FROM Packages`), never
//! writing anything into the image: the general path, for every file the direct reader
//! declines (a pending WAL or journal, another schema, damage SQLite must judge).
//!
//! SQLite opens files by name, which would bypass the confined rootfs access, and even a
//! read-only open of a WAL-mode database in place can create or rewrite `rpmdb.sqlite-shm`
//! next to it. So the database is never opened in place: the bytes of the file (already
//! opened through the rootfs API) are copied into a private temporary directory and SQLite
//! opens that copy.
//! - Without a non-empty `-wal` file, the copy is opened as `file:...?mode=ro&immutable=1`:
//!   no locking, no side files, and nothing in a WAL to miss.
//! - With a non-empty `-wal` file, the WAL is copied beside the database copy and the copy is
//!   opened without `immutable`, so SQLite applies the committed transactions that were never
//!   checkpointed. The image's `-shm` is deliberately not copied: it is only an index of the
//!   WAL that SQLite rebuilds from the WAL itself, so a stale or hostile one from the image can
//!   have no effect.
//! - With a non-empty `-journal` file (a rollback journal left by an interrupted transaction
//!   in a non-WAL database), the journal is copied too and the copy is opened read-write, so
//!   SQLite rolls the unfinished transaction back in the copy and reads the last committed
//!   state, as rpm would see it after recovery.
//!
//! The temporary directory is removed when reading ends.

use std::fs::File;
use std::io::{self, Write};
use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use super::super::{BackendError, RawHeader, ReadAt, MAX_HEADER_BYTES};
use super::{SqliteFiles, MAX_FILE_BYTES};

/// Reads every header blob through SQLite from a private copy of the database (with its
/// `-wal` or `-journal` file when non-empty), sorted by hnum. The caller has checked the sizes
/// (`size`, `wal_size`, `journal_size`) against [`MAX_FILE_BYTES`] and the file's magic.
pub(super) fn read_headers(
    files: SqliteFiles<'_>,
    (size, wal_size, journal_size): (u64, u64, u64),
    path: &Path,
) -> Result<Vec<RawHeader>, BackendError> {
    let db = files.db;
    let tmp = tempfile::Builder::new()
        .prefix("rpmdb-sqlite-")
        .tempdir()
        .map_err(|e| BackendError::io(path, e))?;
    let copy = tmp.path().join("rpmdb.sqlite");
    copy_file(db, size, &copy).map_err(|e| BackendError::io(path, e))?;
    let copy_side = |f: Option<&File>, size: u64, suffix: &str| -> Result<bool, BackendError> {
        match f {
            Some(f) if size > 0 => {
                copy_file(f, size, &tmp.path().join(format!("rpmdb.sqlite{suffix}")))
                    .map_err(|e| BackendError::io(path, e))?;
                Ok(true)
            }
            _ => Ok(false),
        }
    };
    let has_wal = copy_side(files.wal, wal_size, "-wal")?;
    let has_journal = copy_side(files.journal, journal_size, "-journal")?;
    let mut flags = OpenFlags::SQLITE_OPEN_URI | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let uri = if has_journal {
        // Hot journal: SQLite must be able to roll it back, in our copy.
        flags |= OpenFlags::SQLITE_OPEN_READ_WRITE;
        format!("file:{}", uri_escape(&copy))
    } else if has_wal {
        flags |= OpenFlags::SQLITE_OPEN_READ_ONLY;
        format!("file:{}?mode=ro", uri_escape(&copy))
    } else {
        flags |= OpenFlags::SQLITE_OPEN_READ_ONLY;
        format!("file:{}?mode=ro&immutable=1", uri_escape(&copy))
    };
    let sql_err = |source| BackendError::Sqlite {
        path: path.to_path_buf(),
        source,
    };
    let conn = Connection::open_with_flags(&uri, flags).map_err(sql_err)?;
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
    // The schema comes from the image: a generated column can fabricate blobs that take no room
    // in the file. Untrusted schema functions are off, and every blob is measured before it is
    // copied out (one header at most MAX_HEADER_BYTES, all of them at most the file-size cap).
    conn.execute_batch("PRAGMA trusted_schema = OFF")
        .map_err(sql_err)?;
    let mut stmt = conn
        .prepare(
            "SELECT hnum, CASE WHEN length(blob) <= ?1 THEN blob END, length(blob) \
             FROM Packages ORDER BY hnum",
        )
        .map_err(sql_err)?;
    let mut rows = stmt.query([MAX_HEADER_BYTES as i64]).map_err(sql_err)?;
    let mut out = Vec::new();
    let mut total: u64 = 0;
    while let Some(row) = rows.next().map_err(sql_err)? {
        let hnum: i64 = row.get(0).map_err(sql_err)?;
        let hnum = u32::try_from(hnum)
            .ok()
            .filter(|&h| h != 0)
            .ok_or_else(|| {
                BackendError::corrupt(path, None, format!("Packages row with invalid hnum {hnum}"))
            })?;
        let len: Option<i64> = row.get(2).map_err(sql_err)?;
        let len = len.unwrap_or(0).max(0) as u64;
        total += len;
        if len > MAX_HEADER_BYTES || total > MAX_FILE_BYTES {
            return Err(BackendError::corrupt(
                path,
                None,
                format!(
                    "Packages row {hnum}: a {len}-byte header blob passes the limits \
                     ({MAX_HEADER_BYTES} bytes per header, {MAX_FILE_BYTES} in all)"
                ),
            ));
        }
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
