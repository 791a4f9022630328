//! Server configuration: defaults → TOML file → `TDC_SERVER__SECTION__KEY` environment
//! variables → command-line flags, in one struct passed down. Secrets are redacted in `Debug`
//! and in `print-config`.

use std::net::SocketAddr;
use std::path::Path;

use calibration_profiles::problems::Problems;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::{Deserialize, Serialize};

pub use calibration_profiles::secret::Secret;

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Http {
    pub listen: SocketAddr,
    /// Public base URL (printed in QR codes and links), e.g. `https://tdc.langson.gov.vn`.
    pub public_url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Database {
    /// `sqlite://path/to/tdc.sqlite` (default, embedded) or `postgres://user@host/db`.
    pub url: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bootstrap {
    /// First administrator, created on first start when the database has no user.
    pub admin_username: String,
    pub admin_password: Secret,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Security {
    /// A session ends this many hours after sign-in.
    pub session_hours: u32,
    /// Failed sign-ins of one username (or from one address, five times as many) within
    /// `login_window_minutes` before further attempts are refused until the window passes.
    pub login_attempts: u32,
    pub login_window_minutes: u32,
    /// Bearer token for `/metrics`; empty: only clients on this machine may read it.
    pub metrics_token: Secret,
}

impl Default for Security {
    fn default() -> Self {
        Self {
            session_hours: 10,
            login_attempts: 5,
            login_window_minutes: 15,
            metrics_token: Secret::default(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Signing {
    /// Folder of the private signing keys (relative: next to the configuration file).
    pub key_dir: std::path::PathBuf,
}

impl Default for Signing {
    fn default() -> Self {
        Self {
            key_dir: "keys".into(),
        }
    }
}

/// The whole configuration.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub http: Http,
    pub database: Database,
    pub bootstrap: Bootstrap,
    #[serde(default)]
    pub security: Security,
    #[serde(default)]
    pub signing: Signing,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            http: Http {
                listen: ([127, 0, 0, 1], 8080).into(),
                public_url: "http://127.0.0.1:8080".into(),
            },
            database: Database {
                url: Secret::new("sqlite://tdc.sqlite"),
            },
            bootstrap: Bootstrap {
                admin_username: "admin".into(),
                admin_password: Secret::default(),
            },
            security: Security::default(),
            signing: Signing::default(),
        }
    }
}

impl Config {
    /// Loads the layers. A relative SQLite path is taken relative to the config file's folder
    /// ("a file next to the config").
    pub fn load(file: Option<&Path>) -> Result<Self, Problems> {
        // The defaults are the commented example itself (serialising `Config::default()` would
        // write the redacted form of its secrets).
        let mut fig = Figment::from(Toml::string(EXAMPLE));
        if let Some(path) = file {
            let text = std::fs::read_to_string(path).map_err(|e| {
                let mut p = Problems::default();
                p.at("", format!("cannot read {}: {e}", path.display()));
                p
            })?;
            calibration_profiles::problems::from_toml::<Config>(&text)?;
            fig = fig.merge(Toml::string(&text));
        }
        fig = fig.merge(Env::prefixed("TDC_SERVER__").split("__"));
        let mut cfg: Config = fig.extract().map_err(|e| {
            let mut p = Problems::default();
            for err in e {
                p.at(err.path.join("."), err.kind.to_string());
            }
            p
        })?;
        if let (Some(dir), Some(rest)) = (
            file.and_then(Path::parent),
            cfg.database.url.expose().strip_prefix("sqlite://"),
        ) && !rest.starts_with('/')
            && !rest.starts_with(':')
            && !dir.as_os_str().is_empty()
        {
            cfg.database.url = Secret::new(format!("sqlite://{}", dir.join(rest).display()));
        }
        if let Some(dir) = file.and_then(Path::parent)
            && cfg.signing.key_dir.is_relative()
            && !dir.as_os_str().is_empty()
        {
            cfg.signing.key_dir = dir.join(&cfg.signing.key_dir);
        }
        Ok(cfg)
    }
}

impl Config {
    /// Without a configuration file, a relative key folder sits next to the SQLite database
    /// (not wherever the command happened to be started); call after the database URL is final.
    pub fn place_keys_without_config_file(&mut self) {
        if !self.signing.key_dir.is_relative() {
            return;
        }
        if let Some(db_dir) = self
            .database
            .url
            .expose()
            .strip_prefix("sqlite://")
            .filter(|p| !p.starts_with(':'))
            .map(Path::new)
            .and_then(Path::parent)
            .filter(|d| !d.as_os_str().is_empty())
        {
            self.signing.key_dir = db_dir.join(&self.signing.key_dir);
        }
    }
}

/// The commented example printed by `tdc-server generate-config`.
pub const EXAMPLE: &str = r#"# tdc-server configuration. Every key can also be set by an environment variable
# TDC_SERVER__<SECTION>__<KEY>, e.g. TDC_SERVER__DATABASE__URL; flags override both.

[http]
listen = "127.0.0.1:8080"
# The address people and QR codes use to reach the server.
public_url = "http://127.0.0.1:8080"

[database]
# Embedded SQLite (a file next to this config) or PostgreSQL:
#   url = "postgres://tdc@127.0.0.1/tdc"
url = "sqlite://tdc.sqlite"

[bootstrap]
# On first start with an empty database this administrator is created. Leave the password
# empty to be told how to create one with `tdc-server user add`.
admin_username = "admin"
admin_password = ""

[security]
# Hours a sign-in lasts. Cookies are marked Secure when public_url is https.
session_hours = 10
# Failed sign-ins allowed per username within the window (five times as many per address).
login_attempts = 5
login_window_minutes = 15
# Bearer token Prometheus sends for /metrics; empty: only this machine may read /metrics.
metrics_token = ""

[signing]
# Private Ed25519 keys that sign certificates (made on first start; keep this folder safe and
# backed up; `tdc-server signing-key rotate` makes a new one). Public keys are published at
# /.well-known/tdc-signing-keys.json.
key_dir = "keys"
"#;
