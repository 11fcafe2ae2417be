//! Database backends: each yields the raw header blobs stored in one on-disk format.

/// A backend failure, naming the database file and what is wrong with it.
#[derive(Debug, thiserror::Error)]
pub enum BackendError {}
