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
    #[error("{0} lists no usable repository URL")]
    NoMirrors(String),
    #[error("repomd.xml from {url} does not match any checksum its metalink lists")]
    MetalinkMismatch { url: String },
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

/// Cache of metadata keyed by checksum: parsed metadata in memory (targets sharing a repository
/// parse it once) and, with a directory, the downloaded files of http(s) repositories
/// (`<type>-<checksum>-<file name>`, verified before every use; repomd.xml is never cached).
#[derive(Default)]
pub struct Cache {
    primary: Mutex<HashMap<String, Arc<Vec<primary::PrimaryPkg>>>>,
    updateinfo: Mutex<HashMap<String, Arc<Vec<updateinfo::Advisory>>>>,
    dir: Option<std::path::PathBuf>,
}

impl Cache {
    /// A cache that also keeps downloaded metadata files in `dir` (created when missing).
    pub fn with_dir(dir: impl Into<std::path::PathBuf>) -> Cache {
        Cache {
            dir: Some(dir.into()),
            ..Cache::default()
        }
    }
}

/// Hashes a whole reader with the entry's checksum algorithm; true when it matches.
fn digest_matches(r: impl Read, url: &str, entry: &DataEntry) -> Result<bool, RepoError> {
    let (mut v, check) = Verifying::new(r, url, &entry.checksum_type, &entry.checksum)?.publish();
    std::io::copy(&mut v, &mut std::io::sink()).map_err(|source| FetchError::Io {
        url: url.to_string(),
        source,
    })?;
    Ok(check.verify().is_ok())
}

/// For an http(s) file with a cache directory: the `file://` URL of a verified local copy,
/// downloading it first when the cache does not hold a good one.
fn cached_copy(
    t: &Transport,
    url: &str,
    entry: &DataEntry,
    dir: &std::path::Path,
) -> Result<String, RepoError> {
    cached_copy_within(t, url, entry, dir, max_metadata())
}

/// [`cached_copy`] with an explicit bound on the download. The download goes to a unique
/// temporary file in `dir` (removed on any failure), is hashed while it is written, and is
/// renamed into place only when its checksum matches; a mismatch is reported from that single
/// download.
fn cached_copy_within(
    t: &Transport,
    url: &str,
    entry: &DataEntry,
    dir: &std::path::Path,
    limit: u64,
) -> Result<String, RepoError> {
    let io = |source| FetchError::Io {
        url: dir.display().to_string(),
        source,
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let base = entry.href.rsplit('/').next().unwrap_or("metadata");
    let safe = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
    };
    if !safe(base) || !safe(&entry.checksum) || !safe(&entry.checksum_type) {
        return Err(RepoError::Fetch(FetchError::Unsupported {
            url: url.to_string(),
            message: "metadata name unusable as a cache file name".into(),
        }));
    }
    let path = dir.join(format!("{}-{}-{base}", entry.checksum_type, entry.checksum));
    let local = format!("file://{}", path.display());
    if let Ok(f) = fetch::open(&local) {
        if digest_matches(f, &local, entry)? {
            return Ok(local);
        }
        let _ = std::fs::remove_file(&path);
    }
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(io)?;
    let (mut src, check) = Verifying::new(
        limited_by(t.open(url)?, limit),
        url,
        &entry.checksum_type,
        &entry.checksum,
    )?
    .publish();
    std::io::copy(&mut src, tmp.as_file_mut()).map_err(|source| FetchError::Io {
        url: url.to_string(),
        source,
    })?;
    check.verify()?;
    tmp.persist(&path).map_err(|e| io(e.error))?;
    Ok(local)
}

