//! `tdc-bridge`: the daemon beside a bench or in an inspector's kit.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use calibration_profiles::problems::Problems;
use calibration_profiles::profile::Instrument;
use clap::{Parser, Subcommand};
use firmware_bridge::config::{self, BridgeConfig, RawConfig};
use firmware_bridge::outbox::Outbox;
use firmware_bridge::{probe, supervisor};

#[derive(Parser, Debug)]
#[command(
    name = "tdc-bridge",
    version,
    about = "Reads instruments over serial and Modbus and forwards every reading to the TĐC server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the daemon.
    Run {
        #[arg(long, env = "TDC_BRIDGE_CONFIG")]
        config: PathBuf,
    },
    /// Print a commented example configuration.
    GenerateConfig,
    /// Check a configuration file and list every problem.
    CheckConfig { file: PathBuf },
    /// Print the effective configuration (file + environment), the token redacted.
    PrintConfig {
        #[arg(long, env = "TDC_BRIDGE_CONFIG")]
        config: PathBuf,
    },
    /// Find out which known device answers on a serial port or a Modbus TCP address.
    Probe {
        #[arg(long, conflicts_with = "tcp", required_unless_present = "tcp")]
        port: Option<String>,
        #[arg(long)]
        tcp: Option<String>,
        /// Baud rate to try instead of each profile's own.
        #[arg(long)]
        baud: Option<u32>,
    },
    /// Write a setpoint to a Modbus device, where its profile allows (e.g. a pressure
    /// controller's target). Over RTU, stop the daemon first: one program owns a serial port.
    Write {
        #[arg(long, env = "TDC_BRIDGE_CONFIG")]
        config: PathBuf,
        #[arg(long)]
        device: String,
        #[arg(long)]
        channel: String,
        /// Value with its unit, e.g. "200 kPa".
        #[arg(long)]
        value: String,
    },
    /// Show devices, their last reading, the outbox depth and the server link.
    Status {
        #[arg(long, env = "TDC_BRIDGE_CONFIG")]
        config: PathBuf,
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn print_problems(file: &Path, p: &Problems) {
    for problem in p.iter() {
        eprintln!("{}", problem.located(&file.display().to_string()));
    }
}

/// Reads extra profiles from `profiles_dir`.
fn extra_profiles(raw: &RawConfig) -> Result<Vec<(String, String)>> {
    let Some(dir) = &raw.bridge.profiles_dir else {
        return Ok(Vec::new());
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)
        .with_context(|| format!("while reading profiles_dir {}", dir.display()))?
    {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "toml") {
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("while reading {}", path.display()))?;
            out.push((
                path.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default(),
                text,
            ));
        }
    }
    Ok(out)
}

/// Loads and validates; prints every problem and returns `None` when there are any.
fn load(file: &Path) -> Result<Option<(RawConfig, BridgeConfig, Vec<Instrument>)>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("while reading {}", file.display()))?;
    let raw = match config::load(Some(&text)) {
        Ok(r) => r,
        Err(p) => {
            print_problems(file, &p);
            return Ok(None);
        }
    };
    let mut p = Problems::default();
    let instruments = config::profiles(&extra_profiles(&raw)?, &mut p);
    match raw.validate(&instruments) {
        Ok(cfg) if p.is_empty() => Ok(Some((raw, cfg, instruments))),
        Ok(_) => {
            print_problems(file, &p);
            Ok(None)
        }
        Err(mut more) => {
            more.0.extend(p.0);
            print_problems(
                file,
                &more.with_lines(&calibration_profiles::problems::SourceMap::new(&text)),
            );
            Ok(None)
        }
    }
}

