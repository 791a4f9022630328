//! Modbus RTU framing for the simulator, sans-IO: frames in, frames out.
//!
//! Written here rather than taken from tokio-modbus's RTU server because a simulator must
//! misbehave on cue — answer with a wrong CRC (`fault crc n`), stay silent — which a correct
//! server cannot be told to do. The frame layout is the Modbus over Serial Line spec v1.02
//! §2.5.1: unit id, PDU, CRC-16/MODBUS low byte first. The framing is proven against two
//! clients we did not write (tokio-modbus and pymodbus) in the integration tests.
//!
//! A request's end is found from its function code when the code fixes the length (03, 04, 06,
//! 16, …), else by the inter-frame silence (§2.5.1.1), which the serving loop times.

use std::borrow::Cow;
use std::time::Instant;

use tokio_modbus::{ExceptionCode, Request, Response};

use super::modbus::{Answer, ModbusSim};

const CRC: crc::Crc<u16> = crc::Crc::<u16>::new(&crc::CRC_16_MODBUS);

/// CRC-16/MODBUS of `bytes`.
#[must_use]
pub fn crc16(bytes: &[u8]) -> u16 {
    CRC.checksum(bytes)
}

/// A frame: unit id, PDU and the CRC, low byte first — or a wrong CRC when `corrupt`.
#[must_use]
pub fn frame(unit: u8, pdu: &[u8], corrupt: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(pdu.len() + 3);
    out.push(unit);
    out.extend_from_slice(pdu);
    let crc = crc16(&out) ^ if corrupt { 0xA5A5 } else { 0 };
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

/// The length of the request frame at the start of `buf` when its function code fixes it;
/// `None` when more bytes are needed or only silence can tell.
#[must_use]
pub fn request_len(buf: &[u8]) -> Option<usize> {
    match buf.get(1)? {
        // address + quantity or value: unit, fc, 4 bytes, CRC.
        0x01..=0x06 => Some(8),
        // address, quantity, byte count, data.
        0x0F | 0x10 => buf.get(6).map(|n| 9 + usize::from(*n)),
        _ => None,
    }
}

/// Splits a frame whose CRC is right into (unit id, PDU).
#[must_use]
pub fn check(frame: &[u8]) -> Option<(u8, &[u8])> {
    if frame.len() < 4 {
        return None;
    }
    let (body, crc) = frame.split_at(frame.len() - 2);
    (crc16(body).to_le_bytes() == crc).then(|| (body[0], &body[1..]))
}

/// Parses the PDU of the requests the devices understand; anything else is an exception
/// the device returns (01 for an unknown function, 03 for a malformed one).
pub fn parse_request(pdu: &[u8]) -> Result<Request<'static>, ExceptionCode> {
    let word = |i: usize| -> Result<u16, ExceptionCode> {
        pdu.get(i..i + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or(ExceptionCode::IllegalDataValue)
    };
    let fc = *pdu.first().ok_or(ExceptionCode::IllegalFunction)?;
    let fixed = |n: usize| {
        if pdu.len() == n {
            Ok(())
        } else {
            Err(ExceptionCode::IllegalDataValue)
        }
    };
    match fc {
        0x03 => fixed(5).and(Ok(Request::ReadHoldingRegisters(word(1)?, word(3)?))),
        0x04 => fixed(5).and(Ok(Request::ReadInputRegisters(word(1)?, word(3)?))),
        0x06 => fixed(5).and(Ok(Request::WriteSingleRegister(word(1)?, word(3)?))),
        0x10 => {
            let count = usize::from(word(3)?);
            let bytes = usize::from(*pdu.get(5).ok_or(ExceptionCode::IllegalDataValue)?);
            if bytes != 2 * count || pdu.len() != 6 + bytes {
                return Err(ExceptionCode::IllegalDataValue);
            }
            let words = (0..count)
                .map(|k| word(6 + 2 * k))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Request::WriteMultipleRegisters(word(1)?, Cow::Owned(words)))
        }
        _ => Err(ExceptionCode::IllegalFunction),
    }
}

/// The PDU of a response the devices give.
#[must_use]
pub fn response_pdu(response: &Response) -> Vec<u8> {
    let mut out = Vec::new();
    match response {
        Response::ReadHoldingRegisters(words) | Response::ReadInputRegisters(words) => {
            out.push(if matches!(response, Response::ReadHoldingRegisters(_)) {
                0x03
            } else {
                0x04
            });
            // At most 125 words (checked when reading), so the byte count fits.
            out.push(u8::try_from(2 * words.len()).unwrap_or(u8::MAX));
            out.extend(words.iter().flat_map(|w| w.to_be_bytes()));
        }
        Response::WriteSingleRegister(address, value) => {
            out.push(0x06);
            out.extend(address.to_be_bytes());
            out.extend(value.to_be_bytes());
        }
        Response::WriteMultipleRegisters(address, count) => {
            out.push(0x10);
            out.extend(address.to_be_bytes());
            out.extend(count.to_be_bytes());
        }
        // The devices give no other response; a server failure is the honest answer.
        _ => return vec![0x80, u8::from(ExceptionCode::ServerDeviceFailure)],
    }
    out
}

/// What the device sends back: the frame, and the readings it carries when its CRC is intact
/// (to be logged once the frame is out).
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub frame: Vec<u8>,
    pub intact: Option<Answer>,
}

