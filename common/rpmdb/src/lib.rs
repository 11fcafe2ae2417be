//! The installed-package database of an RPM-based image, read without librpm: locating it, the
//! Berkeley DB / sqlite / ndb backends, the header parser, typed packages and files, and rpm's
//! version ordering.

pub mod backend;
mod database;
pub mod digest;
mod error;
pub mod evr;
pub mod files;
pub mod header;
mod package;
pub mod query;
pub mod signature;
pub mod tags;
mod tagtypes;

pub use database::*;
pub use error::Error;
pub use evr::{compare_evr, rpmvercmp, Evr};
pub use files::{DigestAlgo, FileEntry};
pub use header::Header;
pub use package::{
    parse_package, parse_package_checked, parse_package_id_checked, Dependency, Package, PackageId,
    Skipped,
};
pub use signature::Signature;
