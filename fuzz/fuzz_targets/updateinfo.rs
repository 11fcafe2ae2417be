//! Fuzzes scanner-yum-update's updateinfo.xml parser.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(advs) = yum_update::metadata::updateinfo::parse(data, "updateinfo.xml") {
        for a in &advs {
            let _ = a.cves();
        }
    }
});
