//! Maximum permissible error tables (sai số cho phép lớn nhất) as data with their source.
//!
//! Each table is a TOML file in `calibration-profiles/tables/mpe/` naming its document and
//! clause, validity dates and a confidence flag (`unconfirmed` rows ship flagged so a quality
//! manager can confirm them). The shipped tables are embedded at compile time; [`MpeTable::
//! from_toml`] loads any other text the same way. Four lookup shapes cover the documents:
//!
//! - `weighing_in_e`: OIML R 76 — MPE in verification scale intervals e by class and load band;
//! - `matrix`: OIML R 111 — MPE by class and nominal value;
//! - `rows`: a generic list filtered by class, stage and value range, with an absolute part, a
//!   percentage of the value, an optional floor (`minimum`, "the greater of") and asymmetric
//!   limits (`mpe_lower`/`mpe_upper`);
//! - `tolerable_deficiency`: OIML R 87 / Circular 21/2014 — T by nominal quantity and the
//!   sampling plan of prepackaged goods.

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::problems::{Problems, SourceMap, from_toml, join};
use crate::units::{Quantity, QuantityKind, Unit};

/// Whether a statutory number has been checked against its primary text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Confirmed,
    Unconfirmed,
}

/// A text in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Bilingual {
    pub vi: String,
    pub en: String,
}

/// Verification stage: initial (ban đầu) or in service (trong sử dụng).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum Stage {
    Initial,
    InService,
}

/// One load band of a weighing class: MPE `mpe_e`·e up to `up_to_e` e (inclusive).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeighingBand {
    pub up_to_e: Option<f64>,
    pub mpe_e: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WeighingClass {
    pub class: String,
    pub bands: Vec<WeighingBand>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MatrixRow {
    pub nominal: Quantity,
    /// Which classes `mpe` covers when not all of the table's classes.
    pub classes_present: Option<Vec<String>>,
    pub mpe: Vec<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Row {
    pub class: Option<String>,
    pub stage: Option<Stage>,
    /// Inclusive lower end of the value range.
    pub from: Option<Quantity>,
    /// Inclusive upper end of the value range.
    pub to: Option<Quantity>,
    /// Absolute part of a symmetric MPE.
    pub mpe: Option<Quantity>,
    /// Relative part, in % of the value.
    pub percent: Option<f64>,
    /// The MPE is never smaller than this ("the greater of").
    pub minimum: Option<Quantity>,
    /// Asymmetric limits: magnitudes of the permitted negative and positive errors.
    pub mpe_lower: Option<Quantity>,
    pub mpe_upper: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeficiencyBand {
    /// Qn > `above` (g or mL).
    pub above: f64,
    /// Qn ≤ `up_to` (g or mL).
    pub up_to: f64,
    pub percent: Option<f64>,
    pub absolute: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SamplingRow {
    pub lot_min: u32,
    pub lot_max: Option<u32>,
    pub sample_size: u32,
    /// k = t₀.₉₉₅(n − 1)/√n for the mean criterion.
    pub correction_factor: f64,
    /// Packages allowed below Qn − T.
    pub max_defectives: u32,
}

/// The lookup shape of a table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Lookup {
    WeighingInE {
        in_service_factor: f64,
        classes: Vec<WeighingClass>,
    },
    Matrix {
        mpe_unit: Unit,
        classes: Vec<String>,
        rows: Vec<MatrixRow>,
    },
    Rows {
        rows: Vec<Row>,
    },
    TolerableDeficiency {
        bands: Vec<DeficiencyBand>,
        sampling: Vec<SamplingRow>,
    },
}

/// An MPE table file (`schema_version = 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MpeTable {
    pub schema_version: u32,
    pub id: String,
    pub title: Bilingual,
    /// Document and clause printed next to every MPE taken from the table.
    pub source: String,
    pub legal_basis: Option<String>,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub confidence: Confidence,
    pub note: Option<String>,
    /// The kind of quantity the table is about; several when its rows mix kinds (a taximeter
    /// table has distance and time rows).
    pub quantity: Kinds,
    pub lookup: Lookup,
}

/// One quantity kind or a list of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Kinds {
    One(QuantityKind),
    Many(Vec<QuantityKind>),
}

impl Kinds {
    #[must_use]
    pub fn contains(&self, k: QuantityKind) -> bool {
        match self {
            Kinds::One(x) => *x == k,
            Kinds::Many(v) => v.contains(&k),
        }
    }
}

impl std::fmt::Display for Kinds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Kinds::One(x) => write!(f, "{x:?}"),
            Kinds::Many(v) => write!(f, "{v:?}"),
        }
    }
}

