//! Arbitrary register words decoded with every register of every Modbus profile, and
//! arbitrary values encoded: no panic, and what encodes decodes back.
#![no_main]

use calibration_profiles::profile::{Instrument, SHIPPED_INSTRUMENTS};
use firmware_bridge::codec::modbus;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let words: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
    let value = data.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(f64::from_be_bytes).unwrap_or(0.0);
    for (_, text) in SHIPPED_INSTRUMENTS {
        let Ok(inst) = Instrument::from_toml(text) else { continue };
        for reg in &inst.profile.registers {
            let n = usize::from(reg.data_type.words());
            let _ = modbus::decode(reg, &words[..words.len().min(n)]);
            if let Ok(w) = modbus::encode(reg, value) {
                assert!(modbus::decode(reg, &w).is_ok() || !value.is_finite());
            }
        }
    }
});
