//! The loops that own the transports: they feed the sans-IO devices with bytes, time and
//! control commands, write what the devices say, answer each control line with `ok …` or
//! `error …` on standard error, and carry out what concerns the transport itself — `quit`,
//! `disconnect` (a power cycle: the pty or listener disappears and comes back on the same
//! link or address), `fault silent`, `fault garbage`.

use std::io::{BufRead as _, Write as _};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use tokio::net::{TcpSocket, TcpStream};
use tokio::sync::mpsc;
use tokio::time::{MissedTickBehavior, sleep_until};
use tokio_modbus::{ExceptionCode, Request, Response};

use super::balance::Balance;
use super::control::{self, Control, Fault};
use super::modbus::ModbusSim;
use super::model::Noise;
use super::port::{Pacer, Pty, ReadingLog};
use super::scpi::Multimeter;
use super::{Emission, LineDevice, Options, SimError, Simulation, Transport, rtu};

/// Mixed into the seed of the garbage generator, so garbage differs from the device's noise.
const GARBAGE_SALT: u64 = 0x6761_7262_6167_6521;
/// Length of the random line `fault garbage` sends.
const GARBAGE_LEN: usize = 24;
/// Shortest inter-frame silence that ends an RTU request of unknown length: the spec's 3.5
/// character times are 2–4 ms at bench rates, less than a pseudo-terminal's scheduling jitter.
const RTU_SILENCE: Duration = Duration::from_millis(20);

/// Runs the simulation until `quit`, SIGTERM or Ctrl-C. Prints `tdc-sim <kind> on <where>` on
/// standard output once the device can be reached.
pub async fn run(simulation: Simulation, options: Options) -> Result<(), SimError> {
    let mut controls = Controls::start(options.script.clone());
    let log = ReadingLog::open(options.log.as_deref())?;
    let now = Instant::now();
    match simulation {
        Simulation::Balance(config) => {
            let device = Balance::new(&config, now)?;
            run_line("balance", device, &options, log, &mut controls).await
        }
        Simulation::Multimeter(config) => {
            let device = Multimeter::new(&config)?;
            run_line("multimeter", device, &options, log, &mut controls).await
        }
        Simulation::Modbus { config, transport } => {
            let sim = Arc::new(Mutex::new(ModbusSim::new(&config, log, now)?));
            match transport {
                Transport::Tcp(addr) => run_tcp(&sim, addr, &mut controls).await,
                Transport::Rtu => run_rtu(&sim, &options, &mut controls).await,
            }
        }
    }
}

/// Control commands from standard input, the script and the signals, on one channel.
struct Controls {
    rx: mpsc::Receiver<Control>,
    /// Keeps the channel open after standard input ends: only `quit` or a signal stop.
    _keep_open: mpsc::Sender<Control>,
}

impl Controls {
    fn start(script: Vec<(Duration, Control)>) -> Self {
        let (tx, rx) = mpsc::channel(64);
        let stdin_tx = tx.clone();
        // A plain thread: standard input is blocking, and this one may never end.
        std::thread::spawn(move || {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if line.trim().is_empty() {
                    continue;
                }
                match control::parse(&line) {
                    Ok(c) => {
                        if stdin_tx.blocking_send(c).is_err() {
                            break;
                        }
                    }
                    Err(e) => reply(Err(e.0)),
                }
            }
        });
        let script_tx = tx.clone();
        tokio::spawn(async move {
            let start = tokio::time::Instant::now();
            for (at, c) in script {
                sleep_until(start + at).await;
                if script_tx.send(c).await.is_err() {
                    break;
                }
            }
        });
        let signal_tx = tx.clone();
        tokio::spawn(async move {
            if wait_for_signal().await.is_ok() {
                let _ = signal_tx.send(Control::Quit).await;
            }
        });
        Self { rx, _keep_open: tx }
    }

    async fn recv(&mut self) -> Control {
        // The channel cannot close while `_keep_open` lives; pend forever if it somehow did.
        match self.rx.recv().await {
            Some(c) => c,
            None => std::future::pending().await,
        }
    }
}

async fn wait_for_signal() -> std::io::Result<()> {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    tokio::select! {
        r = tokio::signal::ctrl_c() => r,
        _ = term.recv() => Ok(()),
    }
}

