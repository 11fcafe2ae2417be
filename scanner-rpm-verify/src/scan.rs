//! Runs `rpm -Va` over one image: reads its rpm database, checks every file of every package
//! (packages and files in parallel), and keeps each line rpm would print together with what the
//! other outputs need (owning package, file attributes, header mode).

use rayon::prelude::*;
use rootfs::users::Users;
use rootfs::Rootfs;
use rpmdb::{Database, Package};
use rpmverify::{FileResult, FileSpec, FileState, SharedPaths, Verifier};

/// Why an image could not be verified.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The rpm database could not be found or read.
    #[error("rpm database: {0}")]
    Rpmdb(#[from] rpmdb::Error),
}

/// What the outputs say about a package that owns a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageMeta {
    /// `name-version-release.arch`.
    pub nevra: String,
    /// The `rpm -qi` Signature text ("(none)" when unsigned).
    pub signature: String,
    /// 16 lowercase hex digits of the signing key, when signed.
    pub key_id: Option<String>,
    pub vendor: Option<String>,
    pub packager: Option<String>,
    pub buildhost: Option<String>,
}

/// One line of `rpm -Va` output and its context.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Issue {
    /// Index into [`Verification::packages`].
    pub package: usize,
    pub path: String,
    /// The exact bytes of the `rpm -V` line ([`Issue::line`] as text).
    pub line_bytes: Vec<u8>,
    /// FILEFLAGS of the file.
    pub flags: u32,
    /// FILEMODES of the file (what the header says it should be).
    pub mode: u16,
    pub state: FileState,
    pub result: FileResult,
}

impl Issue {
    /// The `rpm -V` line as text (bytes of the path that are not UTF-8 read as U+FFFD).
    pub fn line(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.line_bytes)
    }
}

/// The result of verifying one image.
#[derive(Debug, Default)]
pub struct Verification {
    /// Packages owning at least one issue (referenced by [`Issue::package`]).
    pub packages: Vec<PackageMeta>,
    /// Every line `rpm -Va --nodeps --noscripts` prints, in database and header order.
    pub issues: Vec<Issue>,
    /// How many installed packages were verified.
    pub packages_verified: usize,
    /// How many file entries were looked at.
    pub files_verified: usize,
    /// Database headers skipped the way rpm skips them (bad digest, corrupt).
    pub warnings: Vec<String>,
    /// Packages with at least one failure rpm counts (missing `%ghost` and
    /// `%config(missingok)` files and state-only lines do not count).
    pub failed_packages: usize,
}

impl Verification {
    /// The exit status `rpm -Va --nodeps --noscripts` has on the same tree: 1 when a package
    /// failed, else 0.
    pub fn rpm_exit_code(&self) -> i32 {
        i32::from(self.failed_packages > 0)
    }

    /// Every line, unfiltered, each ending with a newline, as text (bytes of paths that are
    /// not UTF-8 read as U+FFFD).
    pub fn rpm_va_text(&self) -> String {
        String::from_utf8_lossy(&self.rpm_va_bytes()).into_owned()
    }

    /// `rpm-Va.txt`: every line, unfiltered, each ending with a newline, byte for byte what
    /// rpm prints.
    pub fn rpm_va_bytes(&self) -> Vec<u8> {
        let mut s = Vec::new();
        for i in &self.issues {
            s.extend_from_slice(&i.line_bytes);
            s.push(b'\n');
        }
        s
    }
}

fn meta_of(p: &Package) -> PackageMeta {
    PackageMeta {
        nevra: p.nevra(),
        signature: rpmdb::signature::signature_text(&p.header),
        key_id: p.signature.as_ref().map(|s| s.key_id.clone()),
        vendor: p.vendor.clone(),
        packager: p.packager.clone(),
        buildhost: p.buildhost.clone(),
    }
}

/// Verifies every installed package of the image at `root`, like
/// `rpm --root ROOT -Va --nodeps --noscripts`.
pub fn verify_root(root: &Rootfs) -> Result<Verification, Error> {
    let db = Database::open(root)?;
    let packages = db.packages()?;
    let mut v = verify_packages(root, &packages)?;
    v.warnings = db.warnings();
    Ok(v)
}

/// Verifies the given installed packages against the image at `root`.
pub fn verify_packages(root: &Rootfs, packages: &[Package]) -> Result<Verification, Error> {
    let users = Users::load(root);
    let verifier = Verifier::new(root, &users);

    // Owner counts for rpm's shared-file mtime rule. A package whose file list cannot be
    // parsed is skipped, as rpm skips it.
    let mut shared = SharedPaths::new();
    for p in packages {
        if let Ok(files) = p.files() {
            for f in &files {
                shared.add(root, f.path_raw());
            }
        }
    }

    let per_package: Vec<(usize, bool, Vec<Issue>)> = packages
        .par_iter()
        .enumerate()
        .map(|(pi, p)| {
            let Ok(files) = p.files() else {
                return (0, false, Vec::new());
            };
            let specs: Vec<FileSpec<'_>> = files.iter().map(FileSpec::from).collect();
            let found = rpmverify::verify_files(&verifier, &specs, &shared);
            let failed = found
                .iter()
                .any(|f| rpmverify::format::counts_as_failure(&specs[f.index], &f.result));
            let issues = found
                .into_iter()
                .map(|f| {
                    let s = &specs[f.index];
                    Issue {
                        package: pi,
                        path: s.path.to_string(),
                        line_bytes: f.line_bytes,
                        flags: s.flags,
                        mode: s.mode,
                        state: s.state,
                        result: f.result,
                    }
                })
                .collect();
            (files.len(), failed, issues)
        })
        .collect();

    let mut out = Verification {
        packages_verified: packages.len(),
        ..Verification::default()
    };
    let mut index_of = std::collections::HashMap::new();
    for (nfiles, failed, issues) in per_package {
        out.files_verified += nfiles;
        out.failed_packages += usize::from(failed);
        for mut issue in issues {
            let pi = issue.package;
            let next = out.packages.len();
            let idx = *index_of.entry(pi).or_insert(next);
            if idx == next {
                out.packages.push(meta_of(&packages[pi]));
            }
            issue.package = idx;
            out.issues.push(issue);
        }
    }
    Ok(out)
}