/// A lookup request; which fields matter depends on the table.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MpeQuery {
    pub class: Option<String>,
    pub stage: Option<Stage>,
    /// Verification scale interval, for `weighing_in_e` tables.
    pub e: Option<Quantity>,
    /// The load, nominal value or measured quantity the MPE applies to.
    pub value: Option<Quantity>,
}

/// An MPE found in a table. `lower`/`upper` are the magnitudes of the permitted negative and
/// positive errors; `mpe` is the symmetric value (the smaller magnitude when asymmetric).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Mpe {
    pub mpe: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lower: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub upper: Option<f64>,
    pub unit: Unit,
    pub source: String,
    pub table: String,
    pub confidence: Confidence,
}

/// Why an MPE cannot be given.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum MpeError {
    #[error("table: unknown MPE table `{0}`; known tables: {1}")]
    UnknownTable(String, String),
    #[error("{0}: required for table `{1}`")]
    Missing(&'static str, String),
    #[error("class: `{0}` is not in table `{1}`; classes: {2}")]
    UnknownClass(String, String, String),
    #[error("{field}: {message}")]
    Unit {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    OutOfRange(String),
    #[error("table `{0}` gives tolerable deficiencies; use the prepackaged-goods calculation")]
    WrongShape(String),
}

fn unit_err(field: &'static str) -> impl Fn(crate::units::UnitError) -> MpeError {
    move |e| MpeError::Unit {
        field,
        message: e.to_string(),
    }
}

impl MpeTable {
    /// Parses and validates a table, reporting every problem with its path and line.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let table: MpeTable = from_toml(text)?;
        let problems = table.validate();
        problems
            .with_lines(&SourceMap::new(text))
            .into_result(table)
    }

    #[allow(clippy::too_many_lines)] // one block of rules per lookup shape
    fn validate(&self) -> Problems {
        let mut p = Problems::default();
        if self.schema_version != 1 {
            p.at(
                "schema_version",
                format!("must be 1, got {}", self.schema_version),
            );
        }
        check_id(&mut p, "id", &self.id);
        if self.source.trim().is_empty() {
            p.at("source", "must name the document and clause");
        }
        if let Some(to) = &self.effective_to
            && *to < self.effective_from
        {
            p.at("effective_to", "must not be before effective_from");
        }
        let kind = &self.quantity;
        let check_q = |p: &mut Problems, path: String, q: &Quantity| {
            if !kind.contains(q.unit.kind()) {
                p.at(
                    path,
                    format!(
                        "unit `{}` is a {:?} unit but the table is about {kind}",
                        q.unit,
                        q.unit.kind()
                    ),
                );
            }
        };
        match &self.lookup {
            Lookup::WeighingInE {
                in_service_factor,
                classes,
            } => {
                if *in_service_factor < 1.0 {
                    p.at("lookup.in_service_factor", "must be at least 1");
                }
                for (i, c) in classes.iter().enumerate() {
                    let path = format!("lookup.classes[{i}]");
                    let mut last = 0.0;
                    for (j, b) in c.bands.iter().enumerate() {
                        let bp = format!("{path}.bands[{j}]");
                        if b.mpe_e <= 0.0 {
                            p.at(join(&bp, "mpe_e"), "must be greater than 0");
                        }
                        match b.up_to_e {
                            Some(u) if u <= last => p.at(
                                join(&bp, "up_to_e"),
                                "bands must be in increasing order of load",
                            ),
                            Some(u) => last = u,
                            None if j + 1 != c.bands.len() => {
                                p.at(join(&bp, "up_to_e"), "only the last band may be open-ended");
                            }
                            None => {}
                        }
                    }
                }
            }
            Lookup::Matrix { classes, rows, .. } => {
                for (i, r) in rows.iter().enumerate() {
                    let path = format!("lookup.rows[{i}]");
                    check_q(&mut p, join(&path, "nominal"), &r.nominal);
                    let present = r.classes_present.as_ref().unwrap_or(classes);
                    if present.len() != r.mpe.len() {
                        p.at(
                            join(&path, "mpe"),
                            format!("has {} values for {} classes", r.mpe.len(), present.len()),
                        );
                    }
                    for c in present {
                        if !classes.contains(c) {
                            p.at(
                                join(&path, "classes_present"),
                                format!("class `{c}` is not among the table's classes"),
                            );
                        }
                    }
                    if r.mpe.iter().any(|v| !(*v > 0.0)) {
                        p.at(join(&path, "mpe"), "values must be greater than 0");
                    }
                }
            }
            Lookup::Rows { rows } => {
                for (i, r) in rows.iter().enumerate() {
                    let path = format!("lookup.rows[{i}]");
                    for (name, q) in [
                        ("from", &r.from),
                        ("to", &r.to),
                        ("mpe", &r.mpe),
                        ("minimum", &r.minimum),
                        ("mpe_lower", &r.mpe_lower),
                        ("mpe_upper", &r.mpe_upper),
                    ] {
                        if let Some(q) = q {
                            check_q(&mut p, join(&path, name), q);
                        }
                    }
                    let asym = r.mpe_lower.is_some() || r.mpe_upper.is_some();
                    if asym && (r.mpe_lower.is_none() || r.mpe_upper.is_none()) {
                        p.at(&path, "give both mpe_lower and mpe_upper");
                    }
                    if asym && (r.mpe.is_some() || r.percent.is_some()) {
                        p.at(
                            &path,
                            "asymmetric limits cannot be combined with mpe or percent",
                        );
                    }
                    if !asym && r.mpe.is_none() && r.percent.is_none() {
                        p.at(&path, "give mpe, percent, or mpe_lower and mpe_upper");
                    }
                    if r.percent.is_some_and(|v| !(v > 0.0)) {
                        p.at(join(&path, "percent"), "must be greater than 0");
                    }
                    if let (Some(f), Some(t)) = (&r.from, &r.to)
                        && let Ok(tv) = t.unit.convert_value(t.value, f.unit)
                        && tv < f.value
                    {
                        p.at(join(&path, "to"), "must not be below from");
                    }
                }
            }
            Lookup::TolerableDeficiency { bands, sampling } => {
                if !(kind.contains(QuantityKind::Mass) || kind.contains(QuantityKind::Volume)) {
                    p.at("quantity", "tolerable deficiencies apply to mass or volume");
                }
                for (i, b) in bands.iter().enumerate() {
                    let path = format!("lookup.bands[{i}]");
                    if b.percent.is_some() == b.absolute.is_some() {
                        p.at(&path, "give exactly one of percent and absolute");
                    }
                    if b.up_to <= b.above {
                        p.at(join(&path, "up_to"), "must be greater than above");
                    }
                }
                for (i, s) in sampling.iter().enumerate() {
                    let path = format!("lookup.sampling[{i}]");
                    if s.lot_max.is_some_and(|m| m < s.lot_min) {
                        p.at(join(&path, "lot_max"), "must not be below lot_min");
                    }
                    if s.sample_size == 0 || s.correction_factor <= 0.0 {
                        p.at(
                            &path,
                            "sample_size and correction_factor must be greater than 0",
                        );
                    }
                }
            }
        }
        p
    }

    /// Whether the table is in force on `date`.
    #[must_use]
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from.0 <= date && self.effective_to.is_none_or(|t| t.0 >= date)
    }

    /// The classes (row groups) the table distinguishes.
    #[must_use]
    pub fn classes(&self) -> Vec<String> {
        match &self.lookup {
            Lookup::WeighingInE { classes, .. } => {
                classes.iter().map(|c| c.class.clone()).collect()
            }
            Lookup::Matrix { classes, .. } => classes.clone(),
            Lookup::Rows { rows } => {
                let mut v: Vec<String> = rows.iter().filter_map(|r| r.class.clone()).collect();
                v.dedup();
                v
            }
            Lookup::TolerableDeficiency { .. } => Vec::new(),
        }
    }

    fn mpe(&self, mpe: f64, unit: Unit) -> Mpe {
        Mpe {
            mpe,
            lower: None,
            upper: None,
            unit,
            source: self.source.clone(),
            table: self.id.clone(),
            confidence: self.confidence,
        }
    }

    /// Looks up the MPE for a query.
    ///
    /// ```
    /// use calibration_profiles::mpe::{table, MpeQuery, Stage};
    /// use calibration_profiles::units::Quantity;
    /// // OIML R 76 class III, e = 0.5 g, load 1200 g = 2400 e → 1.5 e = 0.75 g (initial).
    /// let q = MpeQuery { class: Some("III".into()), stage: Some(Stage::Initial),
    ///     e: Some(Quantity::parse("0.5 g").unwrap()), value: Some(Quantity::parse("1200 g").unwrap()) };
    /// let m = table("oiml-r76").unwrap().lookup(&q).unwrap();
    /// assert_eq!((m.mpe, m.unit.symbol()), (0.75, "g"));
    /// ```
    pub fn lookup(&self, q: &MpeQuery) -> Result<Mpe, MpeError> {
        let class = || -> Result<&str, MpeError> {
            q.class
                .as_deref()
                .ok_or_else(|| MpeError::Missing("class", self.id.clone()))
        };
        let unknown_class = |c: &str| {
            MpeError::UnknownClass(c.to_owned(), self.id.clone(), self.classes().join(", "))
        };
        let value = || {
            q.value
                .ok_or_else(|| MpeError::Missing("load/nominal/quantity", self.id.clone()))
        };
        match &self.lookup {
            Lookup::WeighingInE {
                in_service_factor,
                classes,
            } => {
                let c = class()?;
                let wc = classes
                    .iter()
                    .find(|x| x.class == c)
                    .ok_or_else(|| unknown_class(c))?;
                let e = q.e.ok_or_else(|| MpeError::Missing("e", self.id.clone()))?;
                if e.unit.kind() != QuantityKind::Mass || e.value <= 0.0 {
                    return Err(MpeError::Unit {
                        field: "e",
                        message: format!("must be a positive mass, got {e}"),
                    });
                }
                let load = value()?;
                let load_e = load
                    .unit
                    .convert_value(load.value, e.unit)
                    .map_err(unit_err("load"))?;
                if load_e < 0.0 {
                    return Err(MpeError::OutOfRange("load: must not be negative".into()));
                }
                let n = load_e / e.value;
                let band = wc
                    .bands
                    .iter()
                    .find(|b| b.up_to_e.is_none_or(|u| n <= u + 1e-9))
                    .ok_or_else(|| {
                        MpeError::OutOfRange(format!(
                            "load: {load} is {n} e, beyond the largest load class {c} allows in `{}`",
                            self.id
                        ))
                    })?;
                let factor = if q.stage == Some(Stage::InService) {
                    *in_service_factor
                } else {
                    1.0
                };
                Ok(self.mpe(band.mpe_e * e.value * factor, e.unit))
            }
            Lookup::Matrix {
                mpe_unit,
                classes,
                rows,
            } => {
                let c = class()?;
                if !classes.iter().any(|x| x == c) {
                    return Err(unknown_class(c));
                }
                let nominal = value()?;
                let row = rows
                    .iter()
                    .find(|r| {
                        nominal
                            .unit
                            .convert_value(nominal.value, r.nominal.unit)
                            .is_ok_and(|v| {
                                (v - r.nominal.value).abs() <= 1e-9 * r.nominal.value.abs()
                            })
                    })
                    .ok_or_else(|| {
                        if self.quantity.contains(nominal.unit.kind()) {
                            MpeError::OutOfRange(format!(
                                "nominal: {nominal} is not a nominal value of table `{}`",
                                self.id
                            ))
                        } else {
                            MpeError::Unit {
                                field: "nominal",
                                message: format!("{nominal} is not a {} value", self.quantity),
                            }
                        }
                    })?;
                let present = row.classes_present.as_ref().unwrap_or(classes);
                let idx = present.iter().position(|x| x == c).ok_or_else(|| {
                    MpeError::OutOfRange(format!(
                        "class: table `{}` has no class {c} value for {}",
                        self.id, row.nominal
                    ))
                })?;
                Ok(self.mpe(row.mpe[idx], *mpe_unit))
            }
            Lookup::Rows { rows } => self.lookup_rows(rows, q),
            Lookup::TolerableDeficiency { .. } => Err(MpeError::WrongShape(self.id.clone())),
        }
    }

    #[allow(clippy::too_many_lines)] // filter, then compute, as the table text reads
    fn lookup_rows(&self, rows: &[Row], q: &MpeQuery) -> Result<Mpe, MpeError> {
        if let Some(v) = &q.value
            && !self.quantity.contains(v.unit.kind())
        {
            return Err(MpeError::Unit {
                field: "quantity",
                message: format!(
                    "{v} is not a {} value for table `{}`",
                    self.quantity, self.id
                ),
            });
        }
        let has_classes = rows.iter().any(|r| r.class.is_some());
        if has_classes {
            match &q.class {
                None => return Err(MpeError::Missing("class", self.id.clone())),
                Some(c) if !rows.iter().any(|r| r.class.as_deref() == Some(c)) => {
                    return Err(MpeError::UnknownClass(
                        c.clone(),
                        self.id.clone(),
                        self.classes().join(", "),
                    ));
                }
                Some(_) => {}
            }
        }
        let stage = q.stage.unwrap_or(Stage::Initial);
        let mut needs_value = false;
        for r in rows {
            if r.class.is_some() && r.class != q.class {
                continue;
            }
            if r.stage.is_some_and(|s| s != stage) {
                continue;
            }
            if r.from.is_some() || r.to.is_some() || r.percent.is_some() {
                let Some(v) = q.value else {
                    needs_value = true;
                    continue;
                };
                let inside = |bound: &Option<Quantity>, below: bool| {
                    bound.as_ref().is_none_or(|b| {
                        v.unit.convert_value(v.value, b.unit).is_ok_and(|x| {
                            if below {
                                x >= b.value - 1e-12 * b.value.abs()
                            } else {
                                x <= b.value + 1e-12 * b.value.abs()
                            }
                        })
                    })
                };
                if !(inside(&r.from, true) && inside(&r.to, false)) {
                    continue;
                }
            }
            // Express the result in the unit of the row's absolute part, else of the value.
            let unit = r
                .mpe
                .or(r.mpe_upper)
                .or(r.minimum)
                .map(|m| m.unit)
                .or(q.value.map(|v| v.unit))
                .ok_or_else(|| MpeError::Missing("quantity", self.id.clone()))?;
            let conv = |x: &Quantity| {
                x.unit
                    .convert_interval(x.value, unit)
                    .map_err(unit_err("quantity"))
            };
            if let (Some(lo), Some(hi)) = (&r.mpe_lower, &r.mpe_upper) {
                let (lo, hi) = (conv(lo)?, conv(hi)?);
                let mut m = self.mpe(lo.min(hi), unit);
                m.lower = Some(lo);
                m.upper = Some(hi);
                return Ok(m);
            }
            let mut mpe = match &r.mpe {
                Some(a) => conv(a)?,
                None => 0.0,
            };
            if let Some(pc) = r.percent {
                let v = q
                    .value
                    .ok_or_else(|| MpeError::Missing("quantity", self.id.clone()))?;
                let in_unit = v
                    .unit
                    .convert_interval(v.value, unit)
                    .map_err(unit_err("quantity"))?;
                mpe += in_unit.abs() * pc / 100.0;
            }
            if let Some(min) = &r.minimum {
                mpe = mpe.max(conv(min)?);
            }
            return Ok(self.mpe(mpe, unit));
        }
        if needs_value {
            return Err(MpeError::Missing("quantity", self.id.clone()));
        }
        Err(MpeError::OutOfRange(format!(
            "no row of table `{}` covers {}{}",
            self.id,
            q.value
                .map_or_else(|| "this query".to_owned(), |v| v.to_string()),
            q.class
                .as_ref()
                .map_or(String::new(), |c| format!(" in class {c}"))
        )))
    }

    /// Tolerable deficiency T for a nominal quantity Qn (OIML R 87 Table 1; Circular
    /// 21/2014/TT-BKHCN). Percentages are rounded up to the next 0.1 g or mL (R 87 2.4).
    ///
    /// ```
    /// use calibration_profiles::mpe::table;
    /// use calibration_profiles::units::Quantity;
    /// let r87 = table("oiml-r87").unwrap();
    /// // 250 g → 9 g; 400 g → 3 % = 12 g; 1500 g → 1.5 % = 22.5 g.
    /// let t = |q: &str| r87.tolerable_deficiency(&Quantity::parse(q).unwrap()).unwrap().mpe;
    /// assert_eq!((t("250 g"), t("400 g"), t("1500 g")), (9.0, 12.0, 22.5));
    /// ```
    pub fn tolerable_deficiency(&self, nominal: &Quantity) -> Result<Mpe, MpeError> {
        let Lookup::TolerableDeficiency { bands, .. } = &self.lookup else {
            return Err(MpeError::WrongShape(self.id.clone()));
        };
        let (unit, qn) = match nominal.unit.kind() {
            QuantityKind::Mass => {
                let g = Unit::parse("g").map_err(unit_err("nominal"))?;
                (
                    g,
                    nominal
                        .unit
                        .convert_value(nominal.value, g)
                        .map_err(unit_err("nominal"))?,
                )
            }
            QuantityKind::Volume => {
                let ml = Unit::parse("mL").map_err(unit_err("nominal"))?;
                (
                    ml,
                    nominal
                        .unit
                        .convert_value(nominal.value, ml)
                        .map_err(unit_err("nominal"))?,
                )
            }
            _ => {
                return Err(MpeError::Unit {
                    field: "nominal",
                    message: format!("{nominal} is neither a mass nor a volume"),
                });
            }
        };
        let band = bands
            .iter()
            .find(|b| qn > b.above && qn <= b.up_to + 1e-9)
            .ok_or_else(|| {
                MpeError::OutOfRange(format!(
                    "nominal: {nominal} is outside the nominal quantities of table `{}`",
                    self.id
                ))
            })?;
        let t = match (band.percent, band.absolute) {
            (Some(pc), _) => (qn * pc / 100.0 * 10.0 - 1e-9).ceil() / 10.0,
            (None, Some(a)) => a,
            (None, None) => unreachable!("validated: one of percent and absolute"),
        };
        Ok(self.mpe(t, unit))
    }

    /// The sampling plan row for a lot of `lot_size` packages.
    #[must_use]
    pub fn sampling_plan(&self, lot_size: u32) -> Option<&SamplingRow> {
        let Lookup::TolerableDeficiency { sampling, .. } = &self.lookup else {
            return None;
        };
        sampling
            .iter()
            .find(|s| lot_size >= s.lot_min && s.lot_max.is_none_or(|m| lot_size <= m))
    }
}