async fn run(cli: Cli) -> Result<ExitCode> {
    match cli.command {
        Command::GenerateConfig => {
            print!("{}", config::EXAMPLE);
            Ok(ExitCode::SUCCESS)
        }
        Command::CheckConfig { file } => Ok(match load(&file)? {
            Some((_, cfg, _)) => {
                println!("{}: valid ({} devices)", file.display(), cfg.devices.len());
                ExitCode::SUCCESS
            }
            None => ExitCode::from(2),
        }),
        Command::PrintConfig { config } => {
            let Some((raw, _, _)) = load(&config)? else {
                return Ok(ExitCode::from(2));
            };
            print!(
                "{}",
                toml::to_string_pretty(&raw).context("while printing the configuration")?
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Run { config } => {
            let Some((_, cfg, _)) = load(&config)? else {
                return Ok(ExitCode::from(2));
            };
            let (tx, rx) = tokio::sync::watch::channel(false);
            tokio::spawn(async move {
                firmware_bridge_shutdown().await;
                tracing::info!("shutdown requested; finishing the work in flight");
                let _ = tx.send(true);
            });
            supervisor::run(cfg, rx)
                .await
                .context("the bridge could not start")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Probe { port, tcp, baud } => {
            let mut p = Problems::default();
            let instruments = config::profiles(&[], &mut p);
            let answers = match (port, tcp) {
                (Some(port), None) => {
                    if !Path::new(&port).exists() {
                        bail!(
                            "{port}: no such port (is the adapter plugged in? see ls /dev/serial/by-id/)"
                        );
                    }
                    probe::probe_serial(&port, baud, &instruments).await
                }
                (None, Some(addr)) => probe::probe_tcp(&addr, &instruments).await,
                _ => bail!("give --port PATH or --tcp HOST:PORT"),
            };
            if answers.is_empty() {
                println!("no known device answered");
                return Ok(ExitCode::from(1));
            }
            for a in answers {
                println!("{}: {}", a.profile, a.what);
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Write {
            config,
            device,
            channel,
            value,
        } => {
            let Some((_, cfg, _)) = load(&config)? else {
                return Ok(ExitCode::from(2));
            };
            let quantity = calibration_profiles::units::Quantity::parse(&value)
                .map_err(|e| anyhow::anyhow!("--value: {e}"))?;
            let Some(dev) = cfg.devices.iter().find(|d| d.id == device) else {
                bail!("--device: no device `{device}` in {}", config.display());
            };
            let mut ctx = match &dev.link {
                firmware_bridge::config::Link::Serial { port, settings } => {
                    tokio_modbus::client::rtu::attach_slave(
                        supervisor::open_serial(port, settings)
                            .with_context(|| format!("while opening {port}"))?,
                        tokio_modbus::Slave(dev.unit_id),
                    )
                }
                firmware_bridge::config::Link::Tcp { address } => {
                    tokio_modbus::client::tcp::attach_slave(
                        tokio::net::TcpStream::connect(address)
                            .await
                            .with_context(|| format!("while connecting to {address}"))?,
                        tokio_modbus::Slave(dev.unit_id),
                    )
                }
            };
            firmware_bridge::device::write_setpoint(&mut ctx, dev, &channel, &quantity).await?;
            println!("{device}: {channel} set to {quantity}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Status { config, json } => {
            let Some((_, cfg, _)) = load(&config)? else {
                return Ok(ExitCode::from(2));
            };
            let outbox = Outbox::open_existing(&cfg.data_dir).await?;
            let devices = outbox.device_statuses().await?;
            let link = outbox.link_status().await?;
            let depth = outbox.depth().await?;
            let rejected = outbox.rejected_count().await?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "bridge_id": cfg.bridge_id, "outbox_depth": depth, "rejected": rejected,
                        "server": link, "devices": devices,
                    }))?
                );
            } else {
                println!(
                    "bridge {}  outbox: {depth} waiting, {rejected} rejected",
                    cfg.bridge_id
                );
                match link {
                    Some(l) => println!(
                        "server {}: {}  last success {}  {}",
                        cfg.server_url,
                        l.state,
                        l.last_success_at.as_deref().unwrap_or("never"),
                        l.last_error.as_deref().unwrap_or("")
                    ),
                    None => println!("server {}: not contacted yet", cfg.server_url),
                }
                for d in devices {
                    println!(
                        "  {:<16} {:<14} last {} {}  {}",
                        d.device_id,
                        d.state,
                        d.last_value.as_deref().unwrap_or("-"),
                        d.last_reading_at.as_deref().unwrap_or(""),
                        d.last_error.as_deref().unwrap_or("")
                    );
                }
            }
            outbox.close().await;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn firmware_bridge_shutdown() {
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {},
        () = term => {},
    }
}
