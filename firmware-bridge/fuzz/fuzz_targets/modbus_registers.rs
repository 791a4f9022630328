//! Arbitrary register words decoded with every register of every Modbus profile, and
//! arbitrary values encoded: no panic, and what encodes decodes back.
#![no_main]

use calibration_profiles::profile::{Instrument, SHIPPED_INSTRUMENTS};
use firmware_bridge::codec::modbus;
use libfuzzer_sys::fuzz_target;

/// Register maps are parsed once; each run only decodes and encodes.
static REGISTERS: std::sync::LazyLock<Vec<calibration_profiles::profile::instrument::Register>> = std::sync::LazyLock::new(|| {
    SHIPPED_INSTRUMENTS
        .iter()
        .filter_map(|(_, text)| Instrument::from_toml(text).ok())
        .flat_map(|i| i.profile.registers)
        .collect()
});

fuzz_target!(|data: &[u8]| {
    let words: Vec<u16> = data.chunks_exact(2).map(|c| u16::from_be_bytes([c[0], c[1]])).collect();
    let value = data.get(..8).and_then(|b| <[u8; 8]>::try_from(b).ok()).map(f64::from_be_bytes).unwrap_or(0.0);
    for reg in REGISTERS.iter() {
        let n = usize::from(reg.data_type.words());
        let _ = modbus::decode(reg, &words[..words.len().min(n)]);
        if let Ok(w) = modbus::encode(reg, value) {
            assert!(modbus::decode(reg, &w).is_ok() || !value.is_finite());
        }
    }
});
