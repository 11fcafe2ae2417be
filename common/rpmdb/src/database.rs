//! Locating an image's rpm database and choosing its backend.
//!
//! [`Database::open`] finds the database directory inside an image the way rpm would: the
//! `%_dbpath` configured in the image's own macro files when that directory holds a database,
//! otherwise the first of `var/lib/rpm`, `usr/lib/sysimage/rpm` and `usr/share/rpm` that does.
//! Symlinks (`/var/lib/rpm -> ../../usr/lib/sysimage/rpm`, absolute ones too) are resolved
//! inside the image by the rootfs crate, never through the host. The backend is the configured
//! `%_db_backend` when its file exists, else the first present in rpm 4.18's detection order
//! (sqlite, ndb, bdb). Every file access goes through [`rootfs::Rootfs`]; the database files are
//! opened once here and only read afterwards.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use rootfs::Rootfs;

use crate::backend::{bdb, ndb, sqlite};
pub use crate::backend::{Backend, BackendError, Delivery, HeaderSink, RawHeader};
use crate::{parse_package_checked, Error, Package};

mod macros;

/// Where real images keep their rpm database, in probing order (image paths).
pub const DB_DIR_CANDIDATES: [&str; 3] =
    ["/var/lib/rpm", "/usr/lib/sysimage/rpm", "/usr/share/rpm"];

/// The open files of one database.
#[derive(Debug)]
enum DbFiles {
    /// `Packages`.
    Bdb(File),
    /// `Packages.db`.
    Ndb(File),
    /// `rpmdb.sqlite` and its `-wal` / `-journal` files when the image has them.
    Sqlite {
        db: File,
        wal: Option<File>,
        journal: Option<File>,
    },
}

/// An rpm database located in an image (or a database directory on the host), with its backend
/// chosen and its files open for reading.
#[derive(Debug)]
pub struct Database {
    backend: Backend,
    /// The database directory: its canonical image path, or the host path for `open_dbpath`.
    path: PathBuf,
    /// The main database file, as shown in messages.
    file_path: PathBuf,
    files: DbFiles,
    /// Messages about headers [`Database::packages`] skipped, as rpm does.
    warnings: Mutex<Vec<String>>,
}

