//! Line framing of a serial byte stream.
//!
//! Bytes arrive in arbitrary chunks; complete lines come out without their terminator. A
//! device that sends garbage without a terminator cannot make the buffer grow without bound:
//! past `max_line` bytes the partial line is dropped and an error reported, and framing resumes
//! at the next terminator.

use super::CodecError;

/// Splits bytes into lines ending with `terminator` (e.g. `\r\n`).
#[derive(Debug, Clone)]
pub struct LineFramer {
    terminator: Vec<u8>,
    buf: Vec<u8>,
    max_line: usize,
    /// Dropping an overlong line: skip until the next terminator.
    discarding: bool,
}

impl LineFramer {
    /// # Panics
    /// If `terminator` is empty (a profile guarantees it is not).
    #[must_use]
    pub fn new(terminator: &str, max_line: usize) -> Self {
        assert!(
            !terminator.is_empty(),
            "invariant: profiles validate a non-empty line ending"
        );
        Self {
            terminator: terminator.as_bytes().to_vec(),
            buf: Vec::new(),
            max_line,
            discarding: false,
        }
    }

    /// Feeds bytes; returns the complete lines (as text) and protocol errors in arrival order.
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Result<String, CodecError>> {
        let mut out = Vec::new();
        self.buf.extend_from_slice(bytes);
        let t = self.terminator.len();
        let mut start = 0;
        let mut i = 0;
        while i + t <= self.buf.len() {
            if self.buf[i..i + t] == self.terminator[..] {
                let line = &self.buf[start..i];
                if self.discarding {
                    self.discarding = false;
                } else {
                    out.push(
                        String::from_utf8(line.to_vec()).map_err(|e| CodecError::NotText {
                            raw: e.into_bytes(),
                        }),
                    );
                }
                i += t;
                start = i;
            } else {
                i += 1;
            }
        }
        self.buf.drain(..start);
        if self.buf.len() > self.max_line {
            if !self.discarding {
                out.push(Err(CodecError::Overlong { max: self.max_line }));
            }
            self.discarding = true;
            // Keep a possible partial terminator at the end so it can complete.
            let keep = self.buf.len().min(t.saturating_sub(1));
            self.buf.drain(..self.buf.len() - keep);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_split_across_chunks_come_out_whole() {
        // hardware-docs/mettler-toledo-mt-sics: "S S   100.0000 g\r\n" arriving in three reads.
        let mut f = LineFramer::new("\r\n", 256);
        assert!(f.push(b"S S   10").is_empty());
        assert!(f.push(b"0.0000 g\r").is_empty());
        let lines = f.push(b"\nS D    99.9986 g\r\n");
        assert_eq!(
            lines,
            vec![
                Ok("S S   100.0000 g".to_owned()),
                Ok("S D    99.9986 g".to_owned())
            ]
        );
    }

    #[test]
    fn garbage_without_a_terminator_is_dropped_and_framing_resumes() {
        let mut f = LineFramer::new("\r\n", 16);
        let out = f.push(&[0xAA; 40]);
        assert_eq!(out, vec![Err(CodecError::Overlong { max: 16 })]);
        assert!(f.push(&[0x55; 40]).is_empty());
        let out = f.push(b"tail\r\nS S   1.0000 g\r\n");
        assert_eq!(out, vec![Ok("S S   1.0000 g".to_owned())]);
    }

    #[test]
    fn invalid_utf8_is_a_protocol_error_not_a_panic() {
        let mut f = LineFramer::new("\r\n", 64);
        let out = f.push(&[0xFF, 0xFE, b'\r', b'\n']);
        assert!(matches!(out[0], Err(CodecError::NotText { .. })));
    }
}
