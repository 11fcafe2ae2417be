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
    pub header: Header<'static>,
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
    pub fn from_header(h: Header<'static>) -> Result<Package, Error> {
        let PackageId {
            name,
            epoch,
            version,
            release,
            arch,
            provides,
        } = PackageId::from_header(&h)?;
        let opt = |tag| h.string_lossy(tag).map(|s| s.into_owned());
        Ok(Package {
            name,
            epoch,
            version,
            release,
            arch,
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
            provides,
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
    match checked_header(blob)? {
        Ok(h) => Package::from_header(h).map(Ok),
        Err(skipped) => Ok(Err(skipped)),
    }
}

/// A parsed header whose digests rpm accepts, or why rpm skips it.
fn checked_header(blob: Vec<u8>) -> Result<Result<Header<'static>, Skipped>, Error> {
    let h = Header::from_vec(blob)?;
    Ok(match digest::skip_reason(&h) {
        Some(reason) => Err(Skipped { reason }),
        None => Ok(h),
    })
}

/// NAME, EPOCH, VERSION, RELEASE, ARCH and the provides of an installed package: what
/// identifies it and what it offers, without the rest of [`Package`] (its requires alone are
/// most of a full parse's allocations).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackageId {
    pub name: String,
    pub epoch: Option<u32>,
    pub version: String,
    pub release: String,
    pub arch: Option<String>,
    pub provides: Vec<Dependency>,
}

impl PackageId {
    /// Reads the fields from a parsed header (NAME, VERSION, RELEASE are required, as for
    /// [`Package::from_header`]).
    pub fn from_header(h: &Header) -> Result<PackageId, Error> {
        Ok(PackageId {
            name: required(h, tags::NAME, "NAME")?,
            epoch: h.u32(tags::EPOCH),
            version: required(h, tags::VERSION, "VERSION")?,
            release: required(h, tags::RELEASE, "RELEASE")?,
            arch: h.string_lossy(tags::ARCH).map(|s| s.into_owned()),
            provides: deps(
                h,
                tags::PROVIDENAME,
                tags::PROVIDEFLAGS,
                tags::PROVIDEVERSION,
            ),
        })
    }
}

/// [`parse_package_checked`] for [`PackageId`]: the same checks and skips, less reading.
pub fn parse_package_id_checked(blob: Vec<u8>) -> Result<Result<PackageId, Skipped>, Error> {
    match checked_header(blob)? {
        Ok(h) => PackageId::from_header(&h).map(Ok),
        Err(skipped) => Ok(Err(skipped)),
    }
}

/// Parses a database blob into a package; `None` when rpm would skip it (bad header digest).
/// Use [`parse_package_checked`] to learn why a header was skipped.
pub fn parse_package(blob: &[u8]) -> Result<Option<Package>, Error> {
    Ok(parse_package_checked(blob.to_vec())?.ok())
}
