//! The package facts the update computation works on: EVRs, dependency relations, installed and
//! available packages, independent of where they were read from.

use std::cmp::Ordering;
use std::fmt;

/// Epoch, version and release of a package (epoch 0 when the package has none).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Evr {
    pub epoch: u32,
    pub version: String,
    pub release: String,
}

impl Evr {
    pub fn new(epoch: u32, version: &str, release: &str) -> Evr {
        Evr {
            epoch,
            version: version.to_string(),
            release: release.to_string(),
        }
    }
}

impl fmt::Display for Evr {
    /// `[E:]V-R` as dnf prints it (the epoch only when it is not 0).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.epoch != 0 {
            write!(f, "{}:", self.epoch)?;
        }
        write!(f, "{}-{}", self.version, self.release)
    }
}

/// rpm's EVR ordering: epoch numerically, then version and release with rpmvercmp.
pub fn evr_cmp(a: &Evr, b: &Evr) -> Ordering {
    a.epoch
        .cmp(&b.epoch)
        .then_with(|| crate::vercmp::rpmvercmp(&a.version, &b.version))
        .then_with(|| crate::vercmp::rpmvercmp(&a.release, &b.release))
}

/// rpm sense flags of a dependency (RPMSENSE_LESS/GREATER/EQUAL).
pub const SENSE_LESS: u32 = 1 << 1;
pub const SENSE_GREATER: u32 = 1 << 2;
pub const SENSE_EQUAL: u32 = 1 << 3;
const SENSE_MASK: u32 = SENSE_LESS | SENSE_GREATER | SENSE_EQUAL;

/// One dependency (provide or obsolete): a name, optionally with a version range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dep {
    pub name: String,
    /// rpm sense bits; only the LESS/GREATER/EQUAL bits are used.
    pub flags: u32,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: Option<String>,
}

impl Dep {
    /// An unversioned dependency.
    pub fn name(name: &str) -> Dep {
        Dep {
            name: name.to_string(),
            flags: 0,
            epoch: None,
            version: String::new(),
            release: None,
        }
    }

    /// A dependency from rpm header fields: `version` is `[E:]V[-R]` or empty.
    pub fn from_rpm(name: &str, flags: u32, version: &str) -> Dep {
        let (epoch, rest) = match version.split_once(':') {
            Some((e, r)) if !e.is_empty() && e.bytes().all(|b| b.is_ascii_digit()) => {
                (e.parse().ok(), r)
            }
            _ => (None, version),
        };
        let (v, r) = match rest.rsplit_once('-') {
            Some((v, r)) => (v.to_string(), Some(r.to_string())),
            None => (rest.to_string(), None),
        };
        Dep {
            name: name.to_string(),
            flags: if version.is_empty() {
                0
            } else {
                flags & SENSE_MASK
            },
            epoch,
            version: v,
            release: r,
        }
    }

    /// A dependency from primary.xml's `flags`/`epoch`/`ver`/`rel` attributes.
    pub fn from_xml(
        name: &str,
        flags: Option<&str>,
        epoch: Option<&str>,
        ver: Option<&str>,
        rel: Option<&str>,
    ) -> Dep {
        let flags = match flags {
            Some("EQ") => SENSE_EQUAL,
            Some("LT") => SENSE_LESS,
            Some("GT") => SENSE_GREATER,
            Some("LE") => SENSE_LESS | SENSE_EQUAL,
            Some("GE") => SENSE_GREATER | SENSE_EQUAL,
            _ => 0,
        };
        Dep {
            name: name.to_string(),
            flags: if ver.is_some() { flags } else { 0 },
            epoch: epoch.and_then(|e| e.parse().ok()),
            version: ver.unwrap_or_default().to_string(),
            release: rel.map(str::to_string),
        }
    }

    fn versioned(&self) -> bool {
        self.flags & SENSE_MASK != 0
    }

    /// Whether the ranges of two dependencies on the same name overlap (rpm's rpmdsCompare,
    /// with libsolv's rule that a side without a release matches any release).
    pub fn overlaps(&self, other: &Dep) -> bool {
        if self.name != other.name {
            return false;
        }
        if !self.versioned() || !other.versioned() {
            return true;
        }
        let sense = self
            .epoch
            .unwrap_or(0)
            .cmp(&other.epoch.unwrap_or(0))
            .then_with(|| crate::vercmp::rpmvercmp(&self.version, &other.version))
            .then_with(|| match (&self.release, &other.release) {
                (Some(a), Some(b)) => crate::vercmp::rpmvercmp(a, b),
                _ => Ordering::Equal,
            });
        let (a, b) = (self.flags, other.flags);
        match sense {
            Ordering::Less => a & SENSE_GREATER != 0 || b & SENSE_LESS != 0,
            Ordering::Greater => a & SENSE_LESS != 0 || b & SENSE_GREATER != 0,
            Ordering::Equal => {
                (a & SENSE_EQUAL != 0 && b & SENSE_EQUAL != 0)
                    || (a & SENSE_LESS != 0 && b & SENSE_LESS != 0)
                    || (a & SENSE_GREATER != 0 && b & SENSE_GREATER != 0)
            }
        }
    }

    /// Whether this dependency matches the package's own name and EVR (libsolv
    /// `pool_match_nevr`: obsoletes match package names, not provides).
    pub fn matches_nevr(&self, name: &str, evr: &Evr) -> bool {
        if self.name != name {
            return false;
        }
        let own = Dep {
            name: name.to_string(),
            flags: SENSE_EQUAL,
            epoch: Some(evr.epoch),
            version: evr.version.clone(),
            release: Some(evr.release.clone()),
        };
        self.overlaps(&own)
    }
}

/// A package installed in the image.
#[derive(Debug, Clone)]
pub struct InstalledPkg {
    pub name: String,
    pub evr: Evr,
    pub arch: String,
    pub provides: Vec<Dep>,
}

/// A package offered by a repository (borrowed from the repository's metadata).
#[derive(Debug, Clone, Copy)]
pub struct AvailablePkg<'a> {
    pub name: &'a str,
    pub evr: &'a Evr,
    pub arch: &'a str,
    /// Index of the repository in the solver's repo list.
    pub repo: usize,
    pub obsoletes: &'a [Dep],
}

/// What the solver needs to know about one repository.
#[derive(Debug, Clone)]
pub struct RepoRef {
    pub id: String,
    /// dnf priority: lower is preferred (default 99).
    pub priority: i32,
}
