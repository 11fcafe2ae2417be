//! scanner-yum-update: the answer `dnf check-update` would give for a container image, computed
//! read-only from the image's rpm database and repository configuration, with the updateinfo
//! advisories each update fixes.
//!
//! Layout: [`config`] (dnf.conf, .repo files, vars) → [`repo`] (fetch, verify, parse
//! [`metadata`]) → [`scan`] (excludes/includes, [`solver`], [`advisories`]) → [`output`].

pub mod advisories;
pub mod arch;
pub mod config;
pub mod fetch;
pub mod image;
pub mod ini;
pub mod metadata;
pub mod model;
pub mod modules;
pub mod output;
pub mod pattern;
pub mod repo;
pub mod scan;
pub mod solver;
pub mod vars;
pub mod vercmp;

pub use config::Overrides;
pub use repo::Cache;
pub use scan::{scan, scan_path, Outcome, ScanError};
