//! Loading one repository: the first working base URL's repomd.xml, then its primary and
//! updateinfo, each verified against repomd's checksum. Parsed metadata is cached in memory by
//! checksum, so targets sharing a repository parse it once.

use std::collections::HashMap;
use std::io::Read;
use std::sync::{Arc, Mutex};

use crate::config::RepoConfig;
use crate::fetch::{self, FetchError, Transport, Verifying};
use crate::metadata::repomd::{DataEntry, Repomd};
use crate::metadata::{decompress, primary, updateinfo, MetadataError};

/// Largest repomd.xml accepted.
const MAX_REPOMD: u64 = 16 * 1024 * 1024;

/// Why a repository could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("{0}")]
    Fetch(#[from] FetchError),
    #[error("{0}")]
    Metadata(#[from] MetadataError),
    #[error("no baseurl, and {0} needs the network to resolve mirrors (not supported); set --repo-baseurl")]
    MirrorsOnly(&'static str),
    #[error("no baseurl, mirrorlist or metalink")]
    NoUrl,
    #[error("{0}")]
    Several(String),
    #[error("{0}")]
    Modules(#[from] crate::modules::ModulesError),
}

/// The metadata of one loaded repository.
#[derive(Debug)]
pub struct RepoData {
    /// The base URL that worked.
    pub baseurl: String,
    pub revision: Option<String>,
    pub packages: Arc<Vec<primary::PrimaryPkg>>,
    pub advisories: Arc<Vec<updateinfo::Advisory>>,
    /// The repo's modules.yaml, when it has one.
    pub modules: Option<Arc<crate::modules::ModuleMetadata>>,
}

/// In-memory cache of parsed metadata keyed by (type, checksum).
#[derive(Default)]
pub struct Cache {
    primary: Mutex<HashMap<String, Arc<Vec<primary::PrimaryPkg>>>>,
    updateinfo: Mutex<HashMap<String, Arc<Vec<updateinfo::Advisory>>>>,
}

fn open_verified(
    t: &Transport,
    base: &str,
    entry: &DataEntry,
) -> Result<(Box<dyn std::io::BufRead>, fetch::Check, String), RepoError> {
    let root = entry.base.as_deref().unwrap_or(base);
    let url = fetch::join(root, &entry.href)?;
    let raw = t.open(&url)?;
    let (reader, check) =
        Verifying::new(raw, &url, &entry.checksum_type, &entry.checksum)?.publish();
    let r = decompress::reader_for(&entry.href, reader).map_err(|source| FetchError::Io {
        url: url.clone(),
        source,
    })?;
    Ok((r, check, url))
}

/// Reads the rest of a stream (so that the checksum covers the whole file).
fn drain(mut r: impl Read, url: &str) -> Result<(), RepoError> {
    std::io::copy(&mut r, &mut std::io::sink()).map_err(|source| FetchError::Io {
        url: url.to_string(),
        source,
    })?;
    Ok(())
}

fn load_primary(
    t: &Transport,
    base: &str,
    entry: &DataEntry,
) -> Result<Vec<primary::PrimaryPkg>, RepoError> {
    let (mut r, check, url) = open_verified(t, base, entry)?;
    let mut pkgs = Vec::new();
    primary::parse(&mut r, &url, |p| pkgs.push(p)).map_err(|e| match e {
        MetadataError::Xml { .. } => {
            // A checksum failure explains broken XML better than the parser does.
            match check.verify() {
                Err(c) => RepoError::Fetch(c),
                Ok(()) => RepoError::Metadata(e),
            }
        }
        e => RepoError::Metadata(e),
    })?;
    drain(r, &url)?;
    check.verify()?;
    Ok(pkgs)
}

fn load_updateinfo(
    t: &Transport,
    base: &str,
    entry: &DataEntry,
) -> Result<Vec<updateinfo::Advisory>, RepoError> {
    let (mut r, check, url) = open_verified(t, base, entry)?;
    let adv = updateinfo::parse(&mut r, &url)?;
    drain(r, &url)?;
    check.verify()?;
    Ok(adv)
}

fn load_modules(
    t: &Transport,
    base: &str,
    entry: &DataEntry,
) -> Result<crate::modules::ModuleMetadata, RepoError> {
    let (mut r, check, url) = open_verified(t, base, entry)?;
    let mut text = String::new();
    r.read_to_string(&mut text)
        .map_err(|source| FetchError::Io {
            url: url.clone(),
            source,
        })?;
    drain(r, &url)?;
    check.verify()?;
    Ok(crate::modules::parse(&text, &url)?)
}

fn load_from(t: &Transport, base: &str, cache: &Cache) -> Result<RepoData, RepoError> {
    let repomd_url = fetch::join(base, "repodata/repomd.xml")?;
    let xml = t.read_all(&repomd_url, MAX_REPOMD)?;
    let md = Repomd::parse(&xml, &repomd_url)?;
    let prim = md.get("primary").expect("Repomd::parse requires primary");
    let (packages, advisories) = std::thread::scope(|sc| {
        let ui = sc.spawn(|| -> Result<Arc<Vec<updateinfo::Advisory>>, RepoError> {
            let Some(ui) = md.get("updateinfo") else {
                return Ok(Arc::new(Vec::new()));
            };
            let key = format!("{}:{}", ui.checksum_type, ui.checksum);
            if let Some(a) = cache
                .updateinfo
                .lock()
                .ok()
                .and_then(|m| m.get(&key).cloned())
            {
                return Ok(a);
            }
            let a = Arc::new(load_updateinfo(t, base, ui)?);
            if let Ok(mut m) = cache.updateinfo.lock() {
                m.insert(key, a.clone());
            }
            Ok(a)
        });
        let key = format!("{}:{}", prim.checksum_type, prim.checksum);
        let packages = match cache.primary.lock().ok().and_then(|m| m.get(&key).cloned()) {
            Some(p) => Ok(p),
            None => load_primary(t, base, prim).map(|p| {
                let p = Arc::new(p);
                if let Ok(mut m) = cache.primary.lock() {
                    m.insert(key, p.clone());
                }
                p
            }),
        };
        let advisories = ui
            .join()
            .unwrap_or_else(|_| Err(RepoError::Several("updateinfo reader panicked".into())));
        (packages, advisories)
    });
    let packages = packages?;
    let advisories = advisories?;
    Ok(RepoData {
        baseurl: base.to_string(),
        revision: md.revision.clone(),
        packages,
        advisories,
        modules: match md.get("modules") {
            None => None,
            Some(e) => Some(Arc::new(load_modules(t, base, e)?)),
        },
    })
}

/// Loads a repository from its first working base URL.
pub fn load(repo: &RepoConfig, cache: &Cache) -> Result<RepoData, RepoError> {
    if repo.baseurl.is_empty() {
        if repo.metalink.is_some() {
            return Err(RepoError::MirrorsOnly("metalink"));
        }
        if repo.mirrorlist.is_some() {
            return Err(RepoError::MirrorsOnly("mirrorlist"));
        }
        return Err(RepoError::NoUrl);
    }
    let t = Transport::for_repo(repo)?;
    let mut errors = Vec::new();
    for base in &repo.baseurl {
        match load_from(&t, base, cache) {
            Ok(d) => return Ok(d),
            Err(e) => errors.push(e),
        }
    }
    if errors.len() == 1 {
        return Err(errors.pop().expect("one error"));
    }
    Err(RepoError::Several(
        errors
            .iter()
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
            .join("; "),
    ))
}
