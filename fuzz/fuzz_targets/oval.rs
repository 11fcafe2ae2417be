//! Fuzzes scanner-openscap's OVAL definitions parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = scanner_openscap::parse::parse_reader(data);
});