/// Answers a control line on standard error.
fn reply(result: Result<String, String>) {
    match result {
        Ok(m) => eprintln!("ok {m}"),
        Err(m) => eprintln!("error {m}"),
    }
}

/// The one line on standard output that says where the device is.
fn announce(kind: &str, at: &str) -> Result<(), SimError> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "tdc-sim {kind} on {at}")?;
    out.flush()?;
    Ok(())
}

/// How a serving loop ended.
enum Outcome {
    Quit,
    PowerCycle(Duration),
}

/// Waits out a power cycle; true if `quit` came meanwhile.
async fn switched_off(off: Duration, controls: &mut Controls) -> bool {
    let until = tokio::time::Instant::now() + off;
    loop {
        tokio::select! {
            () = sleep_until(until) => return false,
            c = controls.recv() => {
                if c == Control::Quit {
                    reply(Ok("quit".into()));
                    return true;
                }
                reply(Err(format!("the device is switched off; `{}` ignored", c.name())));
            }
        }
    }
}

fn silent(until: Option<Instant>, now: Instant) -> bool {
    until.is_some_and(|u| now < u)
}

/// What a line device's loop writes with: pacing, the reading log, the garbage RNG.
struct LineOutput {
    pacer: Pacer,
    log: ReadingLog,
    noise: Noise,
    ending: Vec<u8>,
}

impl LineOutput {
    /// Sends each emission with the line ending. A reading is logged just before it goes out
    /// to a client, so the log holds it by the time the client has it; with no client it is
    /// lost on the line and not logged.
    async fn send(&mut self, pty: &mut Pty, emissions: Vec<Emission>) -> Result<(), SimError> {
        for e in emissions {
            if !pty.has_client() {
                continue;
            }
            if let Some((value, stable)) = &e.reading {
                self.log
                    .record(&String::from_utf8_lossy(&e.bytes), value, *stable)?;
            }
            let mut bytes = e.bytes;
            bytes.extend_from_slice(&self.ending);
            pty.send(&mut self.pacer, &bytes).await?;
        }
        Ok(())
    }
}

async fn run_line<D: LineDevice>(
    kind: &str,
    mut device: D,
    options: &Options,
    log: ReadingLog,
    controls: &mut Controls,
) -> Result<(), SimError> {
    let mut out = LineOutput {
        pacer: Pacer::new(options.line_rate),
        log,
        noise: Noise::new(options.seed ^ GARBAGE_SALT),
        ending: device.line_ending().as_bytes().to_vec(),
    };
    let mut banner = Vec::new();
    let mut first = true;
    loop {
        let mut pty = Pty::open(options.link.as_deref())?;
        let at = pty.path().display().to_string();
        if first {
            announce(kind, &at)?;
            first = false;
        } else {
            eprintln!("tdc-sim {kind} back on {at}");
        }
        match serve_line(&mut pty, &mut device, &mut out, &mut banner, controls).await? {
            Outcome::Quit => return Ok(()),
            Outcome::PowerCycle(off) => {
                drop(pty);
                reply(Ok(format!("disconnected for {off:?}")));
                if switched_off(off, controls).await {
                    return Ok(());
                }
                // Said at power-up, heard by the first client that opens the port again.
                banner = device.power_up(Instant::now());
            }
        }
    }
}

