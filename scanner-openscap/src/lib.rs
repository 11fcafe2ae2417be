//! scanner-openscap: a native OVAL 5.x engine (definitions, criteria, tests, objects, states,
//! variables and OpenSCAP's result algebra) with collectors reading an image through the
//! `rootfs` and `rpmdb` crates, and the CVE scan that writes atomic's result files.

pub mod compare;
pub mod compliance;
pub mod cve;
pub mod eval;
pub mod feed;
pub mod fetch;
pub mod functions;
pub mod hash;
pub mod model;
pub mod parse;
pub mod probes;
pub mod result;
pub mod results_doc;
pub mod results_xml;
pub mod system;
pub mod xml;