/// The URL of a metadata file named by repomd.xml. A local (`file://`) file must stay below the
/// repository's own base path once its percent-escapes are decoded (`%2e%2e/` is `../`).
fn entry_url(base: &str, entry: &DataEntry) -> Result<String, RepoError> {
    let root = entry.base.as_deref().unwrap_or(base);
    // A local mirror's repomd.xml may only name files below the mirror itself.
    let inside = |r: &str| {
        let b = base.trim_end_matches('/');
        let r = r.trim_end_matches('/');
        r == b || r.starts_with(&format!("{b}/"))
    };
    if fetch::file_path(root).is_some() && !inside(root) {
        return Err(RepoError::Fetch(FetchError::Unsupported {
            url: root.to_string(),
            message: "xml:base outside the local repository".into(),
        }));
    }
    let url = fetch::join(root, &entry.href)?;
    if let Some(path) = fetch::file_path(&url) {
        let outside = || {
            RepoError::Fetch(FetchError::Unsupported {
                url: url.clone(),
                message: "metadata location outside the repository".into(),
            })
        };
        let base_path = fetch::file_path(base).ok_or_else(outside)?;
        let rest = path.strip_prefix(&base_path).map_err(|_| outside())?;
        if rest
            .components()
            .any(|c| c == std::path::Component::ParentDir)
        {
            return Err(outside());
        }
    }
    Ok(url)
}

fn open_verified(
    t: &Transport,
    cache: &Cache,
    base: &str,
    entry: &DataEntry,
) -> Result<(Box<dyn std::io::BufRead>, fetch::Check, String), RepoError> {
    let url = entry_url(base, entry)?;
    let remote = url.starts_with("http://") || url.starts_with("https://");
    let raw = match (&cache.dir, remote) {
        (Some(dir), true) => fetch::open(&cached_copy(t, &url, entry, dir)?)?,
        _ => t.open(&url)?,
    };
    let (reader, check) =
        Verifying::new(limited(raw), &url, &entry.checksum_type, &entry.checksum)?.publish();
    let r = decompress::reader_for(&entry.href, reader).map_err(|source| FetchError::Io {
        url: url.clone(),
        source,
    })?;
    let r: Box<dyn std::io::BufRead> =
        Box::new(std::io::BufReader::with_capacity(64 * 1024, limited(r)));
    Ok((r, check, url))
}

/// Default bound on any one metadata file, compressed and uncompressed (a compression bomb
/// fails the repository instead of exhausting memory); `YUM_UPDATE_MAX_METADATA` (bytes)
/// overrides it.
pub const DEFAULT_MAX_METADATA: u64 = 2 << 30;

fn max_metadata() -> u64 {
    std::env::var("YUM_UPDATE_MAX_METADATA")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_MAX_METADATA)
}

/// A reader that fails once more than `left` bytes came through.
struct Limited<R> {
    inner: R,
    left: u64,
    limit: u64,
}

impl<R: Read> Read for Limited<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        if n as u64 > self.left {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "metadata larger than {} bytes (limit; set YUM_UPDATE_MAX_METADATA to raise it)",
                    self.limit
                ),
            ));
        }
        self.left -= n as u64;
        Ok(n)
    }
}

fn limited<R: Read>(inner: R) -> Limited<R> {
    limited_by(inner, max_metadata())
}

fn limited_by<R: Read>(inner: R, limit: u64) -> Limited<R> {
    Limited {
        inner,
        left: limit,
        limit,
    }
}

