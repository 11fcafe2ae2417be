//! Choosing the SSG data stream for an image when none is given: from the image's
//! `/etc/os-release` (`ID`, `VERSION_ID` major) to `ssg-<product>-ds.xml` in a content directory
//! (Debian/Fedora/RHEL install SSG to `/usr/share/xml/scap/ssg/content`).

use std::path::{Path, PathBuf};

use crate::Error;

/// Where the scap-security-guide packages install their data streams.
pub const DEFAULT_CONTENT_DIR: &str = "/usr/share/xml/scap/ssg/content";

/// The SSG product name for an os-release `ID` and `VERSION_ID`, e.g. ("rhel", "8.6") -> rhel8.
pub fn ssg_product(id: &str, version_id: &str) -> Option<String> {
    let major = version_id.split('.').next().unwrap_or("");
    let p = match id {
        "rhel" => format!("rhel{major}"),
        "centos" if major == "9" => "cs9".to_string(),
        "centos" => format!("centos{major}"),
        "ol" => format!("ol{major}"),
        "fedora" => "fedora".to_string(),
        "sles" | "sled" => format!("sle{major}"),
        "opensuse-leap" | "opensuse" => "opensuse".to_string(),
        "almalinux" | "rocky" => format!("rhel{major}"),
        "scientific" => format!("sl{major}"),
        "anolis" => format!("anolis{major}"),
        _ => return None,
    };
    Some(p)
}

/// The data stream for the image at `root` in `content_dir`, with the reason when there is none.
pub fn pick_datastream(root: &rootfs::Rootfs, content_dir: &Path) -> Result<PathBuf, Error> {
    let os = rootfs::os_release::load(root)
        .map_err(|e| Error::Selection(format!("cannot read the image's os-release: {e}")))?
        .ok_or_else(|| {
            Error::Selection("the image has no /etc/os-release: pass --datastream".into())
        })?;
    let id = os.id.clone().unwrap_or_default();
    let version = os.version_id.clone().unwrap_or_default();
    let product = ssg_product(&id, &version).ok_or_else(|| {
        Error::Selection(format!(
            "no SCAP Security Guide content for {id} {version}: pass --datastream"
        ))
    })?;
    let path = content_dir.join(format!("ssg-{product}-ds.xml"));
    if path.is_file() {
        Ok(path)
    } else {
        Err(Error::Selection(format!(
            "{} not found (image is {id} {version}); install scap-security-guide or pass --datastream",
            path.display()
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::ssg_product;

    #[test]
    fn products() {
        assert_eq!(ssg_product("rhel", "8.6").as_deref(), Some("rhel8"));
        assert_eq!(ssg_product("centos", "9").as_deref(), Some("cs9"));
        assert_eq!(ssg_product("centos", "7").as_deref(), Some("centos7"));
        assert_eq!(ssg_product("fedora", "36").as_deref(), Some("fedora"));
        assert_eq!(ssg_product("debian", "12"), None);
    }
}
