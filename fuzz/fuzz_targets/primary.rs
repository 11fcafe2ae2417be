//! Fuzzes scanner-yum-update's primary.xml parser (plain, and through the gzip decoder when
//! the input is gzip).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let name = if data.starts_with(&[0x1f, 0x8b]) {
        "primary.xml.gz"
    } else {
        "primary.xml"
    };
    if let Ok(r) = yum_update::metadata::decompress::reader_for(name, data) {
        let mut n = 0usize;
        let _ = yum_update::metadata::primary::parse(r, name, |p| {
            n += 1;
            std::hint::black_box(&p);
        });
    }
});
