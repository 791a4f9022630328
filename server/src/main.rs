//! `tdc-server` command line: parse, set up logging, hand over to the library.

use std::net::SocketAddr;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use server::http::AppState;
use server::startup::{Application, shutdown_signal};

#[derive(Parser, Debug)]
#[command(
    name = "tdc-server",
    version,
    about = "System of record of the TĐC metrology centre"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Serve the web application and the API.
    Serve {
        /// Address to listen on; port 0 picks a free port (the bound address is printed).
        #[arg(
            long,
            env = "TDC_SERVER__HTTP__LISTEN",
            default_value = "127.0.0.1:8080"
        )]
        listen: SocketAddr,
    },
}

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { listen } => {
            let app = Application::bind(listen, AppState::default())
                .await
                .with_context(|| format!("while binding {listen}"))?;
            let addr = app
                .local_addr()
                .context("while reading the bound address")?;
            // The bound address on stdout is the contract scripts and tests rely on.
            println!("tdc-server listening on http://{addr}");
            tracing::info!(%addr, "listening");
            app.serve(shutdown_signal())
                .await
                .context("while serving")?;
            tracing::info!("stopped");
            Ok(())
        }
    }
}