impl Database {
    /// Locates and opens the rpm database of the image `root`.
    /// No database in any known place is [`Error::NoDatabase`], unless a place held something
    /// that could not be used as one (a database file that is a fifo, socket, device or
    /// directory; a database directory or file the scanner may not read): then the first such
    /// problem is the error, so the reason names what is really there.
    pub fn open(root: &Rootfs) -> Result<Database, Error> {
        let config = macros::Config::load(root);
        let mut dirs: Vec<String> = Vec::new();
        if let Some(dbpath) = &config.dbpath {
            dirs.push(dbpath.clone());
        }
        dirs.extend(DB_DIR_CANDIDATES.iter().map(|s| s.to_string()));
        let mut blocker: Option<rootfs::Error> = None;
        for dir in &dirs {
            let dir = Path::new(dir);
            match root.metadata(dir) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => continue,
                Err(e) => {
                    if !e.is_not_found() && blocker.is_none() {
                        blocker = Some(e);
                    }
                    continue;
                }
            }
            if let Some(backend) = detect_backend(root, dir, config.backend, &mut blocker) {
                let canonical = root.resolve(dir)?;
                return Database::open_files(root, dir, canonical, backend);
            }
        }
        Err(match blocker {
            Some(e) => Error::Rootfs(e),
            None => Error::NoDatabase {
                root: root.host_path().to_path_buf(),
            },
        })
    }

    /// Opens the database in the host directory `dir` (like `rpm --dbpath DIR`), detecting the
    /// backend from the files present. Files are opened through a rootfs confined to `dir`.
    pub fn open_dbpath(dir: &Path) -> Result<Database, Error> {
        let root = Rootfs::open(dir)?;
        let backend = detect_backend(&root, Path::new("/"), None, &mut None).ok_or_else(|| {
            Error::NoDatabaseFile {
                dir: dir.to_path_buf(),
            }
        })?;
        Database::open_files(&root, Path::new("/"), dir.to_path_buf(), backend)
    }

    fn open_files(
        root: &Rootfs,
        dir: &Path,
        shown: PathBuf,
        backend: Backend,
    ) -> Result<Database, Error> {
        let name = backend.file_name();
        let db = root.open_file(dir.join(name))?;
        let files = match backend {
            Backend::Sqlite => {
                let side = |suffix: &str| match root.open_file(dir.join(format!("{name}{suffix}")))
                {
                    Ok(f) => Ok(Some(f)),
                    Err(e) if e.is_not_found() => Ok(None),
                    Err(e) => Err(e),
                };
                DbFiles::Sqlite {
                    db,
                    wal: side("-wal")?,
                    journal: side("-journal")?,
                }
            }
            Backend::Bdb => DbFiles::Bdb(db),
            Backend::Ndb => DbFiles::Ndb(db),
        };
        Ok(Database {
            backend,
            file_path: shown.join(name),
            path: shown,
            files,
            warnings: Mutex::new(Vec::new()),
        })
    }

    /// The backend (on-disk format) of this database.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The database directory: canonical image path (`/usr/lib/sysimage/rpm`) for
    /// [`Database::open`], the given host directory for [`Database::open_dbpath`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The main database file (`<path>/Packages`, `rpmdb.sqlite` or `Packages.db`).
    pub fn file_path(&self) -> &Path {
        &self.file_path
    }

    /// Every header blob in the database, sorted by instance number (rpm itself iterates bdb in
    /// hash order, sqlite in hnum order and ndb in blob-offset order; `rpm -qa` output is only
    /// comparable sorted). Instance 0 (bdb's counter record) is never returned.
    pub fn headers(&self) -> Result<Vec<RawHeader>, Error> {
        crate::backend::collect(|blobs, each| self.for_each_header(blobs, each))
    }

    /// Hands every header blob to `each` as it is read, assembled at the end of `blobs` (see
    /// [`Delivery`]), in the backend's storage order, without collecting them: a reader that
    /// processes blobs a few at a time (and empties or swaps the buffer, see [`Delivery`])
    /// holds those instead of the whole database (except
    /// where SQLite itself reads an sqlite database: it returns all rows before they are handed
    /// on). After an error, the blobs already handed over are to be discarded, as
    /// [`Database::headers`] does; after a [`Delivery::Restart`], so are those before it.
    pub fn for_each_header(
        &self,
        blobs: &mut Vec<u8>,
        each: &mut HeaderSink<'_>,
    ) -> Result<(), Error> {
        let path = &self.file_path;
        match &self.files {
            DbFiles::Bdb(f) => bdb::for_each_header(f, path, blobs, each)?,
            DbFiles::Ndb(f) => ndb::for_each_header(f, path, blobs, each)?,
            DbFiles::Sqlite { db, wal, journal } => sqlite::for_each_header(
                sqlite::SqliteFiles {
                    db,
                    wal: wal.as_ref(),
                    journal: journal.as_ref(),
                },
                path,
                blobs,
                each,
            )?,
        }
        Ok(())
    }

    /// Every installed package, parsed, sorted by instance number. Headers rpm would skip
    /// (bad header digest, structurally corrupt, no name/version/release) are skipped the same
    /// way, each with a message in [`Database::warnings`]; damage to the database file itself
    /// is an error.
    pub fn packages(&self) -> Result<Vec<Package>, Error> {
        let mut out = Vec::new();
        let mut warnings = Vec::new();
        for h in self.headers()? {
            match parse_package_checked(h.blob) {
                Ok(Ok(p)) => out.push(p),
                Ok(Err(skipped)) => warnings.push(format!(
                    "{}: skipping h#{}: {}",
                    self.file_path.display(),
                    h.hnum,
                    skipped.reason
                )),
                Err(e) => warnings.push(format!(
                    "{}: skipping h#{}: {e}",
                    self.file_path.display(),
                    h.hnum
                )),
            }
        }
        *self.warnings.lock().unwrap_or_else(|e| e.into_inner()) = warnings;
        Ok(out)
    }

    /// Messages about the headers the last [`Database::packages`] call skipped.
    pub fn warnings(&self) -> Vec<String> {
        self.warnings
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

/// The backend whose file exists in `dir`: the configured one if present, else rpm 4.18's
/// detection order.
fn detect_backend(
    root: &Rootfs,
    dir: &Path,
    configured: Option<Backend>,
    blocker: &mut Option<rootfs::Error>,
) -> Option<Backend> {
    let mut present = |b: Backend| {
        let path = dir.join(b.file_name());
        match root.metadata(&path) {
            Ok(m) if m.is_file() => true,
            Ok(_) => {
                // Something else under the database file's name: opening it (never blocks)
                // names its kind.
                if blocker.is_none() {
                    *blocker = root.open_file(&path).err();
                }
                false
            }
            Err(e) => {
                if !e.is_not_found() && blocker.is_none() {
                    *blocker = Some(e);
                }
                false
            }
        }
    };
    if let Some(b) = configured.filter(|&b| present(b)) {
        return Some(b);
    }
    Backend::DETECTION_ORDER.into_iter().find(|&b| present(b))
}
