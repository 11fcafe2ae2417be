//! Per-target driver: verify one image root and build every output file for it.

use std::path::Path;
use std::time::SystemTime;

use crate::outputs;
use crate::policy::Policy;
use crate::scan;

/// Everything produced for one target.
#[derive(Debug)]
pub struct TargetOutput {
    /// Atomic `Vulnerabilities` items (policy applied).
    pub vulnerabilities: Vec<report::Vulnerability>,
    /// Atomic top-level `Custom`.
    pub custom: serde_json::Value,
    /// Extra files to write beside `json`: (name, bytes).
    pub files: Vec<(String, Vec<u8>)>,
}

/// Why a target could not be scanned.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Rootfs(#[from] rootfs::Error),
    #[error("{0}")]
    Scan(#[from] scan::Error),
}

/// Verifies the image at `root_path` (target directory name `id`) under `policy`.
pub fn scan_target(root_path: &Path, id: &str, policy: &Policy) -> Result<TargetOutput, Error> {
    let start = report::time::legacy_timestamp(SystemTime::now());
    let root = rootfs::Rootfs::open(root_path)?;
    let v = scan::verify_root(&root)?;
    let vulnerabilities = outputs::vulnerabilities(&v, policy);
    let custom = outputs::summary_custom(&v, policy, vulnerabilities.len());
    let finish = report::time::legacy_timestamp(SystemTime::now());
    let legacy = outputs::legacy_json(&v, policy, id, &start, &finish);
    Ok(TargetOutput {
        vulnerabilities,
        custom,
        files: vec![
            (outputs::RPM_VA_FILE.to_string(), v.rpm_va_bytes()),
            (
                outputs::LEGACY_FILE.to_string(),
                report::pyjson::legacy_file_bytes(&legacy),
            ),
        ],
    })
}
