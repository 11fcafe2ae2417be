//! Fuzzes openscap-xccdf: SCAP source data streams (with their XCCDF benchmarks, CPE
//! dictionaries and OVAL components), profile listing, and ARF results reading.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = openscap_xccdf::arf::read_arf(data, openscap_xccdf::Engine::Native);
    if let Ok(ds) =
        openscap_xccdf::DataStreamCollection::from_text(Path::new("ds.xml"), text.to_string())
    {
        let _ = openscap_xccdf::list_profiles_in(&ds, None, None);
        for s in &ds.streams {
            let _ = openscap_xccdf::list_profiles_in(&ds, Some(&s.id), None);
        }
    }
});
