//! The noise policy: which `rpm -Va` findings go into the `json` and the legacy CentOS file.
//! `rpm-Va.txt` is never filtered.
//!
//! Defaults reproduce the historical CentOS `scanner-rpm-verify` filters:
//! - files marked `%config` are left out (`--include-config` keeps them);
//! - paths under `/var`, `/run`, `/media`, `/mnt`, `/tmp`, `/proc`, `/sys`, `/boot`, the path
//!   `/` itself and the udev hardware database `/usr/lib/udev/hwdb.d/*.hwdb` are left out
//!   (`--no-default-excludes` turns these path filters off);
//! - `--exclude GLOB` (repeatable) adds globs matched against the image path (`*` does not
//!   cross `/`, `**` does; a glob also excludes everything below a matching directory).
//!
//! Deliberate deviations from the old scanner, which parsed rpm's text with a regular
//! expression: its prefix test also dropped siblings such as `/variant` (we match whole path
//! components), it named 13 hwdb files one by one (we match the directory's `*.hwdb`), and its
//! expression silently dropped every line whose attribute marker was not `c` or blank (`%doc`,
//! `%license`, `%readme` files): we keep those findings.

use globset::{Glob, GlobBuilder, GlobSet, GlobSetBuilder};

use crate::scan::Issue;
use rpmverify::attrs::fileflags;

/// Directories whose contents the historical scanner ignored.
pub const DEFAULT_EXCLUDED_DIRS: [&str; 8] = [
    "/var", "/run", "/media", "/mnt", "/tmp", "/proc", "/sys", "/boot",
];

/// Further globs the historical scanner ignored.
pub const DEFAULT_EXCLUDED_GLOBS: [&str; 2] = ["/", "/usr/lib/udev/hwdb.d/*.hwdb"];

/// A bad `--exclude` glob.
#[derive(Debug, thiserror::Error)]
#[error("bad exclude glob {glob:?}: {source}")]
pub struct PolicyError {
    pub glob: String,
    #[source]
    pub source: globset::Error,
}

/// Which findings are reported in the filtered outputs.
#[derive(Debug, Clone)]
pub struct Policy {
    include_config: bool,
    globs: Vec<String>,
    set: GlobSet,
}

fn glob(pattern: &str) -> Result<Glob, PolicyError> {
    GlobBuilder::new(pattern)
        .literal_separator(true)
        .build()
        .map_err(|source| PolicyError {
            glob: pattern.to_string(),
            source,
        })
}

impl Policy {
    /// Builds a policy. `default_excludes` adds the historical path filters; `extra` are user
    /// globs.
    pub fn new(
        include_config: bool,
        default_excludes: bool,
        extra: &[String],
    ) -> Result<Policy, PolicyError> {
        let mut globs = Vec::new();
        if default_excludes {
            globs.extend(DEFAULT_EXCLUDED_DIRS.iter().map(|d| d.to_string()));
            globs.extend(DEFAULT_EXCLUDED_GLOBS.iter().map(|g| g.to_string()));
        }
        globs.extend(extra.iter().cloned());
        let mut b = GlobSetBuilder::new();
        for g in &globs {
            b.add(glob(g)?);
            if g != "/" {
                b.add(glob(&format!("{}/**", g.trim_end_matches('/')))?);
            }
        }
        let set = b.build().map_err(|source| PolicyError {
            glob: globs.join(" "),
            source,
        })?;
        Ok(Policy {
            include_config,
            globs,
            set,
        })
    }

    /// The historical defaults.
    pub fn historical() -> Policy {
        Policy::new(false, true, &[]).expect("built-in globs are valid")
    }

    /// Whether config files are reported.
    pub fn include_config(&self) -> bool {
        self.include_config
    }

    /// Every exclude glob in force.
    pub fn globs(&self) -> &[String] {
        &self.globs
    }

    /// True when `issue` belongs in the filtered outputs.
    pub fn keeps(&self, issue: &Issue) -> bool {
        if !self.include_config && issue.flags & fileflags::CONFIG != 0 {
            return false;
        }
        !self.set.is_match(&issue.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rpmverify::{FileResult, FileState};

    fn issue(path: &str, flags: u32) -> Issue {
        Issue {
            package: 0,
            path: path.into(),
            line_bytes: Vec::new(),
            flags,
            mode: 0o100644,
            state: FileState::Normal,
            result: FileResult {
                checked: 0,
                failed: 1,
                missing_errno: None,
                disk_mode: 0o100644,
            },
        }
    }

    #[test]
    fn historical_defaults() {
        let p = Policy::historical();
        assert!(!p.keeps(&issue("/var/lib/x", 0)));
        assert!(!p.keeps(&issue("/var", 0)));
        assert!(p.keeps(&issue("/variant/x", 0)));
        assert!(!p.keeps(&issue("/usr/lib/udev/hwdb.d/20-usb.hwdb", 0)));
        assert!(!p.keeps(&issue("/etc/x.conf", fileflags::CONFIG)));
        assert!(p.keeps(&issue("/usr/bin/x", 0)));
        assert!(!p.keeps(&issue("/", 0)));
    }

    #[test]
    fn overrides() {
        let p = Policy::new(true, false, &["/usr/share/doc".into(), "/opt/*.log".into()]).unwrap();
        assert!(p.keeps(&issue("/etc/x.conf", fileflags::CONFIG)));
        assert!(p.keeps(&issue("/var/lib/x", 0)));
        assert!(!p.keeps(&issue("/usr/share/doc/a/README", 0)));
        assert!(!p.keeps(&issue("/opt/a.log", 0)));
        assert!(p.keeps(&issue("/opt/sub/a.log", 0)));
        assert!(Policy::new(false, false, &["[".into()]).is_err());
    }
}
