//! The wire side of a simulated serial device: a pseudo-terminal whose slave end the bridge
//! opens like a real port, a stable symlink to it (socat's `link=`), UART pacing, and the
//! reading log the tests audit.
//!
//! Key decisions:
//! - The simulator keeps only the **master** end open. When no client has the slave open, the
//!   master reads fail with EIO; the simulator then knows nobody listens and drops what the
//!   device sends, like a UART whose cable is unplugged — so a bridge that connects later never
//!   reads a backlog of stale readings.
//! - Pacing (`--line-rate`) releases each byte when a UART at that rate would have finished
//!   shifting it out (10 bit times: start, 8 data, stop), against absolute deadlines so timer
//!   granularity does not accumulate.
//! - A write that cannot finish within [`WRITE_STALL`] (a client that opened the port but never
//!   reads) is abandoned, so a stuck reader cannot freeze the control loop.

use std::fs::{File, OpenOptions};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::time::{Instant, sleep, sleep_until, timeout};
use tokio_serial::{SerialPort as _, SerialStream};

use super::SimError;

/// How long a write may wait for a client that does not read.
pub const WRITE_STALL: Duration = Duration::from_secs(2);
/// How late a line may be queued and still follow the previous one without a gap.
const FIFO_SLACK: Duration = Duration::from_millis(2);
/// How often to look for a client while none has the port open.
const CLIENT_POLL: Duration = Duration::from_millis(20);

/// A pseudo-terminal standing in for the device's serial port.
#[derive(Debug)]
pub struct Pty {
    master: SerialStream,
    path: PathBuf,
    link: Option<PathBuf>,
    client: bool,
}

impl Pty {
    /// Opens a new pseudo-terminal; with `link`, (re)points that symlink at its slave path.
    pub fn open(link: Option<&Path>) -> Result<Self, SimError> {
        let (master, slave) = SerialStream::pair().map_err(SimError::Pty)?;
        let path = slave.name().map(PathBuf::from).ok_or_else(|| {
            SimError::Pty(tokio_serial::Error::new(
                tokio_serial::ErrorKind::Unknown,
                "the pseudo-terminal has no slave path",
            ))
        })?;
        // The pair opened the slave (and set it raw); close it so that the master learns when
        // a real client comes and goes.
        drop(slave);
        if let Some(link) = link {
            replace_symlink(link, &path).map_err(|source| SimError::Link {
                path: link.to_owned(),
                source,
            })?;
        }
        Ok(Self {
            master,
            path,
            link: link.map(Path::to_owned),
            client: false,
        })
    }

    /// The slave device path, e.g. `/dev/pts/7`.
    #[must_use]
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// True while a client has the slave end open (as far as the last read could tell).
    #[must_use]
    pub fn has_client(&self) -> bool {
        self.client
    }

