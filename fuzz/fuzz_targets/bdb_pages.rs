//! Fuzzes the Berkeley DB hash reader over an in-memory `Packages` file, then parses every
//! header blob it yields.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(hs) = rpmdb::backend::bdb::read_headers(data, std::path::Path::new("Packages")) {
        for h in hs {
            atomic_scanners_fuzz::exercise_blob(&h.blob);
        }
    }
});
