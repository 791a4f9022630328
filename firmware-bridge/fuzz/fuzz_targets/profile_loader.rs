//! Arbitrary text as a profile of each kind: every problem is reported, nothing panics.
#![no_main]

use calibration_profiles::profile::FileKind;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    for kind in [FileKind::Procedure, FileKind::Instrument, FileKind::MpeTable, FileKind::Cycles] {
        let _ = kind.check(text);
    }
});
