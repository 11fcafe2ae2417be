//! scanner-openscap library.
