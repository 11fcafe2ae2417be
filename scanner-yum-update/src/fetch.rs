//! Reading repository files: `file://` URLs name paths on the scanning host (as
//! `dnf --installroot` treats them) and only regular files are opened; `http(s)://` goes through
//! a per-repository agent (rustls with the repo's `sslcacert` or the bundled Mozilla roots, the
//! client certificate of `sslclientcert`/`sslclientkey`, `proxy` or the environment's proxy).
//! Every metadata file is verified against the checksum repomd.xml gives for it.

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
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    #[error("{message}")]
    Tls { message: String },
    #[error("{url}: larger than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
}

/// True when `s` starts with a URL scheme (`file:`, `http:`, ...).
fn has_scheme(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) => {
            scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        }
        None => false,
    }
}

/// Joins a base URL and a relative href, refusing hrefs that climb out of the base. An
/// absolute http(s) href is kept only for a remote base; a local (`file://`) base accepts
/// relative hrefs only, and no base accepts an href naming another scheme (`file:///etc/..`).
pub fn join(base: &str, href: &str) -> Result<String, FetchError> {
    if has_scheme(href) {
        let remote = |u: &str| u.starts_with("http://") || u.starts_with("https://");
        if remote(base) && remote(href) {
            return Ok(href.to_string());
        }
        return Err(FetchError::Unsupported {
            url: href.to_string(),
            message: "metadata location outside the repository".into(),
        });
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
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push(h * 16 + l);
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

/// `sslverify=0`: the server's certificate is not checked (as librepo does then); handshake
/// signatures still are.
#[derive(Debug)]
struct NoServerVerification(std::sync::Arc<rustls::crypto::CryptoProvider>);

impl rustls::client::danger::ServerCertVerifier for NoServerVerification {
    fn verify_server_cert(
        &self,
        _end_entity: &rustls::pki_types::CertificateDer<'_>,
        _intermediates: &[rustls::pki_types::CertificateDer<'_>],
        _server_name: &rustls::pki_types::ServerName<'_>,
        _ocsp_response: &[u8],
        _now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::client::danger::ServerCertVerified, rustls::Error> {
        Ok(rustls::client::danger::ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// How one repository's files are fetched.
#[derive(Clone, Default)]
pub struct Transport {
    agent: Option<ureq::Agent>,
}

impl std::fmt::Debug for Transport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transport")
            .field("http", &self.agent.is_some())
            .finish()
    }
}

fn tls_err(what: &str, path: &str, e: impl std::fmt::Display) -> FetchError {
    FetchError::Tls {
        message: format!("{what} {path}: {e}"),
    }
}

impl Transport {
    /// The transport for a repository: an HTTP agent only when one of its URLs needs it.
    pub fn for_repo(repo: &crate::config::RepoConfig) -> Result<Transport, FetchError> {
        let remote = |u: &str| u.starts_with("http://") || u.starts_with("https://");
        if !repo.baseurl.iter().any(|u| remote(u))
            && !repo.mirrorlist.as_deref().is_some_and(remote)
            && !repo.metalink.as_deref().is_some_and(remote)
        {
            return Ok(Transport::default());
        }
        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        // ring: no C toolchain needed beyond cc; the newer default (aws-lc-rs) needs cmake.
        #[allow(deprecated)]
        let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        match &repo.sslcacert {
            Some(ca) => {
                let pem = read_host_file(ca, MAX_PEM).map_err(|e| tls_err("sslcacert", ca, e))?;
                for c in CertificateDer::pem_slice_iter(&pem) {
                    let c = c.map_err(|e| tls_err("sslcacert", ca, e))?;
                    roots.add(c).map_err(|e| tls_err("sslcacert", ca, e))?;
                }
            }
            None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
        }
        let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| tls_err("TLS", "setup", e))?;
        let builder = if repo.sslverify {
            builder.with_root_certificates(roots)
        } else {
            builder
                .dangerous()
                .with_custom_certificate_verifier(std::sync::Arc::new(NoServerVerification(
                    provider,
                )))
        };
        let config = match &repo.sslclientcert {
            Some(cert) => {
                let pem =
                    read_host_file(cert, MAX_PEM).map_err(|e| tls_err("sslclientcert", cert, e))?;
                let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&pem)
                    .collect::<Result<_, _>>()
                    .map_err(|e| tls_err("sslclientcert", cert, e))?;
                let key_path = repo.sslclientkey.as_deref().unwrap_or(cert);
                let key_pem = read_host_file(key_path, MAX_PEM)
                    .map_err(|e| tls_err("sslclientkey", key_path, e))?;
                let key = PrivateKeyDer::from_pem_slice(&key_pem)
                    .map_err(|e| tls_err("sslclientkey", key_path, e))?;
                builder
                    .with_client_auth_cert(certs, key)
                    .map_err(|e| tls_err("sslclientcert", cert, e))?
            }
            None => builder.with_no_client_auth(),
        };
        let mut ab = ureq::AgentBuilder::new()
            .tls_config(std::sync::Arc::new(config))
            .timeout_connect(std::time::Duration::from_secs(30))
            .timeout_read(std::time::Duration::from_secs(120));
        match repo.proxy.as_deref() {
            Some("_none_") | Some("") => {}
            Some(p) => {
                let url = match (&repo.proxy_username, &repo.proxy_password) {
                    (Some(u), pw) => {
                        let (scheme, rest) = p.split_once("://").unwrap_or(("http", p));
                        format!(
                            "{scheme}://{u}:{}@{rest}",
                            pw.as_deref().unwrap_or_default()
                        )
                    }
                    _ => p.to_string(),
                };
                let proxy = ureq::Proxy::new(&url).map_err(|e| FetchError::Tls {
                    message: format!("proxy {p}: {e}"),
                })?;
                ab = ab.proxy(proxy);
            }
            None => ab = ab.try_proxy_from_env(true),
        }
        Ok(Transport {
            agent: Some(ab.build()),
        })
    }

    /// Opens a repository file for reading.
    pub fn open(&self, url: &str) -> Result<Box<dyn Read + Send>, FetchError> {
        if url.starts_with("http://") || url.starts_with("https://") {
            let agent = self.agent.as_ref().ok_or_else(|| FetchError::Unsupported {
                url: url.to_string(),
                message: "no HTTP transport configured".into(),
            })?;
            return match agent.get(url).call() {
                Ok(resp) => Ok(Box::new(resp.into_reader())),
                Err(ureq::Error::Status(code, resp)) => Err(FetchError::Http {
                    url: url.to_string(),
                    message: format!("HTTP {code} {}", resp.status_text()),
                }),
                Err(e) => Err(FetchError::Http {
                    url: url.to_string(),
                    message: e.to_string(),
                }),
            };
        }
        open(url)
    }

    /// Reads a whole small file (repomd.xml) with a size limit.
    pub fn read_all(&self, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
        read_limited(self.open(url)?, url, limit)
    }
}

/// All of `r`, or `TooLarge` once it holds more than `limit` bytes (`url` names it in errors).
fn read_limited(r: impl Read, url: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
    let mut v = Vec::new();
    r.take(limit + 1)
        .read_to_end(&mut v)
        .map_err(|source| FetchError::Io {
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

/// Largest PEM file (`sslcacert`, `sslclientcert`, `sslclientkey`) accepted.
const MAX_PEM: u64 = 1024 * 1024;

/// Opens a host path as a regular file only, without blocking (`O_NONBLOCK`: a FIFO must
/// not hang the scan; devices, directories and sockets are refused). `url` names it in errors.
fn open_host_file(path: &std::path::Path, url: &str) -> Result<std::fs::File, FetchError> {
    let io_err = |source| FetchError::Io {
        url: url.to_string(),
        source,
    };
    let f = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(io_err)?;
    if !f.metadata().map_err(io_err)?.is_file() {
        return Err(FetchError::NotRegular {
            url: url.to_string(),
        });
    }
    Ok(f)
}

/// Reads a whole host file (a certificate or key the operator mounted into the scanner):
/// regular files only, at most `limit` bytes.
pub fn read_host_file(path: &str, limit: u64) -> Result<Vec<u8>, FetchError> {
    read_limited(
        open_host_file(std::path::Path::new(path), path)?,
        path,
        limit,
    )
}

/// Opens a local (`file://`) repository file for reading.
pub fn open(url: &str) -> Result<Box<dyn Read + Send>, FetchError> {
    if let Some(path) = file_path(url) {
        return Ok(Box::new(open_host_file(&path, url)?));
    }
    Err(FetchError::Unsupported {
        url: url.to_string(),
        message: "unsupported URL scheme".into(),
    })
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
    /// True once the whole file went through the reader (its digest is known).
    pub fn finished(&self) -> bool {
        self.state.lock().map(|s| s.is_some()).unwrap_or(false)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn https_repo(
        sslcacert: Option<String>,
        sslclientcert: Option<String>,
    ) -> crate::config::RepoConfig {
        crate::config::RepoConfig {
            id: "r".into(),
            name: "r".into(),
            file: "r.repo".into(),
            baseurl: vec!["https://example.invalid/repo".into()],
            mirrorlist: None,
            metalink: None,
            enabled: true,
            priority: 99,
            cost: 1000,
            excludepkgs: vec![],
            includepkgs: vec![],
            skip_if_unavailable: false,
            module_hotfixes: false,
            gpgcheck: false,
            sslverify: true,
            sslcacert,
            sslclientcert,
            sslclientkey: None,
            proxy: None,
            proxy_username: None,
            proxy_password: None,
        }
    }

    /// `sslcacert=/dev/zero` used to read forever into memory and a FIFO used to hang: both
    /// are refused as not regular; an oversized file hits the PEM size limit.
    #[test]
    fn hostile_certificate_paths_fail_the_repository() {
        let t = tempfile::tempdir().unwrap();
        let fifo = t.path().join("ca.pem");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let big = t.path().join("big.pem");
        std::fs::write(&big, vec![b'-'; MAX_PEM as usize + 1]).unwrap();
        let fifo = fifo.display().to_string();
        let big = big.display().to_string();
        for (ca, client, want) in [
            (Some(fifo.clone()), None, "not a regular file"),
            (Some("/dev/zero".to_string()), None, "not a regular file"),
            (None, Some(fifo.clone()), "not a regular file"),
            (None, Some("/dev/zero".to_string()), "not a regular file"),
            (Some(big.clone()), None, "larger than"),
        ] {
            let e = Transport::for_repo(&https_repo(ca.clone(), client.clone())).unwrap_err();
            let msg = e.to_string();
            assert!(msg.contains(want), "{ca:?} {client:?}: {msg}");
            assert!(msg.contains("sslc"), "{msg}");
        }
    }

    #[test]
    fn percent_decoding_is_bytewise() {
        for url in [
            "file:///%a\u{e9}",
            "file:///x%\u{e9}",
            "file:///%",
            "file:///%4",
            "file:///%zz",
        ] {
            assert!(file_path(url).is_some(), "{url}");
        }
        assert_eq!(
            file_path("file:///a%41%2fb").unwrap(),
            PathBuf::from("/aA/b")
        );
        assert_eq!(file_path("file:///x%41").unwrap(), PathBuf::from("/xA"));
    }
}