/// Checks an identifier: lowercase ASCII letters, digits and single hyphens.
pub(crate) fn check_id(p: &mut Problems, path: &str, id: &str) {
    let ok = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !id.starts_with('-')
        && !id.ends_with('-')
        && !id.contains("--");
    if !ok {
        p.at(
            path,
            format!("`{id}` must be lowercase letters, digits and single hyphens, e.g. `oiml-r76`"),
        );
    }
}

/// The tables shipped with the crate, as `(file name, text)`.
pub const SHIPPED: &[(&str, &str)] = &[
    ("oiml-r76.toml", include_str!("../tables/mpe/oiml-r76.toml")),
    (
        "oiml-r111.toml",
        include_str!("../tables/mpe/oiml-r111.toml"),
    ),
    (
        "oiml-r117.toml",
        include_str!("../tables/mpe/oiml-r117.toml"),
    ),
    (
        "oiml-r120.toml",
        include_str!("../tables/mpe/oiml-r120.toml"),
    ),
    ("oiml-r21.toml", include_str!("../tables/mpe/oiml-r21.toml")),
    ("oiml-r16.toml", include_str!("../tables/mpe/oiml-r16.toml")),
    ("oiml-r7.toml", include_str!("../tables/mpe/oiml-r7.toml")),
    (
        "oiml-r115.toml",
        include_str!("../tables/mpe/oiml-r115.toml"),
    ),
    ("oiml-r87.toml", include_str!("../tables/mpe/oiml-r87.toml")),
    (
        "dlvn-10-2017.toml",
        include_str!("../tables/mpe/dlvn-10-2017.toml"),
    ),
    (
        "dlvn-01-2019.toml",
        include_str!("../tables/mpe/dlvn-01-2019.toml"),
    ),
    (
        "dlvn-09-2011.toml",
        include_str!("../tables/mpe/dlvn-09-2011.toml"),
    ),
    (
        "dlvn-standard-vessel.toml",
        include_str!("../tables/mpe/dlvn-standard-vessel.toml"),
    ),
];

