//! scanner-yum-update library.
