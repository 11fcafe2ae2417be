//! Fuzzes the sqlite backend: input starting with the SQLite magic is used as the whole
//! `rpmdb.sqlite` file; anything else becomes rows (hnum, blob) of a real `Packages` table, so
//! header parsing is reached through the backend as a scanner reaches it. The table is created
//! with rpm's own statement, so both the direct reader and (for files it declines) SQLite run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rpmdb.sqlite");
    if data.starts_with(b"SQLite format 3\0") {
        std::fs::write(&path, data).unwrap();
    } else {
        let c = rusqlite::Connection::open(&path).unwrap();
        // No fsync, one transaction: thousands of runs per second instead of a few.
        c.execute_batch(
            "PRAGMA synchronous=OFF; PRAGMA journal_mode=OFF; \
             CREATE TABLE IF NOT EXISTS 'Packages' (hnum INTEGER PRIMARY KEY AUTOINCREMENT,blob BLOB NOT NULL); \
             BEGIN;",
        )
        .unwrap();
        // Rows: hnum (4 bytes BE), blob length (2 bytes BE), blob.
        let mut rest = data;
        while rest.len() >= 6 {
            let hnum = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]);
            let len = usize::from(u16::from_be_bytes([rest[4], rest[5]])).min(rest.len() - 6);
            let _ = c.execute(
                "INSERT INTO Packages (hnum, blob) VALUES (?1, ?2)",
                rusqlite::params![hnum, &rest[6..6 + len]],
            );
            rest = &rest[6 + len..];
        }
        c.execute_batch("COMMIT;").unwrap();
    }
    let f = std::fs::File::open(&path).unwrap();
    let files = rpmdb::backend::sqlite::SqliteFiles {
        db: &f,
        wal: None,
        journal: None,
    };
    if let Ok(hs) = rpmdb::backend::sqlite::read_headers(files, Path::new("rpmdb.sqlite")) {
        for h in hs {
            atomic_scanners_fuzz::exercise_blob(&h.blob);
        }
    }
});
