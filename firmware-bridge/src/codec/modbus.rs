//! Modbus register values: words as read (wire order) → engineering value, and back for the
//! setpoints a profile allows writing. Word order `big` means the high word comes first;
//! byte order applies within each 16-bit register.

use calibration_profiles::profile::instrument::{DataType, Order, Register};

use super::CodecError;

/// Reorders words and bytes into a big-endian byte string of the value.
fn to_be_bytes(reg: &Register, words: &[u16]) -> Vec<u8> {
    let mut ws: Vec<u16> = words.to_vec();
    if reg.word_order == Order::Little {
        ws.reverse();
    }
    ws.iter()
        .flat_map(|w| match reg.byte_order {
            Order::Big => w.to_be_bytes(),
            Order::Little => w.to_le_bytes(),
        })
        .collect()
}

fn from_be_bytes(reg: &Register, bytes: &[u8]) -> Vec<u16> {
    let mut ws: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| match reg.byte_order {
            Order::Big => u16::from_be_bytes([c[0], c[1]]),
            Order::Little => u16::from_le_bytes([c[0], c[1]]),
        })
        .collect();
    if reg.word_order == Order::Little {
        ws.reverse();
    }
    ws
}

/// The raw number the words hold, before scale and offset.
pub fn raw_value(reg: &Register, words: &[u16]) -> Result<f64, CodecError> {
    let needed = usize::from(reg.data_type.words());
    if words.len() != needed {
        return Err(CodecError::WordCount {
            channel: reg.channel.clone(),
            needed,
            got: words.len(),
        });
    }
    let b = to_be_bytes(reg, words);
    let arr = |n: usize| -> [u8; 8] {
        let mut a = [0u8; 8];
        a[..n].copy_from_slice(&b[..n]);
        a
    };
    let v = match reg.data_type {
        DataType::U16 => f64::from(u16::from_be_bytes([b[0], b[1]])),
        DataType::I16 => f64::from(i16::from_be_bytes([b[0], b[1]])),
        DataType::U32 => f64::from(u32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        DataType::I32 => f64::from(i32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        DataType::F32 => f64::from(f32::from_be_bytes([b[0], b[1], b[2], b[3]])),
        DataType::F64 => f64::from_be_bytes(arr(8)),
    };
    if v.is_finite() {
        Ok(v)
    } else {
        Err(CodecError::NotFinite {
            channel: reg.channel.clone(),
            value: v,
        })
    }
}

/// Engineering value = raw × scale + offset.
///
/// f32 values are widened to f64 as the nearest decimal the device meant (shortest round-trip
/// text), so 101.325 read as an f32 stays 101.325, not 101.32499694824219.
pub fn decode(reg: &Register, words: &[u16]) -> Result<f64, CodecError> {
    let raw = raw_value(reg, words)?;
    let raw = if reg.data_type == DataType::F32 {
        // invariant: raw came from an f32, so the narrowing is exact.
        #[allow(clippy::cast_possible_truncation)]
        let f = raw as f32;
        f.to_string().parse().unwrap_or(raw)
    } else {
        raw
    };
    Ok(raw * reg.scale + reg.offset)
}

/// Words to write for an engineering value (setpoints): (value − offset) / scale, rounded to
/// the nearest integer for integer types, refused when it does not fit.
pub fn encode(reg: &Register, value: f64) -> Result<Vec<u16>, CodecError> {
    let raw = (value - reg.offset) / reg.scale;
    let out_of_range = || CodecError::OutOfRange {
        channel: reg.channel.clone(),
        value,
        data_type: format!("{:?}", reg.data_type),
    };
    if !raw.is_finite() {
        return Err(out_of_range());
    }
    let int = raw.round();
    let fits = |lo: f64, hi: f64| (lo..=hi).contains(&int);
    // The range checks above make every cast below exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let bytes: Vec<u8> = match reg.data_type {
        DataType::U16 if fits(0.0, f64::from(u16::MAX)) => (int as u16).to_be_bytes().to_vec(),
        DataType::I16 if fits(f64::from(i16::MIN), f64::from(i16::MAX)) => {
            (int as i16).to_be_bytes().to_vec()
        }
        DataType::U32 if fits(0.0, f64::from(u32::MAX)) => (int as u32).to_be_bytes().to_vec(),
        DataType::I32 if fits(f64::from(i32::MIN), f64::from(i32::MAX)) => {
            (int as i32).to_be_bytes().to_vec()
        }
        DataType::F32 if raw.abs() <= f64::from(f32::MAX) => (raw as f32).to_be_bytes().to_vec(),
        DataType::F64 => raw.to_be_bytes().to_vec(),
        _ => return Err(out_of_range()),
    };
    Ok(from_be_bytes(reg, &bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use calibration_profiles::profile::Instrument;

    fn register(file: &str, channel: &str) -> Register {
        let path = format!(
            "{}/../calibration-profiles/instruments/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        let i = Instrument::from_toml(&std::fs::read_to_string(path).unwrap()).unwrap();
        i.profile
            .registers
            .into_iter()
            .find(|r| r.channel == channel)
            .unwrap()
    }

    /// hardware-docs/alicat-pc-modbus/README.md: response `01 03 04 42 CA A6 66 …` → 101.325 kPa.
    #[test]
    fn f32_high_word_first() {
        let r = register("alicat-pc-modbus.toml", "pressure");
        assert_eq!(decode(&r, &[0x42CA, 0xA666]).unwrap(), 101.325);
        // Setpoint 200.0 kPa is written as 43 48 00 00.
        let sp = register("alicat-pc-modbus.toml", "setpoint");
        assert_eq!(encode(&sp, 200.0).unwrap(), vec![0x4348, 0x0000]);
    }

    /// hardware-docs/eurotherm-3216-modbus/README.md: PV float 0x41C83D71 ≈ 25.03 °C.
    #[test]
    fn eurotherm_float_region() {
        let r = register("eurotherm-3216-modbus.toml", "temperature");
        assert!((decode(&r, &[0x41C8, 0x3D71]).unwrap() - 25.03).abs() < 1e-6);
    }

    /// hardware-docs/advantech-adam-6051-counter/README.md: low word 0xE240 then high 0x0001
    /// → 123456 pulses → 1234.56 L at K = 100.
    #[test]
    fn u32_low_word_first_with_scale() {
        let pulses = register("advantech-adam-6051-counter.toml", "pulses");
        assert_eq!(decode(&pulses, &[0xE240, 0x0001]).unwrap(), 123_456.0);
        let litres = register("advantech-adam-6051-counter.toml", "volume");
        assert!((decode(&litres, &[0xE240, 0x0001]).unwrap() - 1234.56).abs() < 1e-9);
        assert_eq!(encode(&pulses, 123_456.0).unwrap(), vec![0xE240, 0x0001]);
    }

    #[test]
    fn bad_words_are_protocol_errors() {
        let r = register("alicat-pc-modbus.toml", "pressure");
        assert!(matches!(
            decode(&r, &[0x42CA]),
            Err(CodecError::WordCount {
                needed: 2,
                got: 1,
                ..
            })
        ));
        // f32 NaN.
        assert!(matches!(
            decode(&r, &[0x7FC0, 0x0000]),
            Err(CodecError::NotFinite { .. })
        ));
        let pulses = register("advantech-adam-6051-counter.toml", "pulses");
        assert!(matches!(
            encode(&pulses, -1.0),
            Err(CodecError::OutOfRange { .. })
        ));
    }

    #[test]
    fn byte_and_word_orders_round_trip() {
        let mut r = register("alicat-pc-modbus.toml", "pressure");
        for (wo, bo) in [
            (Order::Big, Order::Big),
            (Order::Big, Order::Little),
            (Order::Little, Order::Big),
            (Order::Little, Order::Little),
        ] {
            r.word_order = wo;
            r.byte_order = bo;
            r.data_type = DataType::F64;
            let words = encode(&r, -1234.5678).unwrap();
            assert_eq!(words.len(), 4);
            assert_eq!(decode(&r, &words).unwrap(), -1234.5678);
            r.data_type = DataType::I32;
            assert_eq!(
                decode(&r, &encode(&r, -70000.0).unwrap()).unwrap(),
                -70000.0
            );
        }
    }
}
