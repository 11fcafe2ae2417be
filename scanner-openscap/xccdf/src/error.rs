//! Typed errors of the crate: loading and resolving SCAP content, driving `oscap`, and
//! reading or writing result documents.

use std::path::PathBuf;

/// Everything that can go wrong while loading content, evaluating or rendering.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The content file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The XML is not well formed.
    #[error("{what} is not well-formed XML: {message}")]
    Xml { what: String, message: String },
    /// The XML nests elements deeper than [`crate::xml::MAX_DEPTH`] (refused, not walked).
    #[error("{what}: elements nested deeper than {limit} levels (at byte {at}); no SCAP content comes near that")]
    TooDeep { what: String, limit: usize, at: u64 },
    /// An element has more than [`crate::xml::MAX_ATTRIBUTES`] attributes (refused before
    /// roxmltree, whose duplicate check is quadratic in them).
    #[error("{what}: an element with more than {limit} attributes (at byte {at}); no SCAP content comes near that")]
    TooManyAttributes { what: String, limit: usize, at: u64 },
    /// More than [`crate::xml::MAX_NAMESPACES_IN_SCOPE`] namespace declarations in scope at
    /// once, or [`crate::xml::MAX_NAMESPACE_DECLARATIONS`] in the document (refused before
    /// roxmltree, which copies the namespaces in scope for every element that declares one).
    #[error("{what}: more than {limit} XML namespace declarations {counted} (at byte {at}); no SCAP content comes near that")]
    TooManyNamespaces {
        what: String,
        limit: usize,
        /// "in scope at once" or "in the document".
        counted: &'static str,
        at: u64,
    },
    /// A namespace prefix longer than [`crate::xml::MAX_NAMESPACE_PREFIX`] bytes is declared
    /// (roxmltree compares the prefixes in scope for every element that declares one).
    #[error("{what}: a namespace prefix longer than {limit} bytes is declared (at byte {at}); no SCAP content comes near that")]
    LongNamespacePrefix { what: String, limit: usize, at: u64 },
    /// The file is XML but not a SCAP source data stream collection.
    #[error("{0} is not a SCAP source data stream collection (ds:data-stream-collection)")]
    NotDataStream(String),
    /// A structural problem in the content (missing attribute, dangling reference...).
    #[error("invalid SCAP content: {0}")]
    Content(String),
    /// `--datastream-id` / `--xccdf-id` / `--profile` named nothing, or several things.
    #[error("{0}")]
    Selection(String),
    /// The OVAL evaluator failed as a whole (not a per-definition error).
    #[error("OVAL evaluation of {component} failed: {message}")]
    Oval { component: String, message: String },
    /// The `oscap` tool could not be run or failed.
    #[error("oscap: {0}")]
    Oscap(String),
    /// An I/O error while writing temporary or output files.
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },
    /// A requested feature this crate does not support (stated, never faked).
    #[error("not supported: {0}")]
    Unsupported(String),
}

impl Error {
    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Error {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
