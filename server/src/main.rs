//! `tdc-server` command line: parse, load the configuration, set up logging, hand over to the
//! library.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use server::auth::hash_password;
use server::config::{self, Config, Secret};
use server::http::AppState;
use server::startup::{Application, shutdown_signal};
use server::store::users::{NewUser, Role};
use server::store::{Store, audit};

#[derive(Parser, Debug)]
#[command(
    name = "tdc-server",
    version,
    about = "System of record of the TĐC metrology centre"
)]
struct Cli {
    /// Configuration file (TOML); `TDC_SERVER__…` variables and flags override it.
    #[arg(long, global = true, env = "TDC_SERVER_CONFIG")]
    config: Option<PathBuf>,
    /// Database URL: sqlite://FILE or postgres://USER@HOST/DB.
    #[arg(long, global = true)]
    database_url: Option<String>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web application and the API.
    Serve {
        /// Address to listen on; port 0 picks a free port (the bound address is printed).
        #[arg(long)]
        listen: Option<SocketAddr>,
    },
    /// Apply the database migrations and exit.
    Migrate,
    /// Print a commented example configuration.
    GenerateConfig,
    /// Print the effective configuration, secrets redacted.
    PrintConfig,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage the tokens bridges use to send readings.
    DeviceToken {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Write a consistent copy of the SQLite database while the server runs.
    Backup {
        /// The copy to write (must not exist yet).
        #[arg(long)]
        to: PathBuf,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Fill an empty database with demo data and one user per role (passwords printed).
    SeedDemo {
        /// The demo bench's bridge id.
        #[arg(long, default_value = "demo-bench")]
        bridge: String,
        /// Write the bridge's device token to this file (for the demo script).
        #[arg(long)]
        token_file: Option<PathBuf>,
    },
    /// The keys that sign certificates.
    SigningKey {
        #[command(subcommand)]
        command: SigningCommand,
    },
    /// Certificates.
    Certificate {
        #[command(subcommand)]
        command: CertificateCommand,
    },
    /// Import records from a spreadsheet.
    Import {
        #[command(subcommand)]
        command: ImportCommand,
    },
}

#[derive(Subcommand, Debug)]
enum CertificateCommand {
    /// Check a certificate's signature: give its number, or a file saved from
    /// /api/v1/certificates/{id}/signed.json. Exits 1 when it does not verify.
    Verify { target: String },
}

#[derive(Subcommand, Debug)]
enum SigningCommand {
    /// Print the current key's id (making the first key if there is none).
    Show,
    /// Make a new key; the old ones are retired but still verify what they signed.
    Rotate,
}

#[derive(Subcommand, Debug)]
enum ImportCommand {
    /// Instruments from a .csv or .xlsx file (one header row, one instrument per row). Every
    /// problem is listed with its row and column and nothing is stored unless the whole file
    /// is good.
    Instruments { file: PathBuf },
    /// Import inspection dossiers (history from the one-stop counter, the portal or the
    /// National Single Window) from a .csv or .xlsx file: one dossier per row with the dates
    /// of its steps. All or nothing, every problem by row and column.
    Dossiers { file: PathBuf },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Add a user; the password is read from standard input (one line).
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        full_name: String,
        /// technician, inspector, reviewer, quality_manager, admin or read_only.
        #[arg(long)]
        role: String,
    },
    /// Set a new password, read from standard input.
    Passwd { username: String },
    /// Disable a user (users are never deleted: records name them).
    Disable { username: String },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Make a token for a bridge (registering the bridge if new); printed once.
    Create {
        #[arg(long)]
        bridge: String,
        #[arg(long, default_value = "")]
        label: String,
    },
    /// Revoke every token of a bridge.
    Revoke {
        #[arg(long)]
        bridge: String,
    },
}

#[derive(Subcommand, Debug)]
enum AuditCommand {
    /// Walk the hash chain and name the first broken entry.
    Verify,
}

/// Who did it, for the audit trail, when a command is run at the console.
const CONSOLE: &str = "console";

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli)) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn load_config(cli: &Cli) -> Option<Config> {
    match Config::load(cli.config.as_deref()) {
        Ok(mut c) => {
            if let Some(url) = &cli.database_url {
                c.database.url = Secret::new(url.clone());
            }
            if cli.config.is_none() {
                c.place_keys_without_config_file();
            }
            Some(c)
        }
        Err(p) => {
            let file = cli
                .config
                .as_ref()
                .map(|f| f.display().to_string())
                .unwrap_or_default();
            for problem in p.iter() {
                eprintln!("{}", problem.located(&file));
            }
            None
        }
    }
}

