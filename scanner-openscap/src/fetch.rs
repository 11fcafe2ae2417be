//! Fetching a feed given as an http(s) URL (`--oval https://...`): downloaded once per run, with
//! timeouts, a size bound and the environment's proxy settings, into a private temporary file
//! that is then read like any local feed (plain or bzip2).

use std::io::Read;
use std::path::{Path, PathBuf};

/// Largest feed accepted over the network (the biggest Red Hat streams are a few hundred MB).
pub const MAX_FEED_BYTES: u64 = 4 << 30;

/// A download failure, naming the URL.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{url}: {message}")]
    Http { url: String, message: String },
    #[error("{url}: larger than {MAX_FEED_BYTES} bytes")]
    TooLarge { url: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// Whether `--oval` names a URL rather than a file.
pub fn is_url(s: &str) -> bool {
    s.starts_with("http://") || s.starts_with("https://")
}

/// Downloads `url` into `dir` (a fresh private directory) and returns the file's path.
pub fn download(url: &str, dir: &Path) -> Result<PathBuf, FetchError> {
    let agent = ureq::AgentBuilder::new()
        .timeout_connect(std::time::Duration::from_secs(30))
        .timeout_read(std::time::Duration::from_secs(300))
        .try_proxy_from_env(true)
        .build();
    let resp = agent.get(url).call().map_err(|e| FetchError::Http {
        url: url.to_string(),
        message: match e {
            ureq::Error::Status(code, r) => format!("HTTP {code} {}", r.status_text()),
            e => e.to_string(),
        },
    })?;
    let name = url
        .rsplit('/')
        .next()
        .filter(|n| !n.is_empty() && !n.starts_with('.') && !n.contains(['?', '#']))
        .unwrap_or("feed.xml");
    let path = dir.join(name);
    let io = |source| FetchError::Io {
        path: path.clone(),
        source,
    };
    let mut out = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(io)?;
    let copied =
        std::io::copy(&mut resp.into_reader().take(MAX_FEED_BYTES + 1), &mut out).map_err(io)?;
    if copied > MAX_FEED_BYTES {
        return Err(FetchError::TooLarge {
            url: url.to_string(),
        });
    }
    Ok(path)
}