/// The device's answer to one received frame, or `None` when a real device stays quiet: a
/// wrong CRC, another unit's frame, a broadcast (unit 0, executed but not answered), or a
/// silent fault.
pub fn answer(sim: &mut ModbusSim, received: &[u8], now: Instant) -> Option<Reply> {
    let (unit, pdu) = check(received)?;
    let fc = *pdu.first()?;
    if unit != sim.unit_id() && unit != 0 {
        return None;
    }
    let (reply, answer) = match parse_request(pdu).and_then(|request| sim.serve(&request, now)) {
        Ok(None) => return None,
        Ok(Some(answer)) => (response_pdu(&answer.response), Some(answer)),
        Err(_) if sim.is_silent(now) => return None,
        Err(code) => (vec![fc | 0x80, u8::from(code)], None),
    };
    if unit == 0 {
        return None;
    }
    let corrupt = sim.take_crc_fault();
    Some(Reply {
        frame: frame(unit, &reply, corrupt),
        intact: answer.filter(|_| !corrupt),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::modbus::{Device, ModbusConfig};
    use crate::sim::port::ReadingLog;
    use std::time::Duration;

    fn sim(device: Device, t: Instant) -> ModbusSim {
        let config = ModbusConfig {
            device,
            tau: Some(Duration::ZERO),
            noise: Some(crate::sim::control::Amount {
                value: 0.0,
                unit: None,
            }),
            k_factor: None,
            seed: 1,
        };
        ModbusSim::new(&config, ReadingLog::default(), t).unwrap()
    }

    fn bytes(hex: &str) -> Vec<u8> {
        hex.split_whitespace()
            .map(|b| u8::from_str_radix(b, 16).unwrap())
            .collect()
    }

    /// hardware-docs/alicat-pc-modbus "Example bytes (RTU, CRC low byte first)".
    #[test]
    fn alicat_frames_match_the_page() {
        let t = Instant::now();
        let mut s = sim(Device::Pressure, t);
        let read_pv = bytes("01 03 05 49 00 02 15 11");
        assert_eq!(request_len(&read_pv), Some(8));
        assert_eq!(
            answer(&mut s, &read_pv, t).unwrap().frame,
            bytes("01 03 04 42 CA A6 66 35 FF")
        );
        let write_sp = bytes("01 10 05 45 00 02 04 43 48 00 00 9D 62");
        assert_eq!(request_len(&write_sp[..7]), Some(write_sp.len()));
        assert_eq!(
            answer(&mut s, &write_sp, t).unwrap().frame,
            bytes("01 10 05 45 00 02 50 D1")
        );
        let read_sp = bytes("01 03 05 45 00 02 D5 12");
        assert_eq!(
            answer(&mut s, &read_sp, t).unwrap().frame,
            bytes("01 03 04 43 48 00 00 6F A1")
        );
        // An address no register covers: the page's exception frame.
        let unknown = frame(1, &[0x03, 0x03, 0xE8, 0x00, 0x02], false);
        assert_eq!(
            answer(&mut s, &unknown, t).unwrap().frame,
            bytes("01 83 02 C0 F1")
        );
    }

    /// hardware-docs/eurotherm-3216-modbus "Example bytes (RTU)".
    #[test]
    fn eurotherm_frames_match_the_page() {
        let t = Instant::now();
        let mut s = sim(Device::Bath, t);
        let write_sp = bytes("01 10 80 04 00 02 04 41 F0 00 00 87 95");
        assert_eq!(
            answer(&mut s, &write_sp, t).unwrap().frame,
            bytes("01 10 80 04 00 02 29 C9")
        );
        let read_pv = bytes("01 03 80 02 00 02 4C 0B");
        // τ = 0: the bath is at 30.0 °C at once (41 F0 00 00).
        let reply = answer(&mut s, &read_pv, t).unwrap().frame;
        assert_eq!(reply[..7], bytes("01 03 04 41 F0 00 00")[..]);
        assert!(check(&reply).is_some());
        // Setpoint outside SP.LO…SP.HI (500 °C = 43 FA 00 00): the page's exception frame.
        let too_hot = frame(1, &bytes("10 80 04 00 02 04 43 FA 00 00"), false);
        assert_eq!(
            answer(&mut s, &too_hot, t).unwrap().frame,
            bytes("01 90 03 0C 01")
        );
    }

    #[test]
    fn quiet_cases_and_the_crc_fault() {
        let t = Instant::now();
        let mut s = sim(Device::Pressure, t);
        let mut bad = bytes("01 03 05 49 00 02 15 11");
        bad[7] ^= 1;
        assert_eq!(answer(&mut s, &bad, t), None, "wrong CRC: no answer");
        let other_unit = frame(7, &bytes("03 05 49 00 02"), false);
        assert_eq!(answer(&mut s, &other_unit, t), None);
        let broadcast = frame(0, &bytes("10 05 45 00 02 04 43 48 00 00"), false);
        assert_eq!(answer(&mut s, &broadcast, t), None);
        s.control(
            &crate::sim::control::Control::Fault(crate::sim::control::Fault::Crc(1)),
            t,
        )
        .unwrap();
        let reply = answer(&mut s, &bytes("01 03 05 49 00 02 15 11"), t).unwrap();
        assert_eq!(reply.frame.len(), 9);
        assert!(check(&reply.frame).is_none(), "corrupted CRC");
        assert_eq!(reply.intact, None, "a corrupted answer delivers no reading");
        let next = answer(&mut s, &bytes("01 03 05 49 00 02 15 11"), t).unwrap();
        assert!(check(&next.frame).is_some());
        assert_eq!(next.intact.unwrap().readings.len(), 1);
    }
}
