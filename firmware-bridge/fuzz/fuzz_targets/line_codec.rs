//! Arbitrary bytes through line framing and every line-protocol profile's decoder: errors are
//! fine, panics are not.
#![no_main]

use calibration_profiles::profile::{Instrument, SHIPPED_INSTRUMENTS};
use firmware_bridge::codec::framing::LineFramer;
use firmware_bridge::codec::line::LineCodec;
use libfuzzer_sys::fuzz_target;

/// Profiles are parsed once; each run only decodes.
static CODECS: std::sync::LazyLock<Vec<(String, LineCodec)>> = std::sync::LazyLock::new(|| {
    SHIPPED_INSTRUMENTS
        .iter()
        .filter_map(|(_, text)| Instrument::from_toml(text).ok())
        .filter_map(|i| {
            let ending = i.profile.serial.as_ref()?.line_ending.clone()?;
            Some((ending, LineCodec::new(i)))
        })
        .collect()
});

fuzz_target!(|data: &[u8]| {
    for (ending, codec) in CODECS.iter() {
        let mut framer = LineFramer::new(ending, 256);
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