/// The checksum error of a metadata file whose raw bytes do not match repomd, if they do not.
fn raw_digest_mismatch(
    t: &Transport,
    cache: &Cache,
    base: &str,
    entry: &DataEntry,
) -> Option<FetchError> {
    let url = entry_url(base, entry).ok()?;
    let remote = url.starts_with("http://") || url.starts_with("https://");
    let raw = match (&cache.dir, remote) {
        (Some(_), true) => return None,
        _ => t.open(&url).ok()?,
    };
    let (mut r, check) = Verifying::new(limited(raw), &url, &entry.checksum_type, &entry.checksum)
        .ok()?
        .publish();
    std::io::copy(&mut r, &mut std::io::sink()).ok()?;
    check.verify().err()
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
    cache: &Cache,
    base: &str,
    entry: &DataEntry,
) -> Result<Vec<primary::PrimaryPkg>, RepoError> {
    let (mut r, check, url) = open_verified(t, cache, base, entry)?;
    let mut pkgs = Vec::new();
    primary::parse_into(&mut r, &url, &mut pkgs).map_err(|e| match e {
        MetadataError::Xml { .. } => {
            // A checksum failure explains broken XML better than the parser does: hash the
            // raw file again (error path only).
            match check.verify() {
                Err(c) if check.finished() => RepoError::Fetch(c),
                _ => match raw_digest_mismatch(t, cache, base, entry) {
                    Some(c) => RepoError::Fetch(c),
                    None => RepoError::Metadata(e),
                },
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
    cache: &Cache,
    base: &str,
    entry: &DataEntry,
) -> Result<Vec<updateinfo::Advisory>, RepoError> {
    let (mut r, check, url) = open_verified(t, cache, base, entry)?;
    let adv = updateinfo::parse(&mut r, &url)?;
    drain(r, &url)?;
    check.verify()?;
    Ok(adv)
}

fn load_modules(
    t: &Transport,
    cache: &Cache,
    base: &str,
    entry: &DataEntry,
) -> Result<crate::modules::ModuleMetadata, RepoError> {
    let (mut r, check, url) = open_verified(t, cache, base, entry)?;
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

fn load_from(
    t: &Transport,
    base: &str,
    cache: &Cache,
    pins: &[(String, String)],
) -> Result<RepoData, RepoError> {
    let repomd_url = fetch::join(base, "repodata/repomd.xml")?;
    let xml = t.read_all(&repomd_url, MAX_REPOMD)?;
    if !pins.is_empty() {
        let ok = pins.iter().any(|(kind, digest)| {
            let entry = DataEntry {
                kind: "repomd".into(),
                checksum_type: kind.clone(),
                checksum: digest.clone(),
                href: String::new(),
                base: None,
                size: None,
            };
            digest_matches(&xml[..], &repomd_url, &entry).unwrap_or(false)
        });
        if !ok {
            return Err(RepoError::MetalinkMismatch { url: repomd_url });
        }
    }
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
            let a = Arc::new(load_updateinfo(t, cache, base, ui)?);
            if let Ok(mut m) = cache.updateinfo.lock() {
                m.insert(key, a.clone());
            }
            Ok(a)
        });
        let key = format!("{}:{}", prim.checksum_type, prim.checksum);
        let packages = match cache.primary.lock().ok().and_then(|m| m.get(&key).cloned()) {
            Some(p) => Ok(p),
            None => load_primary(t, cache, base, prim).map(|p| {
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
            Some(e) => Some(Arc::new(load_modules(t, cache, base, e)?)),
        },
    })
}

/// URLs of a mirrorlist: every non-comment line that contains `://` or starts with `/`
/// (librepo's rule).
pub fn parse_mirrorlist(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .filter(|l| l.contains("://") || l.starts_with('/'))
        .map(|l| {
            if l.starts_with('/') {
                format!("file://{l}")
            } else {
                l.to_string()
            }
        })
        .collect()
}

/// What a metalink says about repomd.xml.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Metalink {
    /// Base URLs, by preference (highest first).
    pub bases: Vec<String>,
    /// Accepted (algorithm, hex digest) pairs of repomd.xml.
    pub hashes: Vec<(String, String)>,
}

type Attrs = Vec<(Vec<u8>, String)>;

/// Parses a metalink for repomd.xml.
pub fn parse_metalink(xml: &[u8], file: &str) -> Result<Metalink, RepoError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut urls: Vec<(i64, String)> = Vec::new();
    let mut hashes = Vec::new();
    let mut in_repomd = false;
    let mut cur: Option<(Vec<u8>, Attrs)> = None;
    loop {
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| crate::metadata::xml_err(file, e))?;
        match ev {
            Event::Start(ref e) => {
                let name = crate::metadata::local(e.name().as_ref()).to_vec();
                let a = crate::metadata::attrs(e, file)?;
                if name == b"file" {
                    in_repomd = crate::metadata::attr(&a, b"name") == Some("repomd.xml");
                }
                cur = Some((name, a));
            }
            Event::Text(ref t) => {
                if let (true, Some((name, a))) = (in_repomd, &cur) {
                    let text = t
                        .unescape()
                        .map_err(|e| crate::metadata::xml_err(file, e))?;
                    match name.as_slice() {
                        b"hash" => hashes.push((
                            crate::metadata::attr(a, b"type")
                                .unwrap_or_default()
                                .to_string(),
                            text.trim().to_ascii_lowercase(),
                        )),
                        b"url" => {
                            let pref = crate::metadata::attr(a, b"preference")
                                .and_then(|p| p.parse().ok())
                                .unwrap_or(0);
                            let u = text.trim();
                            if let Some(base) = u.strip_suffix("repodata/repomd.xml") {
                                urls.push((pref, base.trim_end_matches('/').to_string()));
                            }
                        }
                        _ => {}
                    }
                }
            }
            Event::End(ref e) => {
                if crate::metadata::local(e.name().as_ref()) == b"file" {
                    in_repomd = false;
                }
                cur = None;
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    urls.sort_by_key(|u| std::cmp::Reverse(u.0));
    Ok(Metalink {
        bases: urls.into_iter().map(|(_, u)| u).collect(),
        hashes,
    })
}

/// Loads a repository from its first working base URL (the baseurls, else the mirrors its
/// metalink or mirrorlist names).
pub fn load(repo: &RepoConfig, cache: &Cache) -> Result<RepoData, RepoError> {
    let t = Transport::for_repo(repo)?;
    let mut pins: Vec<(String, String)> = Vec::new();
    let bases: Vec<String> = if !repo.baseurl.is_empty() {
        repo.baseurl.clone()
    } else if let Some(ml) = &repo.metalink {
        let xml = t.read_all(ml, MAX_REPOMD)?;
        let m = parse_metalink(&xml, ml)?;
        pins = m.hashes;
        m.bases
    } else if let Some(ml) = &repo.mirrorlist {
        let text = t.read_all(ml, MAX_REPOMD)?;
        parse_mirrorlist(&String::from_utf8_lossy(&text))
    } else {
        return Err(RepoError::NoUrl);
    };
    if bases.is_empty() {
        return Err(RepoError::NoMirrors(
            repo.metalink
                .clone()
                .or(repo.mirrorlist.clone())
                .unwrap_or_default(),
        ));
    }
    let mut errors = Vec::new();
    for base in &bases {
        match load_from(&t, base, cache, &pins) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::Digest;

    fn names(dir: &std::path::Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    /// The download cache: a good download lands under its checksum name; a mismatching or
    /// oversized one fails (mismatch reported with both digests) and leaves no file behind.
    #[test]
    fn cache_downloads_are_bounded_verified_and_leave_no_partial_files() {
        let t = tempfile::tempdir().unwrap();
        let src = t.path().join("primary.xml.gz");
        let body = b"0123456789abcdef".repeat(64);
        std::fs::write(&src, &body).unwrap();
        let url = format!("file://{}", src.display());
        let entry = |checksum: String| DataEntry {
            kind: "primary".into(),
            checksum_type: "sha256".into(),
            checksum,
            href: "repodata/primary.xml.gz".into(),
            base: None,
            size: None,
        };
        let good = entry(hex::encode(sha2::Sha256::digest(&body)));
        let tr = Transport::default();

        let dir = t.path().join("bad");
        let e = cached_copy_within(&tr, &url, &entry("00".repeat(32)), &dir, 1 << 20)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("checksum mismatch") && e.contains(&good.checksum),
            "{e}"
        );
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));

        let dir = t.path().join("big");
        let e = cached_copy_within(&tr, &url, &good, &dir, 100)
            .unwrap_err()
            .to_string();
        assert!(e.contains("YUM_UPDATE_MAX_METADATA"), "{e}");
        assert!(names(&dir).is_empty(), "{:?}", names(&dir));

        let dir = t.path().join("ok");
        let local = cached_copy_within(&tr, &url, &good, &dir, 1 << 20).unwrap();
        let name = format!("sha256-{}-primary.xml.gz", good.checksum);
        assert_eq!(names(&dir), [name.as_str()]);
        assert_eq!(local, format!("file://{}", dir.join(&name).display()));
        assert_eq!(std::fs::read(dir.join(&name)).unwrap(), body);
    }
}
