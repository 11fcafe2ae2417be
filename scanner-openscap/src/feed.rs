//! Choosing the OVAL CVE feed for an image: the product is detected from the image's
//! os-release (ID, VERSION_ID, CPE_NAME) and confirmed by its rpm database, then a feed for that
//! product and major version is looked up in a content directory. Red Hat feeds gate every
//! definition on "Red Hat Enterprise Linux must be installed", which is true on any other rpm
//! distribution, so an image that is not the feed's product is refused rather than guessed.

use std::path::{Path, PathBuf};

use rootfs::Rootfs;

use crate::probes::PkgInfo;

/// The product an image claims to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Product {
    /// os-release ID ("rhel", "centos", "fedora", ...).
    pub id: String,
    /// Major version ("8").
    pub major: String,
    pub pretty_name: String,
}

/// Why no feed applies.
#[derive(Debug, thiserror::Error)]
pub enum FeedError {
    #[error("the image has no /etc/os-release (or /usr/lib/os-release): cannot tell which OVAL feed applies; pass --oval FILE to force one")]
    NoOsRelease,
    #[error("reading os-release: {0}")]
    Rootfs(#[from] rootfs::Error),
    #[error("os-release has no usable ID/VERSION_ID (a plain id and a numeric major version): cannot tell which OVAL feed applies")]
    Incomplete,
    #[error("{product} is not supported: no OVAL feed for it in {dir} (looked for {names}); pass --oval FILE to force one")]
    NoFeed {
        product: String,
        dir: String,
        names: String,
    },
    #[error("os-release says {0} but the rpm database has no redhat-release package: not a Red Hat Enterprise Linux image (Red Hat feeds would report every advisory as applicable)")]
    NotRhel(String),
}

/// Reads the product from the image's os-release.
pub fn detect(root: &Rootfs) -> Result<Product, FeedError> {
    let os = rootfs::os_release::load(root)?.ok_or(FeedError::NoOsRelease)?;
    let mut id = os.id.clone().unwrap_or_default().to_lowercase();
    // CPE_NAME is authoritative for Red Hat products (cpe:/o:redhat:enterprise_linux:8::baseos).
    if let Some(cpe) = &os.cpe_name {
        if cpe.starts_with("cpe:/o:redhat:enterprise_linux:") {
            id = "rhel".into();
        }
    }
    let major = os
        .version_id
        .as_deref()
        .and_then(|v| v.split('.').next())
        .unwrap_or("")
        .to_string();
    // Both become part of a file name in the content directory (and of --feed-url): only a plain
    // product id and a numeric major version, so an image cannot point at a feed of its choosing.
    let plain_id = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && id != "."
        && id != "..";
    let numeric_major =
        !major.is_empty() && major.len() <= 8 && major.chars().all(|c| c.is_ascii_digit());
    if !plain_id || !numeric_major {
        return Err(FeedError::Incomplete);
    }
    Ok(Product {
        pretty_name: os
            .pretty_name
            .clone()
            .unwrap_or_else(|| format!("{id} {major}")),
        id,
        major,
    })
}

/// Feed file names tried for a product, in order of preference.
pub fn candidate_names(p: &Product) -> Vec<String> {
    let mut v = Vec::new();
    let base = format!("{}-{}.oval.xml", p.id, p.major);
    v.push(format!("{base}.bz2"));
    v.push(base);
    if p.id == "rhel" {
        let base = format!("com.redhat.rhsa-RHEL{}.xml", p.major);
        v.push(format!("{base}.bz2"));
        v.push(base);
    }
    v
}

/// Finds the feed for `product` in `dir`.
pub fn find_feed(dir: &Path, product: &Product) -> Result<PathBuf, FeedError> {
    let names = candidate_names(product);
    for n in &names {
        let p = dir.join(n);
        if p.is_file() {
            return Ok(p);
        }
    }
    Err(FeedError::NoFeed {
        product: product.pretty_name.clone(),
        dir: dir.display().to_string(),
        names: names.join(", "),
    })
}

/// Confirms a Red Hat product with the rpm database (a `redhat-release*` package).
pub fn confirm(product: &Product, packages: &[PkgInfo]) -> Result<(), FeedError> {
    if product.id == "rhel"
        && !packages
            .iter()
            .any(|p| p.name.starts_with("redhat-release"))
    {
        return Err(FeedError::NotRhel(product.pretty_name.clone()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn product(os_release: &str) -> Result<Product, FeedError> {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("etc")).unwrap();
        std::fs::write(dir.path().join("etc/os-release"), os_release).unwrap();
        detect(&Rootfs::open(dir.path()).unwrap())
    }

    #[test]
    fn the_image_cannot_name_a_feed_path() {
        let p = product("ID=\"centos\"\nVERSION_ID=\"8.4\"\n").unwrap();
        assert_eq!((p.id.as_str(), p.major.as_str()), ("centos", "8"));
        for hostile in [
            "ID=../../../../scanin/img/x\nVERSION_ID=8\n",
            "ID=..\nVERSION_ID=8\n",
            "ID=rhel\nVERSION_ID=../8\n",
            "ID=\"a/b\"\nVERSION_ID=1\n",
        ] {
            assert!(
                matches!(product(hostile), Err(FeedError::Incomplete)),
                "{hostile}"
            );
        }
    }
}
