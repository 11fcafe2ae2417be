//! Plumbing shared by the scanner binaries and the tools: install-time modes, option spelling,
//! standard output and atomic file writes ([`write_atomically`]).
//!
//! Each scanner's `main` calls [`handle_install_flags`] first thing:
//!
//! ```no_run
//! # fn command() -> clap::Command { clap::Command::new("scanner-rpm-verify") }
//! if let Some(code) = cli::handle_install_flags("scanner-rpm-verify", command) {
//!     std::process::exit(code);
//! }
//! ```
//!
//! That gives every binary three hidden first-argument modes, used by the container image labels
//! and the RPM build (see `install/README.md`):
//! - `--install-registration [IMAGE]`: copy the scanner's atomic.d registration into
//!   `/host/etc/atomic.d/` (the image's `INSTALL` label; `IMAGE`, when given and fully qualified,
//!   replaces the registration's `image_name`);
//! - `--uninstall-registration`: remove it again (the `UNINSTALL` label);
//! - `--generate-man DIR`: write `DIR/<binary>.1` from the binary's clap definition.
//!
//! [`stdout`] ends a tool's output quietly when the reader of its pipe goes away.
//!
//! [`normalize_args`] turns the underscore spellings that `atomic scan --scanner_args k=v`
//! produces (`--scan_type`) into clap's hyphenated long options (`--scan-type`).

pub mod args;
pub mod flags;
pub mod man;
pub mod registration;
pub mod stdout;
pub mod write;

pub use args::normalize_args;
pub use flags::handle_install_flags;
pub use man::write_man_page;
pub use registration::{
    install_registration, install_registration_in, registration, uninstall_registration,
    uninstall_registration_in, HOST_CONFD,
};
pub use write::write_atomically;

/// Why an install-time action failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No registration is bundled for this binary name.
    #[error("no atomic.d registration is bundled for `{0}`")]
    UnknownScanner(String),
    /// The image name given to `--install-registration` cannot go into a registration.
    #[error("image name `{0}` is not usable in an atomic.d file: it must be fully qualified (registry/name[:tag]) and contain no whitespace")]
    BadImageName(String),
    /// The target directory for the registration does not exist (the bind mount is missing).
    #[error(
        "{0} does not exist: run the image with `-v /etc/atomic.d:{0}` (as its INSTALL label does)"
    )]
    NoConfd(String),
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}
