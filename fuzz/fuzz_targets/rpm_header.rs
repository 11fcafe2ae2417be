//! Fuzzes the rpm header blob parser and everything derived from a parsed header (typed
//! package, file list, rpm -qa/-qi/-ql rendering).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    atomic_scanners_fuzz::exercise_blob(data);
});
