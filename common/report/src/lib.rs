//! The atomic scan result contract shared by all scanners: target enumeration under /scanin (or one
//! `--rootfs`), the `json` result document exactly as atomic reads it and oscapd wrote it, atomic
//! file writes, per-target failure isolation, `--scanner_args` normalisation, and the summary text
//! `atomic scan` prints.

pub mod args;
pub mod document;
pub mod pyjson;
pub mod summary;
pub mod targets;
pub mod time;
pub mod write;

pub use args::normalize_scanner_args;
pub use document::{
    document, into_document, is_successful, to_bytes, RunInfo, ScanResult, Vulnerability,
};
pub use summary::{
    load_results, render_atomic_summary, render_atomic_summary_entries, SummaryEntry,
};
pub use targets::{
    enumerate_targets, run_targets, scan_target, ScanTarget, TargetOptions, EXIT_CANNOT_RUN,
};
pub use write::{create_target_dir, write_atomically};
