//! Per-file `rpm -V` checks of an installed package against an image tree: digests, size,
//! mode, owner, group, mtime, link target, device numbers and capabilities, with rpm 4.18's
//! rules for file states, `%ghost`, `%config(missingok)`, FILEVERIFYFLAGS and shared files,
//! and rpm's exact output text.
//!
//! Layers: [`file`] checks one file ([`Verifier::verify_file`], also the API of the OpenSCAP
//! `rpmverifyfile` probe), [`format`] turns a result into rpm's line, [`package`] runs a whole
//! package in parallel. Everything on disk is read through the confined [`rootfs`] API and
//! owners are resolved through the image's own `/etc/passwd` and `/etc/group`.

pub mod attrs;
pub mod caps;
pub mod digest;
pub mod file;
pub mod format;
pub mod package;

pub use attrs::FileState;
pub use file::{CheckOutcome, FileResult, FileSpec, Verifier};
pub use package::{verify_files, Finding, SharedPaths};