/// The shipped tables, parsed once. A shipped table that fails to load is a build defect caught
/// by the test suite; at run time it is left out and reported by [`shipped_problems`].
pub fn tables() -> &'static [MpeTable] {
    static TABLES: OnceLock<Vec<MpeTable>> = OnceLock::new();
    TABLES.get_or_init(|| {
        SHIPPED
            .iter()
            .filter_map(|(_, text)| MpeTable::from_toml(text).ok())
            .collect()
    })
}

/// Problems of the shipped tables, by file name (empty when all load).
#[must_use]
pub fn shipped_problems() -> Vec<(&'static str, Problems)> {
    SHIPPED
        .iter()
        .filter_map(|(name, text)| MpeTable::from_toml(text).err().map(|p| (*name, p)))
        .collect()
}

/// A shipped table by id.
pub fn table(id: &str) -> Result<&'static MpeTable, MpeError> {
    tables().iter().find(|t| t.id == id).ok_or_else(|| {
        MpeError::UnknownTable(
            id.to_owned(),
            tables()
                .iter()
                .map(|t| t.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(class: &str, stage: Stage, e: Option<&str>, value: &str) -> MpeQuery {
        MpeQuery {
            class: Some(class.into()),
            stage: Some(stage),
            e: e.map(|e| Quantity::parse(e).unwrap()),
            value: Some(Quantity::parse(value).unwrap()),
        }
    }

    #[test]
    fn every_shipped_table_loads_and_ids_match_file_names() {
        assert_eq!(shipped_problems(), vec![]);
        for (name, text) in SHIPPED {
            let t = MpeTable::from_toml(text).unwrap();
            assert_eq!(format!("{}.toml", t.id), *name);
        }
    }

    #[test]
    fn r76_bands_are_inclusive_at_their_upper_end() {
        let t = table("oiml-r76").unwrap();
        // Class III, e = 1 g: 500 e → 0.5 e, 501 e → 1 e; in service doubles.
        let m = |v, s| t.lookup(&q("III", s, Some("1 g"), v)).unwrap().mpe;
        assert_eq!(m("500 g", Stage::Initial), 0.5);
        assert_eq!(m("501 g", Stage::Initial), 1.0);
        assert_eq!(m("0.501 kg", Stage::InService), 2.0);
        assert!(
            t.lookup(&q("III", Stage::Initial, Some("1 g"), "10001 g"))
                .is_err()
        );
        assert!(matches!(
            t.lookup(&q("V", Stage::Initial, Some("1 g"), "1 g")),
            Err(MpeError::UnknownClass(..))
        ));
    }

    #[test]
    fn r111_gives_the_e2_mpe_of_a_kilogram() {
        // OIML R 111-1:2004 Table 1: 1 kg E2 = 1.6 mg, F1 = 5 mg.
        let t = table("oiml-r111").unwrap();
        let m = t.lookup(&q("E2", Stage::Initial, None, "1000 g")).unwrap();
        assert_eq!((m.mpe, m.unit.symbol()), (1.6, "mg"));
        assert_eq!(
            t.lookup(&q("F1", Stage::Initial, None, "1 kg"))
                .unwrap()
                .mpe,
            5.0
        );
        assert!(t.lookup(&q("E2", Stage::Initial, None, "3 kg")).is_err());
        assert!(matches!(
            t.lookup(&q("E2", Stage::Initial, None, "1 L")),
            Err(MpeError::Unit { .. })
        ));
    }

    #[test]
    fn relative_rows_scale_with_the_quantity() {
        // OIML R 117 class 0.5 (fuel dispensers): 20 L → 0.1 L.
        let t = table("oiml-r117").unwrap();
        let m = t.lookup(&q("0.5", Stage::Initial, None, "20 L")).unwrap();
        assert!((m.mpe - 0.1).abs() < 1e-12);
        assert_eq!(m.unit.symbol(), "L");
    }

    #[test]
    fn rows_without_a_matching_range_are_an_error() {
        let t = table("oiml-r115").unwrap();
        let e = t
            .lookup(&MpeQuery {
                value: Some(Quantity::parse("60 °C").unwrap()),
                ..MpeQuery::default()
            })
            .unwrap_err();
        assert!(e.to_string().contains("no row"), "{e}");
    }

    #[test]
    fn unknown_tables_list_the_known_ones() {
        let e = table("oiml-r999").unwrap_err();
        assert!(e.to_string().contains("oiml-r76"));
    }
}