fn read_password() -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("while reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

async fn open_store(cfg: &Config) -> Result<Store> {
    Store::open(cfg.database.url.expose())
        .await
        .context("while opening the database")
}

/// On an empty database, creates the configured administrator or says how to.
async fn bootstrap(store: &Store, cfg: &Config) -> Result<()> {
    if store.count_users().await? > 0 {
        return Ok(());
    }
    if cfg.bootstrap.admin_password.is_empty() {
        tracing::warn!(
            "no user yet: create the first administrator with `tdc-server user add --username admin --full-name \"…\" --role admin` (password on standard input), or set bootstrap.admin_password"
        );
        return Ok(());
    }
    let hash = hash_password(cfg.bootstrap.admin_password.expose())
        .map_err(|e| anyhow::anyhow!("bootstrap.admin_password: {e}"))?;
    store
        .create_user(
            "bootstrap",
            &NewUser {
                username: cfg.bootstrap.admin_username.clone(),
                full_name: "Administrator".into(),
                role: Role::Admin,
                password_hash: hash,
            },
        )
        .await?;
    tracing::info!(username = %cfg.bootstrap.admin_username, "first administrator created from the configuration");
    Ok(())
}

// One short arm per command: splitting the dispatch would only scatter it.
#[allow(clippy::too_many_lines)]
async fn run(cli: Cli) -> Result<ExitCode> {
    if matches!(cli.command, Command::GenerateConfig) {
        print!("{}", config::EXAMPLE);
        return Ok(ExitCode::SUCCESS);
    }
    let Some(mut cfg) = load_config(&cli) else {
        return Ok(ExitCode::from(2));
    };
    match cli.command {
        Command::GenerateConfig => unreachable!("handled above"),
        Command::PrintConfig => {
            print!(
                "{}",
                toml::to_string_pretty(&cfg).context("while printing the configuration")?
            );
        }
        Command::Migrate => {
            let store = open_store(&cfg).await?;
            println!("database migrated ({})", store.backend());
            store.close().await;
        }
        Command::Serve { listen } => {
            if let Some(l) = listen {
                cfg.http.listen = l;
            }
            let store = open_store(&cfg).await?;
            bootstrap(&store, &cfg).await?;
            let ring = server::signing::KeyRing::open_or_create(&cfg.signing.key_dir, &store)
                .await
                .context("while loading the signing key")?;
            tracing::info!(key = ring.key_id(), "certificate signing key");
            let mut state = AppState::with_config(store.clone(), &cfg).with_signer(ring);
            if !cfg.certificates.template.as_os_str().is_empty() {
                let text =
                    std::fs::read_to_string(&cfg.certificates.template).with_context(|| {
                        format!(
                            "while reading certificates.template {}",
                            cfg.certificates.template.display()
                        )
                    })?;
                state = state.with_template(text);
            }
            let app = Application::bind(cfg.http.listen, state)
                .await
                .with_context(|| format!("while binding {}", cfg.http.listen))?;
            let addr = app
                .local_addr()
                .context("while reading the bound address")?;
            // The bound address on stdout is the contract scripts and tests rely on.
            println!("tdc-server listening on http://{addr}");
            tracing::info!(%addr, database = store.backend(), "listening");
            app.serve(shutdown_signal())
                .await
                .context("while serving")?;
            store.close().await;
            tracing::info!("stopped");
        }
        Command::User { command } => {
            let store = open_store(&cfg).await?;
            match command {
                UserCommand::Add {
                    username,
                    full_name,
                    role,
                } => {
                    let Some(role) = Role::parse(&role) else {
                        bail!(
                            "--role: `{role}` is not a role; use technician, inspector, reviewer, quality_manager, admin or read_only"
                        );
                    };
                    let hash =
                        hash_password(&read_password()?).map_err(|e| anyhow::anyhow!("{e}"))?;
                    store
                        .create_user(
                            CONSOLE,
                            &NewUser {
                                username: username.clone(),
                                full_name,
                                role,
                                password_hash: hash,
                            },
                        )
                        .await?;
                    println!("user `{username}` added as {}", role.as_str());
                }
                UserCommand::Passwd { username } => {
                    let hash =
                        hash_password(&read_password()?).map_err(|e| anyhow::anyhow!("{e}"))?;
                    store.set_password(CONSOLE, &username, &hash).await?;
                    println!("password of `{username}` changed");
                }
                UserCommand::Disable { username } => {
                    store.disable_user(CONSOLE, &username).await?;
                    println!("user `{username}` disabled");
                }
            }
            store.close().await;
        }
        Command::DeviceToken { command } => {
            let store = open_store(&cfg).await?;
            match command {
                TokenCommand::Create { bridge, label } => {
                    if !calibration_profiles::wire::v1::is_identifier(&bridge) {
                        bail!(
                            "--bridge: `{bridge}` must be lowercase letters, digits, `-` and `_`"
                        );
                    }
                    let token = store.create_device_token(CONSOLE, &bridge, &label).await?;
                    // The only time the token is shown: it goes into the bridge's server.token.
                    println!("{token}");
                }
                TokenCommand::Revoke { bridge } => {
                    let n = store.revoke_device_tokens(CONSOLE, &bridge).await?;
                    println!("{n} token(s) of `{bridge}` revoked");
                }
            }
            store.close().await;
        }
        Command::Backup { to } => {
            let store = open_store(&cfg).await?;
            store
                .backup(&to)
                .await
                .with_context(|| format!("while writing {}", to.display()))?;
            store.close().await;
            println!("database copied to {}", to.display());
        }
        Command::Import {
            command: ImportCommand::Instruments { file },
        } => return import_instruments(&cfg, &file).await,
        Command::Import {
            command: ImportCommand::Dossiers { file },
        } => return import_dossiers(&cfg, &file).await,
        Command::SigningKey { command } => {
            let store = open_store(&cfg).await?;
            let dir = &cfg.signing.key_dir;
            let ring = match command {
                SigningCommand::Show => {
                    server::signing::KeyRing::open_or_create(dir, &store).await?
                }
                SigningCommand::Rotate => {
                    server::signing::KeyRing::rotate(dir, &store, CONSOLE).await?
                }
            };
            store.close().await;
            println!("{}", ring.key_id());
        }
        Command::Certificate {
            command: CertificateCommand::Verify { target },
        } => {
            let store = open_store(&cfg).await?;
            let report = server::issue::verify_target(&store, &target).await;
            store.close().await;
            match report {
                Ok(r) => {
                    println!("{}", r.message);
                    if !r.valid {
                        return Ok(ExitCode::from(1));
                    }
                }
                Err(e) => {
                    eprintln!("error: {e}");
                    return Ok(ExitCode::from(2));
                }
            }
        }
        Command::SeedDemo { bridge, token_file } => {
            seed_demo(&cfg, &bridge, token_file.as_deref()).await?;
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let store = open_store(&cfg).await?;
            let v = audit::verify(&store).await?;
            store.close().await;
            match v.first_broken {
                None => println!("audit trail intact: {} entries", v.entries),
                Some((id, why)) => {
                    println!("audit trail BROKEN at entry {id}: {why}");
                    return Ok(ExitCode::from(1));
                }
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// A progress bar on standard error (drawn only on a terminal).
fn progress_bar(what: &'static str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::with_draw_target(
        None,
        indicatif::ProgressDrawTarget::stderr_with_hz(10),
    );
    bar.set_style(
        indicatif::ProgressStyle::with_template("{msg:>10} [{bar:40}] {pos}/{len} rows")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what);
    bar
}

async fn import_instruments(cfg: &Config, file: &std::path::Path) -> Result<ExitCode> {
    let shown = file.display().to_string();
    let Some(format) = server::import::FileFormat::from_path(file) else {
        bail!("{shown}: only .csv and .xlsx files can be imported (save .xls files as .xlsx)");
    };
    let bytes = std::fs::read(file).with_context(|| format!("while reading {shown}"))?;
    let bar = progress_bar("checking");
    let parsed = server::import::parse_instruments(format, &bytes, &mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    });
    bar.finish_and_clear();
    let report_problems = |problems: &calibration_profiles::problems::Problems| {
        for p in problems.iter() {
            eprintln!("{}", p.located(&shown));
        }
        eprintln!(
            "{shown}: {} problem(s); nothing was imported",
            problems.iter().count()
        );
    };
    let rows = match parsed {
        Ok(rows) => rows,
        Err(problems) => {
            report_problems(&problems);
            return Ok(ExitCode::from(1));
        }
    };
    let store = open_store(cfg).await?;
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|r| (r.category.as_str(), r.serial.as_str()))
        .collect();
    let already = store.registered(&pairs).await?;
    if !already.is_empty() {
        let mut problems = calibration_profiles::problems::Problems::default();
        for i in already {
            let r = &rows[i];
            problems.at(
                format!("row {}, serial", r.row),
                format!(
                    "`{}` of category {} is already registered",
                    r.serial, r.category
                ),
            );
        }
        store.close().await;
        report_problems(&problems);
        return Ok(ExitCode::from(1));
    }
    let bar = progress_bar("storing");
    bar.set_length(rows.len() as u64);
    let report = store
        .import_instruments(CONSOLE, &shown, &rows, &mut |done, _| {
            bar.set_position(done as u64);
        })
        .await
        .with_context(|| format!("while storing {shown}; nothing was imported"))?;
    bar.finish_and_clear();
    store.close().await;
    println!(
        "{} instrument(s) imported from {shown} ({} new organisation(s))",
        report.instruments_created, report.organisations_created
    );
    Ok(ExitCode::SUCCESS)
}

async fn import_dossiers(cfg: &Config, file: &std::path::Path) -> Result<ExitCode> {
    let shown = file.display().to_string();
    let Some(format) = server::import::FileFormat::from_path(file) else {
        bail!("{shown}: only .csv and .xlsx files can be imported (save .xls files as .xlsx)");
    };
    let bytes = std::fs::read(file).with_context(|| format!("while reading {shown}"))?;
    let store = open_store(cfg).await?;
    let bar = progress_bar("storing");
    let result = server::import::dossiers::import(
        &store,
        CONSOLE,
        format,
        &bytes,
        &format!("import {shown}"),
        server::web::i18n::today(),
        &mut |done, total| {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        },
    )
    .await;
    bar.finish_and_clear();
    store.close().await;
    match result {
        Ok(n) => {
            println!("{n} dossier(s) imported from {shown}");
            Ok(ExitCode::SUCCESS)
        }
        Err(server::import::dossiers::ImportError::Invalid(problems)) => {
            for p in problems.iter() {
                eprintln!("{}", p.located(&shown));
            }
            eprintln!(
                "{shown}: {} problem(s); nothing was imported",
                problems.iter().count()
            );
            Ok(ExitCode::from(1))
        }
        Err(server::import::dossiers::ImportError::Store(e)) => {
            Err(anyhow::Error::new(e)
                .context(format!("while storing {shown}; nothing was imported")))
        }
    }
}

/// `seed-demo`: fills an empty database and prints the users.
async fn seed_demo(cfg: &Config, bridge: &str, token_file: Option<&std::path::Path>) -> Result<()> {
    let store = open_store(cfg).await?;
    let seeded = server::demo::seed(&store, bridge).await?;
    let ring = server::signing::KeyRing::open_or_create(&cfg.signing.key_dir, &store)
        .await
        .context("while loading the signing key")?;
    let state = AppState::with_config(store.clone(), cfg).with_signer(ring);
    let bench = server::demo::seed_bench(&state, &seeded)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    store.close().await;
    if let Some(path) = token_file {
        std::fs::write(path, &seeded.token)
            .with_context(|| format!("while writing {}", path.display()))?;
    }
    println!(
        "demo data: {} organisations, {} instruments, {} standards, bridge `{}`",
        seeded.organisations, seeded.instruments, seeded.standards, seeded.bridge_id
    );
    println!(
        "bench: certificate {} issued; run {} in progress on the live balance",
        bench.certificate, bench.run_in_progress
    );
    println!("users (tên đăng nhập / vai trò / mật khẩu):");
    for (username, role, password) in &seeded.users {
        println!("  {username:<12} {:<22} {password}", role.label_vi());
    }
    Ok(())
}