async fn serve_line<D: LineDevice>(
    pty: &mut Pty,
    device: &mut D,
    out: &mut LineOutput,
    banner: &mut Vec<Emission>,
    controls: &mut Controls,
) -> Result<Outcome, SimError> {
    let mut input = Vec::new();
    let mut buf = [0u8; 512];
    let mut tick = tokio::time::interval(device.tick_period());
    // Updates missed while a paced line was being sent are made up at once: a device whose
    // update rate exceeds the line sends back to back, at line rate, as a real one does.
    tick.set_missed_tick_behavior(MissedTickBehavior::Burst);
    let mut silent_until = None;
    loop {
        tokio::select! {
            r = pty.read(&mut buf) => {
                let n = r?;
                let now = Instant::now();
                // A silent device does not even hear: what arrives meanwhile is lost.
                if silent(silent_until, now) {
                    continue;
                }
                input.extend_from_slice(&buf[..n]);
                while let Some(cmd) = device.next_command(&mut input) {
                    let replies = device.command(&cmd, now);
                    out.send(pty, replies).await?;
                }
            }
            _ = tick.tick() => {
                let now = Instant::now();
                let emissions = device.tick(now);
                if !silent(silent_until, now) {
                    if pty.has_client() && !banner.is_empty() {
                        out.send(pty, std::mem::take(banner)).await?;
                    }
                    out.send(pty, emissions).await?;
                }
            }
            c = controls.recv() => {
                let now = Instant::now();
                match c {
                    Control::Quit => {
                        reply(Ok("quit".into()));
                        return Ok(Outcome::Quit);
                    }
                    Control::Disconnect(off) => return Ok(Outcome::PowerCycle(off)),
                    Control::Fault(Fault::Silent(d)) => {
                        silent_until = Some(now + d);
                        reply(Ok(format!("silent for {d:?}")));
                    }
                    Control::Fault(Fault::Garbage) => {
                        let mut bytes = out.noise.garbage(GARBAGE_LEN);
                        bytes.extend_from_slice(&out.ending);
                        let sent = pty.send(&mut out.pacer, &bytes).await?;
                        reply(Ok(format!(
                            "garbage {}",
                            if sent { "sent" } else { "lost: no client" }
                        )));
                    }
                    Control::Fault(Fault::Crc(_)) => {
                        reply(Err("`fault crc` applies to Modbus RTU devices".into()));
                    }
                    other => match device.control(&other, now) {
                        Ok((message, emissions)) => {
                            reply(Ok(message));
                            if !silent(silent_until, now) {
                                out.send(pty, emissions).await?;
                            }
                        }
                        Err(message) => reply(Err(message)),
                    },
                }
            }
        }
    }
}

fn lock(sim: &Mutex<ModbusSim>) -> MutexGuard<'_, ModbusSim> {
    // A panic while holding the lock leaves plain data behind; go on with it.
    sim.lock().unwrap_or_else(PoisonError::into_inner)
}

async fn run_rtu(
    sim: &Arc<Mutex<ModbusSim>>,
    options: &Options,
    controls: &mut Controls,
) -> Result<(), SimError> {
    let mut pacer = Pacer::new(options.line_rate);
    let mut noise = Noise::new(options.seed ^ GARBAGE_SALT);
    let mut first = true;
    loop {
        let mut pty = Pty::open(options.link.as_deref())?;
        let at = pty.path().display().to_string();
        if first {
            announce("modbus", &at)?;
            first = false;
        } else {
            eprintln!("tdc-sim modbus back on {at}");
        }
        match serve_rtu(&mut pty, sim, &mut pacer, &mut noise, controls).await? {
            Outcome::Quit => return Ok(()),
            Outcome::PowerCycle(off) => {
                drop(pty);
                reply(Ok(format!("disconnected for {off:?}")));
                if switched_off(off, controls).await {
                    return Ok(());
                }
            }
        }
    }
}

async fn serve_rtu(
    pty: &mut Pty,
    sim: &Mutex<ModbusSim>,
    pacer: &mut Pacer,
    noise: &mut Noise,
    controls: &mut Controls,
) -> Result<Outcome, SimError> {
    let mut pending: Vec<u8> = Vec::new();
    let silence = lock(sim).rtu_silence(RTU_SILENCE);
    let mut last_byte = tokio::time::Instant::now();
    let mut buf = [0u8; 512];
    loop {
        let mut frames = Vec::new();
        tokio::select! {
            r = pty.read(&mut buf) => {
                let n = r?;
                pending.extend_from_slice(&buf[..n]);
                last_byte = tokio::time::Instant::now();
                // Frames whose function code fixes their length are answered at once.
                while let Some(len) = rtu::request_len(&pending).filter(|l| *l <= pending.len()) {
                    frames.push(pending.drain(..len).collect::<Vec<u8>>());
                }
            }
            () = sleep_until(last_byte + silence), if !pending.is_empty() => {
                // Silence ends the frame (spec §2.5.1.1): whatever it is, it is complete now.
                frames.push(std::mem::take(&mut pending));
            }
            c = controls.recv() => {
                match c {
                    Control::Quit => {
                        reply(Ok("quit".into()));
                        return Ok(Outcome::Quit);
                    }
                    Control::Disconnect(off) => return Ok(Outcome::PowerCycle(off)),
                    Control::Fault(Fault::Garbage) => {
                        let sent = pty.send(pacer, &noise.garbage(GARBAGE_LEN)).await?;
                        reply(Ok(format!(
                            "garbage {}",
                            if sent { "sent" } else { "lost: no client" }
                        )));
                    }
                    other => reply(lock(sim).control(&other, Instant::now())),
                }
            }
        }
        for received in frames {
            let reply = rtu::answer(&mut lock(sim), &received, Instant::now());
            match reply {
                Some(reply) => {
                    // Logged before it goes out, as for line devices.
                    if let (true, Some(answer)) = (pty.has_client(), &reply.intact) {
                        lock(sim).record(answer)?;
                    }
                    pty.send(pacer, &reply.frame).await?;
                }
                // A frame that failed its CRC may be the start of garbage: drop the rest too.
                None if rtu::check(&received).is_none() => pending.clear(),
                None => {}
            }
        }
    }
}

