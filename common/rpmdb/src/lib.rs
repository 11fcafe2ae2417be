//! The installed-package database of an RPM-based image, read without librpm: locating it, the
//! Berkeley DB / sqlite / ndb backends, the header parser, typed packages and files, and rpm's
//! version ordering.

pub mod backend;
mod database;
mod error;

pub use database::*;
pub use error::Error;
