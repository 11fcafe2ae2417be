//! scanner-rpm-verify library.
