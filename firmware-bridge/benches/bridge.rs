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

use std::fmt::Write as _;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use calibration_profiles::problems::Problems;
use calibration_profiles::profile::shipped_instrument;
use firmware_bridge::config;
use firmware_bridge::device::{self, Capture};
use firmware_bridge::outbox::Outbox;
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

#[path = "../tests/bridge/receiver.rs"]
#[allow(dead_code)]
mod receiver;

fn sim(args: &[&str]) -> (Kill, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tdc-sim"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("tdc-sim");
    let line = first_line(&mut child);
    (Kill(child), line)
}

/// Readings/s of the bridge's line loop streaming from a balance paced at 9600 baud, as a
/// fraction of what the line can carry.
fn serial_line_rate() {
    let dir = tempfile::tempdir().expect("tempdir");
    let link = dir.path().join("balance");
    let _sim = sim(&[
        "balance",
        "--protocol",
        "mt-sics",
        "--load",
        "100 g",
        "--update-ms",
        "0",
        "--line-rate",
        "9600",
        "--link",
        link.to_str().expect("utf-8 path"),
    ]);
    let text = format!(
        "[bridge]\nid = \"bench\"\ndata_dir = \"{}\"\n[server]\nurl = \"http://127.0.0.1:9\"\ntoken = \"t\"\nbatch_size = 500\ntimeout_ms = 1000\n[outbox]\nmax_readings = 1000000\n[[devices]]\nid = \"balance\"\nprofile = \"mettler-toledo-mt-sics\"\nmode = \"stream\"\n[devices.serial]\nport = \"{}\"\n",
        dir.path().display(),
        link.display()
    );
    let mut p = Problems::default();
    let cfg = config::load(Some(&text))
        .expect("config")
        .validate(&config::profiles(&[], &mut p))
        .expect("valid");
    let dev = cfg.devices[0].clone();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (count, line_len, secs) = rt.block_on(async move {
        let outbox = Outbox::open(dir.path(), 1_000_000).await.expect("outbox");
        let cap = Capture {
            device_id: dev.id.clone(),
            outbox: outbox.clone(),
            wake: Arc::new(tokio::sync::Notify::new()),
        };
        let config::Link::Serial { port, settings } = &dev.link else {
            unreachable!("serial")
        };
        let io = firmware_bridge::supervisor::open_serial(port, settings).expect("pty");
        let (tx, mut rx) = tokio::sync::watch::channel(false);
        let run = tokio::spawn(async move { device::run_line(io, &dev, &cap, &mut rx).await });
        // Let streaming start, then count over a measured window.
        tokio::time::sleep(Duration::from_secs(1)).await;
        let before = outbox.depth().await.expect("depth");
        let start = Instant::now();
        tokio::time::sleep(Duration::from_secs(10)).await;
        let after = outbox.depth().await.expect("depth");
        let secs = start.elapsed().as_secs_f64();
        let _ = tx.send(true);
        let _ = run.await;
        let sample = outbox.peek(1).await.expect("peek");
        let len = match sample.first().map(|r| r.raw.clone()) {
            Some(calibration_profiles::wire::v1::Raw::Text(t)) => t.len() + 2,
            _ => 18,
        };
        (after - before, len, secs)
    });
    let rate = count as f64 / secs;
    let limit = 9600.0 / 10.0 / line_len as f64;
    let fraction = rate / limit;
    println!("Serial, MT-SICS SIR at 9600 baud on a pty ({line_len}-byte lines), 10 s");
    println!(
        "  readings/s {rate:.1} of a line-rate limit {limit:.1}: fraction {fraction:.3}   target ≥ 0.95  {}",
        if fraction >= 0.95 { "meets" } else { "BELOW" }
    );
}

fn proc_field(pid: u32, file: &str, key: &str) -> Option<u64> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .ok()?
        .lines()
        .find_map(|l| {
            l.strip_prefix(key).map(|v| {
                v.split_whitespace()
                    .next()
                    .unwrap_or("0")
                    .parse()
                    .unwrap_or(0)
            })
        })
}

/// utime + stime of a process, in clock ticks.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.rsplit_once(')')?.1;
    let f: Vec<&str> = after.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// Resident memory and CPU of `tdc-bridge` with 8 devices polling once a second.
