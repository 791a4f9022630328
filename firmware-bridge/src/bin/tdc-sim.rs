//! `tdc-sim`: simulated instruments speaking the real protocols (balances, multimeter, Modbus
//! devices) on pseudo-terminals and loopback TCP, for the demo, the integration tests and
//! training. Parses the command line and hands over to [`firmware_bridge::sim::run`].
//!
//! On start it prints one line, `tdc-sim <kind> on <path-or-address>`, then takes control
//! commands on standard input (`load 200 g`, `fault silent 3s`, `disconnect 2s`, `quit`, …),
//! answering each with `ok …` or `error …` on standard error.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context as _, Result};
use clap::{Args, Parser, Subcommand, ValueEnum};
use firmware_bridge::sim::balance::{BalanceConfig, Protocol};
use firmware_bridge::sim::control::{self, Amount};
use firmware_bridge::sim::modbus::{Device, ModbusConfig};
use firmware_bridge::sim::scpi::MultimeterConfig;
use firmware_bridge::sim::{Options, Simulation, Transport};

/// Simulated instruments speaking their real protocols.
#[derive(Debug, Parser)]
#[command(name = "tdc-sim", version)]
struct Cli {
    #[command(subcommand)]
    kind: Kind,
}

#[derive(Debug, Subcommand)]
enum Kind {
    /// A balance on a pseudo-terminal (MT-SICS, Sartorius SBI or A&D).
    Balance {
        #[arg(long, value_enum)]
        protocol: ProtocolArg,
        /// Load on the pan at start, e.g. "100 g" (default: empty pan).
        #[arg(long, value_parser = amount)]
        load: Option<Amount>,
        /// Standard deviation of the reading noise, e.g. "0.00005 g" (default: band / 4).
        #[arg(long, value_parser = amount)]
        noise: Option<Amount>,
        /// Time constant of the approach to a new load, in ms.
        #[arg(long, default_value_t = 800)]
        tau_ms: u64,
        /// Update period in ms: one reading, and one line while streaming (SIR), each; 0
        /// streams as fast as the line allows (throughput benchmark with --line-rate).
        #[arg(long, default_value_t = 100)]
        update_ms: u64,
        /// Overload above this load (default: the model's capacity, 220 g or 2200 g).
        #[arg(long, value_parser = amount)]
        capacity: Option<Amount>,
        /// Underload below this negative load (default: −2 % of capacity).
        #[arg(long, value_parser = amount, allow_hyphen_values = true)]
        underload: Option<Amount>,
        #[command(flatten)]
        common: Common,
    },
    /// A Keysight 34401A multimeter (SCPI) on a pseudo-terminal.
    Multimeter {
        /// DC voltage at the input, V.
        #[arg(long, default_value_t = 10.0, allow_hyphen_values = true)]
        volts: f64,
        /// Resistance at the input, Ω.
        #[arg(long, default_value_t = 100.0)]
        ohms: f64,
        /// DC current through the input, A.
        #[arg(long, default_value_t = 0.001, allow_hyphen_values = true)]
        amps: f64,
        /// Standard deviation of the reading noise, parts per million of the reading.
        #[arg(long, default_value_t = 1.0)]
        noise_ppm: f64,
        #[command(flatten)]
        common: Common,
    },
    /// A Modbus device: pressure controller, bath or pulse counter.
    Modbus {
        #[arg(long, value_enum)]
        device: DeviceArg,
        #[command(flatten)]
        transport: TransportArgs,
        /// Time constant of the approach to a new setpoint, in ms (default per device).
        #[arg(long)]
        tau_ms: Option<u64>,
        /// Noise of the process value, e.g. "0.002 kPa" (default per device).
        #[arg(long, value_parser = amount)]
        noise: Option<Amount>,
        /// Pulses per litre of the simulated pulser (default: from the profile, 100).
        #[arg(long)]
        k_factor: Option<f64>,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
struct TransportArgs {
    /// Serve Modbus TCP on this address (127.0.0.1:0 picks a free port).
    #[arg(long)]
    tcp: Option<SocketAddr>,
    /// Serve Modbus RTU on a pseudo-terminal.
    #[arg(long)]
    rtu: bool,
}

#[derive(Debug, Args)]
struct Common {
    /// Symlink to the pseudo-terminal (replaced if it exists, removed on exit).
    #[arg(long)]
    link: Option<PathBuf>,
    /// Timed control commands: "<offset> <command>" per line, e.g. "2s load 100 g".
    #[arg(long)]
    script: Option<PathBuf>,
    /// Seed of the noise generator (runs with the same seed are identical).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Pace every byte written like a UART at this baud rate (10 bits a byte).
    #[arg(long)]
    line_rate: Option<u32>,
    /// Append one JSON line per reading emitted to this file.
    #[arg(long)]
    log: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ProtocolArg {
    MtSics,
    Sbi,
    And,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DeviceArg {
    Pressure,
    Bath,
    Counter,
}

fn amount(text: &str) -> Result<Amount, String> {
    Amount::parse(text).map_err(|e| e.0)
}

impl Common {
    fn options(&self) -> Result<Options> {
        let script = match &self.script {
            None => Vec::new(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("while reading the script {}", path.display()))?;
                control::parse_script(&text)
                    .map_err(|e| anyhow::anyhow!("{}", e.0))
                    .with_context(|| format!("in the script {}", path.display()))?
            }
        };
        Ok(Options {
            link: self.link.clone(),
            script,
            line_rate: self.line_rate,
            log: self.log.clone(),
            seed: self.seed,
        })
    }
}

fn simulation(kind: Kind) -> Result<(Simulation, Options)> {
    Ok(match kind {
        Kind::Balance {
            protocol,
            load,
            noise,
            tau_ms,
            update_ms,
            capacity,
            underload,
            common,
        } => {
            let config = BalanceConfig {
                protocol: match protocol {
                    ProtocolArg::MtSics => Protocol::MtSics,
                    ProtocolArg::Sbi => Protocol::Sbi,
                    ProtocolArg::And => Protocol::And,
                },
                load,
                noise,
                tau: Duration::from_millis(tau_ms),
                update: Duration::from_millis(update_ms),
                capacity,
                underload,
                seed: common.seed,
            };
            (Simulation::Balance(config), common.options()?)
        }
        Kind::Multimeter {
            volts,
            ohms,
            amps,
            noise_ppm,
            common,
        } => {
            let config = MultimeterConfig {
                volts,
                ohms,
                amps,
                noise_ppm,
                seed: common.seed,
            };
            (Simulation::Multimeter(config), common.options()?)
        }
        Kind::Modbus {
            device,
            transport,
            tau_ms,
            noise,
            k_factor,
            common,
        } => {
            let config = ModbusConfig {
                device: match device {
                    DeviceArg::Pressure => Device::Pressure,
                    DeviceArg::Bath => Device::Bath,
                    DeviceArg::Counter => Device::Counter,
                },
                tau: tau_ms.map(Duration::from_millis),
                noise,
                k_factor,
                seed: common.seed,
            };
            let transport = match transport.tcp {
                Some(_) if common.link.is_some() || common.line_rate.is_some() => {
                    anyhow::bail!(
                        "--link and --line-rate concern a serial line: use them with --rtu"
                    )
                }
                Some(addr) => Transport::Tcp(addr),
                None => Transport::Rtu,
            };
            (Simulation::Modbus { config, transport }, common.options()?)
        }
    })
}

async fn run(cli: Cli) -> Result<()> {
    let (simulation, options) = simulation(cli.kind)?;
    firmware_bridge::sim::run(simulation, options)
        .await
        .context("while simulating")
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