    /// Reads what the client sends; while no client has the port open, waits for one.
    /// Cancel-safe: dropping the future loses no bytes.
    pub async fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.client {
                match self.master.try_read(buf) {
                    Ok(n) if n > 0 => {
                        self.client = true;
                        return Ok(n);
                    }
                    Err(e) if e.kind() == io::ErrorKind::WouldBlock => self.client = true,
                    Err(e) if !is_hangup(&e) => return Err(e),
                    _ => {
                        sleep(CLIENT_POLL).await;
                        continue;
                    }
                }
            }
            match self.master.read(buf).await {
                Ok(n) if n > 0 => return Ok(n),
                Err(e) if !is_hangup(&e) => return Err(e),
                _ => self.client = false,
            }
        }
    }

    /// Sends `bytes` to the client, paced. Returns false when nobody received them (no client,
    /// or a client that does not read): the bytes are lost, as on a real line.
    pub async fn send(&mut self, pacer: &mut Pacer, bytes: &[u8]) -> io::Result<bool> {
        if !self.client {
            return Ok(false);
        }
        match timeout(WRITE_STALL, pacer.write(&mut self.master, bytes)).await {
            Ok(Ok(())) => Ok(true),
            Ok(Err(e)) if is_hangup(&e) => {
                self.client = false;
                Ok(false)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => {
                tracing::warn!(
                    "client does not read; {} bytes dropped after {WRITE_STALL:?}",
                    bytes.len()
                );
                Ok(false)
            }
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        // Remove the link only if it still points at this pty (a newer run may own it).
        if let Some(link) = &self.link
            && std::fs::read_link(link).is_ok_and(|target| target == self.path)
        {
            let _ = std::fs::remove_file(link);
        }
    }
}

/// EIO (and end of file) is how Linux tells the master that no client has the slave open.
fn is_hangup(e: &io::Error) -> bool {
    e.raw_os_error() == Some(5) || e.kind() == io::ErrorKind::UnexpectedEof
}

fn replace_symlink(link: &Path, target: &Path) -> io::Result<()> {
    match std::fs::remove_file(link) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
    std::os::unix::fs::symlink(target, link)
}

/// Releases bytes at the pace of a UART at `baud` (10 bit times a byte), or at once.
#[derive(Debug)]
pub struct Pacer {
    byte_time: Option<Duration>,
    /// When the line finishes sending what was already written.
    free_at: Instant,
}

impl Pacer {
    #[must_use]
    pub fn new(baud: Option<u32>) -> Self {
        Self {
            byte_time: baud.filter(|b| *b > 0).map(|b| Duration::from_secs(10) / b),
            free_at: Instant::now(),
        }
    }

    /// Writes `bytes`, each not before a UART would have finished shifting it out.
    pub async fn write<W: AsyncWrite + Unpin>(
        &mut self,
        io: &mut W,
        bytes: &[u8],
    ) -> io::Result<()> {
        let Some(byte_time) = self.byte_time else {
            io.write_all(bytes).await?;
            return io.flush().await;
        };
        // A line queued within a timer tick of the previous one's end follows it back to
        // back, as a UART's transmit FIFO would let it: the timer's 1 ms granularity must not
        // leave the simulated line idle.
        let now = Instant::now();
        let start = if now <= self.free_at + FIFO_SLACK {
            self.free_at
        } else {
            now
        };
        let due_at = |n: usize| start + byte_time * u32::try_from(n).unwrap_or(u32::MAX);
        let mut sent = 0;
        while sent < bytes.len() {
            let elapsed = Instant::now().saturating_duration_since(start);
            let done = usize::try_from(elapsed.as_nanos() / byte_time.as_nanos().max(1))
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            if done > sent {
                io.write_all(&bytes[sent..done]).await?;
                io.flush().await?;
                sent = done;
            } else {
                sleep_until(due_at(sent + 1)).await;
            }
        }
        self.free_at = due_at(bytes.len());
        Ok(())
    }
}

/// Appends one JSON line per reading the device emitted:
/// `{"seq": n, "at": RFC 3339, "line": "...", "value": "...", "stable": bool}`.
#[derive(Debug, Default)]
pub struct ReadingLog {
    file: Option<(PathBuf, File)>,
    seq: u64,
}

impl ReadingLog {
    /// A log appending to `path`, or one that records nothing.
    pub fn open(path: Option<&Path>) -> Result<Self, SimError> {
        let file = path
            .map(|p| {
                OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)
                    .map(|f| (p.to_owned(), f))
                    .map_err(|source| SimError::Log {
                        path: p.to_owned(),
                        source,
                    })
            })
            .transpose()?;
        Ok(Self { file, seq: 0 })
    }

    /// Records one reading; a failing log stops the simulator rather than lose the audit trail.
    pub fn record(&mut self, line: &str, value: &str, stable: bool) -> Result<(), SimError> {
        let Some((path, file)) = &mut self.file else {
            return Ok(());
        };
        self.seq += 1;
        let entry = serde_json::json!({
            "seq": self.seq,
            "at": chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
            "line": line,
            "value": value,
            "stable": stable,
        });
        writeln!(file, "{entry}")
            .and_then(|()| file.flush())
            .map_err(|source| SimError::Log {
                path: path.clone(),
                source,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pacing_takes_ten_bit_times_a_byte() {
        let mut pacer = Pacer::new(Some(9600));
        let (mut a, mut b) = tokio::io::duplex(256);
        let t0 = Instant::now();
        pacer.write(&mut a, &[b'x'; 48]).await.unwrap();
        let took = t0.elapsed();
        // 48 bytes × 10 bits / 9600 baud = 50 ms.
        assert!(took >= Duration::from_millis(49), "{took:?}");
        assert!(took < Duration::from_millis(200), "{took:?}");
        let mut got = vec![0; 48];
        b.read_exact(&mut got).await.unwrap();
    }

    #[test]
    fn the_reading_log_appends_numbered_json_lines() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("readings.jsonl");
        let mut log = ReadingLog::open(Some(&path)).unwrap();
        log.record("S S   100.0000 g", "100.0000", true).unwrap();
        log.record("S D    99.9986 g", "99.9986", false).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[1]["seq"], 2);
        assert_eq!(lines[1]["line"], "S D    99.9986 g");
        assert_eq!(lines[1]["value"], "99.9986");
        assert_eq!(lines[1]["stable"], false);
        assert!(chrono::DateTime::parse_from_rfc3339(lines[0]["at"].as_str().unwrap()).is_ok());
    }
}
