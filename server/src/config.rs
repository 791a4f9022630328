//! Server configuration: defaults → TOML file → `TDC_SERVER__SECTION__KEY` environment
//! variables → command-line flags, in one struct passed down. Secrets are redacted in `Debug`
//! and in `print-config`.

use std::fmt::Write as _;
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

/// The laboratory as printed on certificates (letterhead, dateline, signatory titles).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lab {
    /// The governing body printed above the name.
    pub parent_vi: String,
    pub parent_en: String,
    pub name_vi: String,
    pub name_en: String,
    pub address: String,
    pub phone: String,
    pub email: String,
    /// Accreditation, e.g. "VILAS 1234" (empty: not printed).
    pub accreditation: String,
    /// Designation for group-2 verification (empty: not printed).
    pub designation: String,
    /// Place name of the dateline.
    pub locality: String,
    /// Title printed under the approver's signature.
    pub approver_title_vi: String,
    pub approver_title_en: String,
}

/// Numbering of receipts and documents, and the public verification page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Certificates {
    /// Patterns: `{seq:04}` (the counter of the series in the year, zero-padded), `{seq}`,
    /// `{year}`, `{yy}`. Each series restarts at 1 every year.
    pub verification_number: String,
    pub calibration_number: String,
    pub notice_number: String,
    pub receipt_number: String,
    /// Sample codes (mã mẫu), printed on the label.
    pub sample_number: String,
    /// Test reports (phiếu kết quả thử nghiệm).
    pub test_report_number: String,
    /// Import dossiers registered here without a number of their own.
    pub dossier_number: String,
    /// Confirmations of registration of import dossiers.
    pub import_confirmation_number: String,
    /// Notices of the result of import inspection.
    pub import_notice_number: String,
    /// Requests per minute one address may make to the public verification pages.
    pub verify_rate_per_minute: u32,
    /// A typst template of the lab's own for the PDFs (relative: next to this file); empty:
    /// the bundled one. Start from server/certificate/templates/certificate.typ.
    #[serde(default)]
    pub template: std::path::PathBuf,
}

impl Default for Lab {
    fn default() -> Self {
        Lab {
            parent_vi: "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH LẠNG SƠN".into(),
            parent_en: "LANG SON DEPARTMENT OF SCIENCE AND TECHNOLOGY".into(),
            name_vi: "TRUNG TÂM KỸ THUẬT TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG".into(),
            name_en: "TECHNICAL CENTRE FOR STANDARDS, METROLOGY AND QUALITY".into(),
            address: "Thành phố Lạng Sơn, tỉnh Lạng Sơn".into(),
            phone: String::new(),
            email: String::new(),
            accreditation: String::new(),
            designation: String::new(),
            locality: "Lạng Sơn".into(),
            approver_title_vi: "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC".into(),
            approver_title_en: "FOR THE DIRECTOR / DEPUTY DIRECTOR".into(),
        }
    }
}

