//! Profile formats: procedures (what a verification or calibration does) and instruments (how
//! to talk to a device). Both are TOML with `schema_version = 1`, unknown fields refused, and
//! are loaded in two passes that report every problem with its path and line (see
//! [`crate::problems`]). JSON Schemas of all data formats are generated from these types
//! ([`schemas`]) and committed under `calibration-profiles/schema/`.

pub mod instrument;
pub mod procedure;

pub use instrument::{Instrument, InstrumentProfile};
pub use procedure::ProcedureProfile;

use crate::cycles::CycleList;
use crate::mpe::MpeTable;
use crate::problems::Problems;

/// The kinds of data file the crate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Procedure,
    Instrument,
    MpeTable,
    Cycles,
}

impl FileKind {
    /// Decides a file's kind from its path inside a profiles tree: `procedures/…`,
    /// `instruments/…`, `tables/mpe/…`, `tables/cycles.toml`. `None` for other files.
    #[must_use]
    pub fn from_path(path: &str) -> Option<Self> {
        let p = path.replace('\\', "/");
        if !std::path::Path::new(&p)
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        {
            return None;
        }
        let has = |dir: &str| p.starts_with(&format!("{dir}/")) || p.contains(&format!("/{dir}/"));
        if p.ends_with("tables/cycles.toml") || p == "cycles.toml" {
            Some(Self::Cycles)
        } else if has("mpe") {
            Some(Self::MpeTable)
        } else if has("procedures") {
            Some(Self::Procedure)
        } else if has("instruments") {
            Some(Self::Instrument)
        } else {
            None
        }
    }

    /// Loads and validates a text of this kind; the id it declares on success.
    pub fn check(self, text: &str) -> Result<String, Problems> {
        match self {
            Self::Procedure => ProcedureProfile::from_toml(text).map(|p| p.id),
            Self::Instrument => Instrument::from_toml(text).map(|i| i.profile.id),
            Self::MpeTable => MpeTable::from_toml(text).map(|t| t.id),
            Self::Cycles => CycleList::from_toml(text).map(|_| "cycles".to_owned()),
        }
    }
}

/// The instrument profiles shipped with the crate, as `(file name, text)`.
pub const SHIPPED_INSTRUMENTS: &[(&str, &str)] = &[
    (
        "mettler-toledo-mt-sics.toml",
        include_str!("../../instruments/mettler-toledo-mt-sics.toml"),
    ),
    (
        "sartorius-sbi.toml",
        include_str!("../../instruments/sartorius-sbi.toml"),
    ),
    (
        "and-gx-a.toml",
        include_str!("../../instruments/and-gx-a.toml"),
    ),
    (
        "keysight-34401a-scpi.toml",
        include_str!("../../instruments/keysight-34401a-scpi.toml"),
    ),
    (
        "alicat-pc-modbus.toml",
        include_str!("../../instruments/alicat-pc-modbus.toml"),
    ),
    (
        "eurotherm-3216-modbus.toml",
        include_str!("../../instruments/eurotherm-3216-modbus.toml"),
    ),
    (
        "advantech-adam-6051-counter.toml",
        include_str!("../../instruments/advantech-adam-6051-counter.toml"),
    ),
];

/// The shipped instrument profile with id `id`, validated.
#[must_use]
pub fn shipped_instrument(id: &str) -> Option<Result<Instrument, Problems>> {
    SHIPPED_INSTRUMENTS
        .iter()
        .find(|(name, _)| name.strip_suffix(".toml") == Some(id))
        .map(|(_, text)| Instrument::from_toml(text))
}

/// JSON Schemas of every data format, as `(file name, pretty JSON)`.
#[must_use]
pub fn schemas() -> Vec<(&'static str, String)> {
    let render = |s: schemars::Schema| {
        let mut text = serde_json::to_string_pretty(&s).unwrap_or_default();
        text.push('\n');
        text
    };
    vec![
        (
            "procedure.schema.json",
            render(schemars::schema_for!(ProcedureProfile)),
        ),
        (
            "instrument.schema.json",
            render(schemars::schema_for!(InstrumentProfile)),
        ),
        (
            "mpe-table.schema.json",
            render(schemars::schema_for!(MpeTable)),
        ),
        (
            "cycles.schema.json",
            render(schemars::schema_for!(CycleList)),
        ),
        (
            "reading-batch.schema.json",
            render(schemars::schema_for!(crate::wire::v1::ReadingBatch)),
        ),
    ]
}
