//! Reading repository files: `file://` URLs name paths on the scanning host (as
//! `dnf --installroot` treats them) and only regular files are opened; `http(s)://` is not
//! supported by this build and reported as such. Every metadata file is verified against the
//! checksum repomd.xml gives for it.

use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;

use sha1::Sha1;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

/// A repository file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: {message}")]
    Unsupported { url: String, message: String },
    #[error("{url}: {source}")]
    Io {
        url: String,
        #[source]
        source: io::Error,
    },
    #[error("{url}: not a regular file")]
    NotRegular { url: String },
    #[error("{url}: checksum mismatch ({kind} {expected} expected, {actual} found)")]
    Checksum {
        url: String,
        kind: String,
        expected: String,
        actual: String,
    },
    #[error("{url}: unknown checksum type {kind}")]
    UnknownChecksum { url: String, kind: String },
    #[error("{url}: larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
}

/// Joins a base URL and a relative href, refusing hrefs that climb out of the base.
pub fn join(base: &str, href: &str) -> Result<String, FetchError> {
    if href.contains("://") {
        return Ok(href.to_string());
    }
    if href.starts_with('/') || href.split('/').any(|c| c == "..") {
        return Err(FetchError::Unsupported {
            url: href.to_string(),
            message: "metadata location outside the repository".into(),
        });
    }
    Ok(format!("{}/{}", base.trim_end_matches('/'), href))
}

/// The host path of a `file://` URL (percent-escapes decoded), None for other schemes.
pub fn file_path(url: &str) -> Option<PathBuf> {
    let rest = url.strip_prefix("file://")?;
    // file://localhost/x and file:///x
    let rest = rest.strip_prefix("localhost").unwrap_or(rest);
    let bytes = rest.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(b) = u8::from_str_radix(&rest[i + 1..i + 3], 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    use std::os::unix::ffi::OsStringExt;
    Some(PathBuf::from(std::ffi::OsString::from_vec(out)))
}

/// Opens a repository file for reading.
pub fn open(url: &str) -> Result<Box<dyn Read + Send>, FetchError> {
    if let Some(path) = file_path(url) {
        let io_err = |source| FetchError::Io {
            url: url.to_string(),
            source,
        };
        // O_NONBLOCK: a FIFO planted in a mirror must not hang the scan.
        let f = std::fs::OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
            .open(&path)
            .map_err(io_err)?;
        if !f.metadata().map_err(io_err)?.is_file() {
            return Err(FetchError::NotRegular {
                url: url.to_string(),
            });
        }
        return Ok(Box::new(f));
    }
    if url.starts_with("http://") || url.starts_with("https://") {
        return Err(FetchError::Unsupported {
            url: url.to_string(),
            message: "http(s) repositories are not supported by this build; mirror the repository locally and pass --repo-baseurl ID=file:///path".into(),
        });
    }
    Err(FetchError::Unsupported {
        url: url.to_string(),
        message: "unsupported URL scheme".into(),
    })
}

/// Reads a whole small file (repomd.xml) with a size limit.
pub fn read_all(url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
    let mut r = open(url)?.take(limit + 1);
    let mut v = Vec::new();
    r.read_to_end(&mut v).map_err(|source| FetchError::Io {
        url: url.to_string(),
        source,
    })?;
    if v.len() as u64 > limit {
        return Err(FetchError::TooLarge {
            url: url.to_string(),
            limit,
        });
    }
    Ok(v)
}

enum Hasher {
    Sha1(Sha1),
    Sha224(Sha224),
    Sha256(Sha256),
    Sha384(Sha384),
    Sha512(Sha512),
    Md5(md5::Md5),
}

/// A reader that hashes everything read through it.
pub struct Verifying<R> {
    inner: R,
    hasher: Hasher,
    url: String,
    kind: String,
    expected: String,
}

impl<R: Read> Verifying<R> {
    pub fn new(inner: R, url: &str, kind: &str, expected: &str) -> Result<Self, FetchError> {
        let hasher = match kind {
            "sha" | "sha1" => Hasher::Sha1(Sha1::new()),
            "sha224" => Hasher::Sha224(Sha224::new()),
            "sha256" => Hasher::Sha256(Sha256::new()),
            "sha384" => Hasher::Sha384(Sha384::new()),
            "sha512" => Hasher::Sha512(Sha512::new()),
            "md5" => Hasher::Md5(md5::Md5::new()),
            _ => {
                return Err(FetchError::UnknownChecksum {
                    url: url.to_string(),
                    kind: kind.to_string(),
                })
            }
        };
        Ok(Verifying {
            inner,
            hasher,
            url: url.to_string(),
            kind: kind.to_string(),
            expected: expected.to_ascii_lowercase(),
        })
    }
}

/// The finishing half of a [`Verifying`] reader, kept after the reader is handed to a decoder.
pub struct Check {
    state: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    url: String,
    kind: String,
    expected: String,
}

impl Check {
    /// Errors unless the whole file was read and its digest is the expected one.
    pub fn verify(&self) -> Result<(), FetchError> {
        let actual = self
            .state
            .lock()
            .map(|s| s.clone())
            .unwrap_or(None)
            .unwrap_or_else(|| "(file not read to the end)".into());
        if actual != self.expected {
            return Err(FetchError::Checksum {
                url: self.url.clone(),
                kind: self.kind.clone(),
                expected: self.expected.clone(),
                actual,
            });
        }
        Ok(())
    }
}

/// A [`Verifying`] reader that publishes its final digest for a [`Check`].
pub struct Published<R> {
    v: Verifying<R>,
    state: std::sync::Arc<std::sync::Mutex<Option<String>>>,
    done: bool,
}

impl<R: Read> Verifying<R> {
    /// Splits into a reader and the check to run after reading it to the end.
    pub fn publish(self) -> (Published<R>, Check) {
        let state = std::sync::Arc::new(std::sync::Mutex::new(None));
        let check = Check {
            state: state.clone(),
            url: self.url.clone(),
            kind: self.kind.clone(),
            expected: self.expected.clone(),
        };
        (
            Published {
                v: self,
                state,
                done: false,
            },
            check,
        )
    }
}

impl<R: Read> Read for Published<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.v.inner.read(buf)?;
        match &mut self.v.hasher {
            Hasher::Sha1(h) => h.update(&buf[..n]),
            Hasher::Sha224(h) => h.update(&buf[..n]),
            Hasher::Sha256(h) => h.update(&buf[..n]),
            Hasher::Sha384(h) => h.update(&buf[..n]),
            Hasher::Sha512(h) => h.update(&buf[..n]),
            Hasher::Md5(h) => h.update(&buf[..n]),
        }
        if n == 0 && !buf.is_empty() && !self.done {
            self.done = true;
            let hex = match std::mem::replace(&mut self.v.hasher, Hasher::Sha1(Sha1::new())) {
                Hasher::Sha1(h) => hex::encode(h.finalize()),
                Hasher::Sha224(h) => hex::encode(h.finalize()),
                Hasher::Sha256(h) => hex::encode(h.finalize()),
                Hasher::Sha384(h) => hex::encode(h.finalize()),
                Hasher::Sha512(h) => hex::encode(h.finalize()),
                Hasher::Md5(h) => hex::encode(h.finalize()),
            };
            if let Ok(mut s) = self.state.lock() {
                *s = Some(hex);
            }
        }
        Ok(n)
    }
}
