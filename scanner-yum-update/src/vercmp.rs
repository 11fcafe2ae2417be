//! Adapter over rpm's version comparison from the `rpmdb` crate (the one implementation the
//! workspace shares); the update computation calls only this.

pub use rpmdb::evr::rpmvercmp;