fn memory_and_cpu() {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut sims = Vec::new();
    let mut devices = String::new();
    let balances = [
        ("mt-sics", "mettler-toledo-mt-sics"),
        ("sbi", "sartorius-sbi"),
        ("and", "and-gx-a"),
        ("mt-sics", "mettler-toledo-mt-sics"),
    ];
    for (i, (protocol, profile)) in balances.iter().enumerate() {
        let link = dir.path().join(format!("b{i}"));
        sims.push(
            sim(&[
                "balance",
                "--protocol",
                protocol,
                "--load",
                "100 g",
                "--link",
                link.to_str().expect("utf-8"),
            ])
            .0,
        );
        let _ = write!(
            devices,
            "[[devices]]\nid = \"balance-{i}\"\nprofile = \"{profile}\"\n[devices.serial]\nport = \"{}\"\n",
            link.display()
        );
    }
    let link = dir.path().join("dmm");
    sims.push(sim(&["multimeter", "--link", link.to_str().expect("utf-8")]).0);
    let _ = write!(
        devices,
        "[[devices]]\nid = \"dmm\"\nprofile = \"keysight-34401a-scpi\"\npoll_commands = [\"measure_dc_voltage\"]\n[devices.serial]\nport = \"{}\"\n",
        link.display()
    );
    for (name, profile) in [
        ("pressure", "alicat-pc-modbus"),
        ("bath", "eurotherm-3216-modbus"),
    ] {
        let link = dir.path().join(name);
        sims.push(
            sim(&[
                "modbus",
                "--device",
                name,
                "--rtu",
                "--link",
                link.to_str().expect("utf-8"),
            ])
            .0,
        );
        let _ = write!(
            devices,
            "[[devices]]\nid = \"{name}\"\nprofile = \"{profile}\"\n[devices.serial]\nport = \"{}\"\n",
            link.display()
        );
    }
    let (counter, line) = sim(&["modbus", "--device", "counter", "--tcp", "127.0.0.1:0"]);
    sims.push(counter);
    let addr = line.rsplit(' ').next().unwrap_or_default().to_owned();
    let _ = write!(
        devices,
        "[[devices]]\nid = \"counter\"\nprofile = \"advantech-adam-6051-counter\"\n[devices.tcp]\naddress = \"{addr}\"\n"
    );

    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let rx = rt.block_on(receiver::Receiver::start("bench-token"));
    let cfg = dir.path().join("bridge.toml");
    std::fs::write(
        &cfg,
        format!("[bridge]\nid = \"bench\"\ndata_dir = \"{}\"\n[server]\nurl = \"{}\"\ntoken = \"bench-token\"\nbatch_size = 500\ntimeout_ms = 2000\n[outbox]\nmax_readings = 1000000\n{devices}", dir.path().join("data").display(), rx.url()),
    )
    .expect("config");
    let bridge = Command::new(env!("CARGO_BIN_EXE_tdc-bridge"))
        .args(["run", "--config"])
        .arg(&cfg)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("tdc-bridge");
    let pid = bridge.id();
    let _bridge = Kill(bridge);
    std::thread::sleep(Duration::from_secs(15));
    let t0 = cpu_ticks(pid).unwrap_or(0);
    let start = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    let t1 = cpu_ticks(pid).unwrap_or(0);
    // Clock ticks are 1/100 s on Linux.
    let cpu = (t1 - t0) as f64 / 100.0 / start.elapsed().as_secs_f64() * 100.0;
    let rss = proc_field(pid, "status", "VmRSS:").unwrap_or(0);
    let hwm = proc_field(pid, "status", "VmHWM:").unwrap_or(0);
    let received = rx.count();
    println!("tdc-bridge with 8 devices polling every second ({received} readings forwarded)");
    println!(
        "  resident memory {:.1} MB (peak {:.1} MB)   target < 15 MB  {}",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0,
        if rss < 15 * 1024 { "meets" } else { "BELOW" }
    );
    println!("  CPU {cpu:.2} % of one core while polling");
    drop(sims);
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
    if filter.is_empty() || "serial".contains(&filter) {
        serial_line_rate();
    }
    if filter.is_empty() || "memory".contains(&filter) {
        memory_and_cpu();
    }
}
