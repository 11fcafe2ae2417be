//! Locating an image's rpm database and choosing its backend.
