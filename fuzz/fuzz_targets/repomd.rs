//! Fuzzes scanner-yum-update's repomd.xml parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(md) = yum_update::metadata::repomd::Repomd::parse(data, "repomd.xml") {
        let _ = md.get("primary");
        let _ = md.get("updateinfo");
    }
});
