//! Arbitrary bytes through line framing and every line-protocol profile's decoder: errors are
//! fine, panics are not.
#![no_main]

use calibration_profiles::profile::{Instrument, SHIPPED_INSTRUMENTS};
use firmware_bridge::codec::framing::LineFramer;
use firmware_bridge::codec::line::LineCodec;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for (_, text) in SHIPPED_INSTRUMENTS {
        let Ok(inst) = Instrument::from_toml(text) else { continue };
        let Some(ending) = inst.profile.serial.as_ref().and_then(|s| s.line_ending.clone()) else { continue };
        let codec = LineCodec::new(inst);
        let mut framer = LineFramer::new(&ending, 256);
        // Feed in two chunks so splits inside a line ending are exercised.
        let (a, b) = data.split_at(data.len() / 2);
        for chunk in [a, b] {
            for line in framer.push(chunk).into_iter().flatten() {
                let _ = codec.decode(&line, Some("mass"));
                let _ = codec.decode(&line, None);
            }
        }
    }
});
