//! Typed view of one installed package: NEVRA, descriptive tags, install/build times, size,
//! signature summary, dependencies and modularity label, plus the entry point that turns a
//! database blob into a package the way rpm would (digest check, skip on BAD).

use crate::error::Error;
use crate::evr::Evr;
use crate::files::{self, FileEntry};
use crate::header::Header;
use crate::signature::Signature;
use crate::{digest, tags};

/// One dependency (provide, require, obsolete or conflict).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dependency {
    pub name: String,
    /// RPMSENSE_* bits (`tags::sense`).
    pub flags: u32,
    /// "" when the dependency carries no version.
    pub version: String,
}

/// An installed package, parsed from its header.
#[derive(Clone, Debug)]
pub struct Package {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    /// None for pseudo packages such as gpg-pubkey (rpm prints "(none)").
    pub arch: Option<String>,
    pub sourcerpm: Option<String>,
    pub vendor: Option<String>,
    pub packager: Option<String>,
    pub buildhost: Option<String>,
    pub summary: Option<String>,
    pub license: Option<String>,
    pub installtime: Option<u32>,
    pub buildtime: Option<u32>,
    /// LONGSIZE, else SIZE, else 0.
    pub size: u64,
    pub signature: Option<Signature>,
    pub provides: Vec<Dependency>,
    pub requires: Vec<Dependency>,
    pub obsoletes: Vec<Dependency>,
    pub conflicts: Vec<Dependency>,
    pub modularitylabel: Option<String>,
    pub header: Header,
}

fn deps(h: &Header, names: u32, flags: u32, versions: u32) -> Vec<Dependency> {
    let Some(n) = h.string_array(names) else {
        return Vec::new();
    };
    let f = h.numbers(flags);
    let mut v = h.string_array(versions);
    n.enumerate()
        .map(|(i, name)| Dependency {
            name: String::from_utf8_lossy(name).into_owned(),
            flags: f.and_then(|f| f.get(i)).unwrap_or(0) as u32,
            version: v
                .as_mut()
                .and_then(|v| v.next())
                .map(|s| String::from_utf8_lossy(s).into_owned())
                .unwrap_or_default(),
        })
        .collect()
}

fn required(h: &Header, tag: u32, name: &'static str) -> Result<String, Error> {
    h.string_lossy(tag)
        .map(|s| s.into_owned())
        .ok_or(Error::MissingTag { tag, name })
}

impl Package {
    /// Builds the typed package from a parsed header (NAME, VERSION, RELEASE are required).
    pub fn from_header(h: Header) -> Result<Package, Error> {
        let opt = |tag| h.string_lossy(tag).map(|s| s.into_owned());
        Ok(Package {
            name: required(&h, tags::NAME, "NAME")?,
            epoch: h.u32(tags::EPOCH),
            version: required(&h, tags::VERSION, "VERSION")?,
            release: required(&h, tags::RELEASE, "RELEASE")?,
            arch: opt(tags::ARCH),
            sourcerpm: opt(tags::SOURCERPM),
            vendor: opt(tags::VENDOR),
            packager: opt(tags::PACKAGER),
            buildhost: opt(tags::BUILDHOST),
            summary: opt(tags::SUMMARY),
            license: opt(tags::LICENSE),
            installtime: h.u32(tags::INSTALLTIME),
            buildtime: h.u32(tags::BUILDTIME),
            size: h
                .u64(tags::LONGSIZE)
                .or_else(|| h.u64(tags::SIZE))
                .unwrap_or(0),
            signature: Signature::from_header(&h),
            provides: deps(
                &h,
                tags::PROVIDENAME,
                tags::PROVIDEFLAGS,
                tags::PROVIDEVERSION,
            ),
            requires: deps(
                &h,
                tags::REQUIRENAME,
                tags::REQUIREFLAGS,
                tags::REQUIREVERSION,
            ),
            obsoletes: deps(
                &h,
                tags::OBSOLETENAME,
                tags::OBSOLETEFLAGS,
                tags::OBSOLETEVERSION,
            ),
            conflicts: deps(
                &h,
                tags::CONFLICTNAME,
                tags::CONFLICTFLAGS,
                tags::CONFLICTVERSION,
            ),
            modularitylabel: opt(tags::MODULARITYLABEL),
            header: h,
        })
    }

    /// `name-version-release.arch` as `rpm -qa` prints it (no epoch; no `.arch` when absent).
    pub fn nevra(&self) -> String {
        match &self.arch {
            Some(a) => format!("{}-{}-{}.{}", self.name, self.version, self.release, a),
            None => format!("{}-{}-{}", self.name, self.version, self.release),
        }
    }

    /// Epoch, version and release, ordered like rpm.
    pub fn evr(&self) -> Evr {
        Evr::new(self.epoch, self.version.clone(), self.release.clone())
    }

    /// The epoch, 0 when absent (`%{EPOCHNUM}`).
    pub fn epoch_num(&self) -> u32 {
        self.epoch.unwrap_or(0)
    }

    /// The "Signature" value of `rpm -qi` for this package: the summary of the first signature
    /// tag present, "(not an OpenPGP signature)" when it does not parse, "(none)" without one
    /// (dates in UTC).
    pub fn signature_text(&self) -> String {
        crate::signature::signature_text(&self.header)
    }

    /// The package's files, in header order.
    pub fn files(&self) -> Result<Vec<FileEntry>, Error> {
        files::files(&self.header)
    }
}

/// Why a header was skipped although it parsed (rpm skips it too, with a message on stderr).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// e.g. "Header SHA256 digest: BAD, Header SHA1 digest: BAD".
    pub reason: String,
}

/// Parses a database blob and checks its header digests. `Ok(Err(Skipped))` for a header rpm
/// skips (a BAD SHA256HEADER/SHA1HEADER), `Err` for a structurally corrupt header or one
/// without NAME/VERSION/RELEASE (rpm skips those as well; the caller decides how to report).
pub fn parse_package_checked(blob: Vec<u8>) -> Result<Result<Package, Skipped>, Error> {
    let h = Header::from_vec(blob)?;
    if let Some(reason) = digest::skip_reason(&h) {
        return Ok(Err(Skipped { reason }));
    }
    Package::from_header(h).map(Ok)
}

/// Parses a database blob into a package; `None` when rpm would skip it (bad header digest).
/// Use [`parse_package_checked`] to learn why a header was skipped.
pub fn parse_package(blob: &[u8]) -> Result<Option<Package>, Error> {
    Ok(parse_package_checked(blob.to_vec())?.ok())
}
