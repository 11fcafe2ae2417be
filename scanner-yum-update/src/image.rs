//! The image side of a scan, read only through the confined `rootfs` API: configuration files
//! for [`crate::config`], and the installed packages from the image's rpm database.

use rootfs::{FileKind, Rootfs};

use crate::config::{ConfigError, ImageFiles};
use crate::model::{Dep, Evr, InstalledPkg};

/// Largest configuration file read from an image.
const MAX_CONFIG: u64 = 4 * 1024 * 1024;

/// An installed package with the provides the release detection needs (name, flags, version).
#[derive(Debug, Clone)]
pub struct Installed {
    pub pkg: InstalledPkg,
    pub raw_provides: Vec<(String, u32, String)>,
}

/// Reading the installed packages failed.
#[derive(Debug, thiserror::Error)]
pub enum ImageError {
    #[error("rpm database: {0}")]
    Rpmdb(#[from] rpmdb::Error),
}

/// [`ImageFiles`] over a [`Rootfs`].
pub struct RootfsFiles<'a>(pub &'a Rootfs);

impl ImageFiles for RootfsFiles<'_> {
    fn read_text(&self, path: &str) -> Result<Option<String>, ConfigError> {
        Ok(self
            .read_bytes(path)?
            .map(|b| String::from_utf8_lossy(&b).into_owned()))
    }

    fn read_bytes(&self, path: &str) -> Result<Option<Vec<u8>>, ConfigError> {
        match self.0.read(path, MAX_CONFIG) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(ConfigError::Image {
                path: path.to_string(),
                message: e.to_string(),
            }),
        }
    }

    fn list_files(&self, dir: &str) -> Result<Vec<String>, ConfigError> {
        let entries = match self.0.read_dir(dir) {
            Ok(v) => v,
            Err(e) if e.is_not_found() => return Ok(Vec::new()),
            Err(rootfs::Error::NotRegular { .. }) => return Ok(Vec::new()),
            Err(e) => {
                return Err(ConfigError::Image {
                    path: dir.to_string(),
                    message: e.to_string(),
                })
            }
        };
        let mut out = Vec::new();
        for e in entries {
            let name = e.name.to_string_lossy().into_owned();
            let regular = match e.file_type {
                FileKind::File => true,
                FileKind::Symlink => {
                    let p = format!("{}/{}", dir.trim_end_matches('/'), name);
                    self.0.metadata(&p).map(|m| m.is_file()).unwrap_or(false)
                }
                _ => false,
            };
            if regular {
                out.push(name);
            }
        }
        Ok(out)
    }
}

/// The installed packages of the image (gpg-pubkey pseudo packages and headers rpm would skip
/// are left out), in database order.
pub fn installed_packages(root: &Rootfs) -> Result<Vec<Installed>, ImageError> {
    let db = rpmdb::Database::open(root)?;
    let mut out = Vec::new();
    for raw in db.headers()? {
        let Ok(p) = rpmdb::parse_package_id_checked(raw.blob)? else {
            continue;
        };
        let Some(arch) = p.arch.clone() else { continue };
        if p.name == "gpg-pubkey" {
            continue;
        }
        let provides = p
            .provides
            .iter()
            .map(|d| Dep::from_rpm(&d.name, d.flags, &d.version))
            .collect();
        out.push(Installed {
            raw_provides: p
                .provides
                .iter()
                .map(|d| (d.name.clone(), d.flags, d.version.clone()))
                .collect(),
            pkg: InstalledPkg {
                evr: Evr::new(p.epoch.unwrap_or(0), &p.version, &p.release),
                name: p.name,
                arch,
                provides,
            },
        });
    }
    Ok(out)
}
