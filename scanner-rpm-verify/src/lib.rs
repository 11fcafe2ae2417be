//! scanner-rpm-verify: `rpm -Va` for a container image without rpm. [`scan`] verifies one
//! image through the rpmdb and rpmverify crates, [`policy`] decides which findings the
//! filtered outputs report, [`severity`] maps findings to atomic severities, [`outputs`]
//! builds the per-target files, [`run`] ties them to the atomic target layout.

pub mod outputs;
pub mod policy;
pub mod run;
pub mod scan;
pub mod severity;
