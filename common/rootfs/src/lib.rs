//! Confined access to an image root filesystem: every open, stat, readlink and directory listing
//! resolves symlinks as if chrooted into the image.

mod error;

pub use error::Error;