/// tokio-modbus's TCP server calls this for each request of each connection.
#[derive(Debug, Clone)]
struct TcpService(Arc<Mutex<ModbusSim>>);

impl tokio_modbus::server::Service for TcpService {
    type Request = Request<'static>;
    type Response = Option<Response>;
    type Exception = ExceptionCode;
    type Future = std::future::Ready<Result<Option<Response>, ExceptionCode>>;

    fn call(&self, request: Self::Request) -> Self::Future {
        // Modbus TCP addresses the device by IP; the unit id is not checked (spec §4.4.2).
        let mut sim = lock(&self.0);
        let result = sim.serve(&request, Instant::now()).map(|answer| {
            answer.map(|answer| {
                if let Err(e) = sim.record(&answer) {
                    tracing::error!("{e}");
                }
                answer.response
            })
        });
        std::future::ready(result)
    }
}

fn bind(addr: SocketAddr) -> Result<tokio::net::TcpListener, SimError> {
    let bind_error = |source| SimError::Bind { addr, source };
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()
    } else {
        TcpSocket::new_v6()
    }
    .map_err(bind_error)?;
    // Coming back on the same port right after a power cycle needs SO_REUSEADDR.
    socket.set_reuseaddr(true).map_err(bind_error)?;
    socket.bind(addr).map_err(bind_error)?;
    socket.listen(64).map_err(bind_error)
}

async fn run_tcp(
    sim: &Arc<Mutex<ModbusSim>>,
    addr: SocketAddr,
    controls: &mut Controls,
) -> Result<(), SimError> {
    let mut addr = addr;
    let mut first = true;
    loop {
        let listener = bind(addr)?;
        if first {
            addr = listener.local_addr()?;
            announce("modbus", &addr.to_string())?;
            first = false;
        } else {
            eprintln!("tdc-sim modbus back on {addr}");
        }
        let outcome = serve_tcp(listener, sim, controls).await?;
        match outcome {
            Outcome::Quit => return Ok(()),
            Outcome::PowerCycle(off) => {
                reply(Ok(format!("disconnected for {off:?}")));
                if switched_off(off, controls).await {
                    return Ok(());
                }
            }
        }
    }
}

/// Serves until `quit` or `disconnect`; returning drops the server, which closes the listener
/// and cancels every connection.
async fn serve_tcp(
    listener: tokio::net::TcpListener,
    sim: &Arc<Mutex<ModbusSim>>,
    controls: &mut Controls,
) -> Result<Outcome, SimError> {
    let server = tokio_modbus::server::tcp::Server::new(listener);
    let service = TcpService(Arc::clone(sim));
    let on_connected = |stream: TcpStream, _peer: SocketAddr| {
        let service = service.clone();
        async move { Ok(Some((service, stream))) }
    };
    let serving = server.serve(&on_connected, |e| tracing::debug!("Modbus TCP client: {e}"));
    tokio::pin!(serving);
    loop {
        tokio::select! {
            r = &mut serving => {
                r?;
                return Ok(Outcome::Quit);
            }
            c = controls.recv() => match c {
                Control::Quit => {
                    reply(Ok("quit".into()));
                    return Ok(Outcome::Quit);
                }
                Control::Disconnect(off) => return Ok(Outcome::PowerCycle(off)),
                Control::Fault(Fault::Garbage | Fault::Crc(_)) => reply(Err(
                    "TCP has no line noise and no CRC; use this fault with --rtu".into(),
                )),
                other => reply(lock(sim).control(&other, Instant::now())),
            },
        }
    }
}