impl Default for Certificates {
    fn default() -> Self {
        Certificates {
            verification_number: "{seq:04}/{year}/KĐ-TTTĐC".into(),
            calibration_number: "{seq:04}/{year}/HC-TTTĐC".into(),
            notice_number: "{seq:04}/{year}/TBKĐ-TTTĐC".into(),
            receipt_number: "{seq:04}/{year}/TN-TTTĐC".into(),
            sample_number: "M{yy}-{seq:04}".into(),
            test_report_number: "{seq:04}/{year}/PKQ-TTTĐC".into(),
            dossier_number: "{seq:04}/{year}/ĐKNK".into(),
            import_confirmation_number: "{seq:04}/{year}/XNĐK-TTTĐC".into(),
            import_notice_number: "{seq:04}/{year}/TBKQ-TTTĐC".into(),
            verify_rate_per_minute: 60,
            template: std::path::PathBuf::new(),
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
    #[serde(default)]
    pub lab: Lab,
    #[serde(default)]
    pub certificates: Certificates,
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
            lab: Lab::default(),
            certificates: Certificates::default(),
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
        cfg.certificates.check()?;
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
        if let Some(dir) = file.and_then(Path::parent)
            && !cfg.certificates.template.as_os_str().is_empty()
            && cfg.certificates.template.is_relative()
            && !dir.as_os_str().is_empty()
        {
            cfg.certificates.template = dir.join(&cfg.certificates.template);
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

[lab]
# The laboratory as printed on certificates.
parent_vi = "SỞ KHOA HỌC VÀ CÔNG NGHỆ TỈNH LẠNG SƠN"
parent_en = "LANG SON DEPARTMENT OF SCIENCE AND TECHNOLOGY"
name_vi = "TRUNG TÂM KỸ THUẬT TIÊU CHUẨN ĐO LƯỜNG CHẤT LƯỢNG"
name_en = "TECHNICAL CENTRE FOR STANDARDS, METROLOGY AND QUALITY"
address = "Thành phố Lạng Sơn, tỉnh Lạng Sơn"
phone = ""
email = ""
# e.g. "VILAS 1234"; empty: not printed.
accreditation = ""
# Designation for group-2 verification, e.g. "Quyết định chỉ định số …/QĐ-TĐC"; empty: not printed.
designation = ""
locality = "Lạng Sơn"
approver_title_vi = "KT. GIÁM ĐỐC / PHÓ GIÁM ĐỐC"
approver_title_en = "FOR THE DIRECTOR / DEPUTY DIRECTOR"

[certificates]
# Numbers: {seq:04} is the series counter of the year, zero-padded ({seq} unpadded),
# {year} the four-digit year, {yy} its last two digits. Every series restarts each year.
verification_number = "{seq:04}/{year}/KĐ-TTTĐC"
calibration_number = "{seq:04}/{year}/HC-TTTĐC"
notice_number = "{seq:04}/{year}/TBKĐ-TTTĐC"
receipt_number = "{seq:04}/{year}/TN-TTTĐC"
# Sample codes (printed on the label), test reports, import dossiers registered here
# without a number of their own, confirmations of registration, import-inspection notices.
sample_number = "M{yy}-{seq:04}"
test_report_number = "{seq:04}/{year}/PKQ-TTTĐC"
dossier_number = "{seq:04}/{year}/ĐKNK"
import_confirmation_number = "{seq:04}/{year}/XNĐK-TTTĐC"
import_notice_number = "{seq:04}/{year}/TBKQ-TTTĐC"
# Requests per minute one address may make to the public verification pages (/v/…).
verify_rate_per_minute = 60
# A typst template of the lab's own for the PDFs (start from the bundled
# server/certificate/templates/certificate.typ); empty: the bundled one.
template = ""
"#;

/// Formats a number from a pattern (`{seq:04}`, `{seq}`, `{year}`, `{yy}`).
///
/// ```
/// assert_eq!(server::config::format_number("{seq:04}/{year}/KĐ-TTTĐC", 2026, 123).unwrap(),
///            "0123/2026/KĐ-TTTĐC");
/// assert!(server::config::format_number("{year}/KĐ", 2026, 1).is_err());
/// ```
pub fn format_number(pattern: &str, year: i32, seq: i64) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = pattern;
    let mut has_seq = false;
    while let Some(start) = rest.find('{') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('}') else {
            return Err(format!("`{pattern}`: a `{{` is not closed"));
        };
        let field = &rest[start + 1..start + end];
        match field {
            "year" => out.push_str(&year.to_string()),
            "yy" => {
                let _ = write!(out, "{:02}", year.rem_euclid(100));
            }
            "seq" => {
                has_seq = true;
                out.push_str(&seq.to_string());
            }
            f if f.starts_with("seq:0") => {
                let width: usize = f["seq:0".len()..].parse().map_err(|_| {
                    format!("`{pattern}`: `{{{f}}}` needs a width, e.g. {{seq:04}}")
                })?;
                has_seq = true;
                let _ = write!(out, "{seq:0width$}");
            }
            f => {
                return Err(format!(
                    "`{pattern}`: unknown field `{{{f}}}`; use {{seq:04}}, {{seq}}, {{year}}, {{yy}}"
                ));
            }
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    if has_seq {
        Ok(out)
    } else {
        Err(format!("`{pattern}` has no {{seq}}: numbers would repeat"))
    }
}

impl Certificates {
    /// Every pattern usable (checked at start so a bad one fails before the first issue).
    pub fn check(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        for (field, pattern) in [
            (
                "certificates.verification_number",
                &self.verification_number,
            ),
            ("certificates.calibration_number", &self.calibration_number),
            ("certificates.notice_number", &self.notice_number),
            ("certificates.receipt_number", &self.receipt_number),
            ("certificates.sample_number", &self.sample_number),
            ("certificates.test_report_number", &self.test_report_number),
            ("certificates.dossier_number", &self.dossier_number),
            (
                "certificates.import_confirmation_number",
                &self.import_confirmation_number,
            ),
            (
                "certificates.import_notice_number",
                &self.import_notice_number,
            ),
        ] {
            if let Err(e) = format_number(pattern, 2026, 1) {
                p.at(field, e);
            }
        }
        if self.verify_rate_per_minute == 0 {
            p.at("certificates.verify_rate_per_minute", "must be at least 1");
        }
        p.into_result(())
    }
}
