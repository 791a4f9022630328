//! Bench work between the store and the pages/API: what a run's JSON columns hold, how a
//! run is evaluated with the engine (`calibration_profiles::run`), which standards it may use,
//! and how a finished run becomes a signed certificate document.
//!
//! No SQL here (the store) and no HTTP (the handlers): plain functions both the JSON API and
//! the pages call, so they cannot disagree.

use std::collections::BTreeMap;

use calibration_profiles::conformity::Outcome;
use calibration_profiles::problems::Problems;
use calibration_profiles::profile::ProcedureProfile;
use calibration_profiles::run::{self as engine, Params, PointInput, Reference, RunEvaluation};
use calibration_profiles::units::{Quantity, Unit};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::http::AppError;
use crate::store::Store;
use crate::store::bench::{Run, RunReading};
use crate::store::standards::{CalibrationValue, MeasurementStandard, Status, Usability};

/// How old the latest stable reading of a device may be for *Capture* to take it.
pub const CAPTURE_WINDOW_SECONDS: i64 = 30;

/// A device channel picked for a run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeviceChannel {
    pub device_id: String,
    /// Empty or absent: the device's main channel.
    #[serde(default)]
    pub channel: Option<String>,
}

/// A reference value typed in for one point (the combination of weights actually used, a
/// reading of the pressure standard…), in the procedure's unit.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ReferenceInput {
    pub value: f64,
    pub expanded_uncertainty: f64,
    /// Coverage factor of that U (default 2).
    #[serde(default)]
    pub k: Option<f64>,
}

/// What was picked for a run (the `setup` column).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Setup {
    #[serde(default)]
    pub standards: Vec<PickedStandard>,
    #[serde(default)]
    pub devices: Vec<DeviceChannel>,
    /// Where the work is done (printed), e.g. "Phòng thí nghiệm khối lượng".
    #[serde(default)]
    pub place: Option<String>,
    /// Reference values per point id, overriding the standards' certified values.
    #[serde(default)]
    pub references: BTreeMap<String, ReferenceInput>,
}

/// A standard picked for a run, with how it could be used at that moment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PickedStandard {
    pub measurement_standard_id: Uuid,
    pub code: String,
    /// Status when picked.
    pub status: Status,
    /// The quality manager's override that allowed an unusable standard, if any.
    #[serde(default)]
    pub override_id: Option<Uuid>,
}

/// An environmental condition recorded for a run (the `environment` column).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentValue {
    /// `temperature`, `humidity`, `pressure` … (the quantity kind of the procedure's limits).
    pub quantity: String,
    pub value: f64,
    pub unit: String,
    /// The sensor reading it came from; absent: typed in.
    #[serde(default)]
    pub reading_id: Option<Uuid>,
}

/// The outcome of a qualitative step (external or technical check).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct StepRecord {
    pub passed: bool,
    #[serde(default)]
    pub note: String,
    /// Each check of the step: passed or not.
    #[serde(default)]
    pub items: BTreeMap<String, bool>,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// The run's JSON columns, parsed.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunData {
    pub params: BTreeMap<String, String>,
    pub setup: Setup,
    pub environment: Vec<EnvironmentValue>,
    pub checks: BTreeMap<String, StepRecord>,
}

impl RunData {
    /// Reads the columns; a column that does not parse is an internal error (only this module
    /// writes them).
    pub fn of(run: &Run) -> Result<Self, AppError> {
        let parse = |what: &str, text: &str| -> Result<serde_json::Value, AppError> {
            serde_json::from_str(text).map_err(|e| {
                AppError::Internal(anyhow::anyhow!("run {}: column {what}: {e}", run.run_id))
            })
        };
        let value = |what: &str, text: &str| parse(what, text);
        Ok(Self {
            params: serde_json::from_value(value("params", &run.params)?)
                .map_err(|e| AppError::Internal(e.into()))?,
            setup: serde_json::from_value(value("setup", &run.setup)?)
                .map_err(|e| AppError::Internal(e.into()))?,
            environment: serde_json::from_value(value("environment", &run.environment)?)
                .map_err(|e| AppError::Internal(e.into()))?,
            checks: serde_json::from_value(value("checks", &run.checks)?)
                .map_err(|e| AppError::Internal(e.into()))?,
        })
    }
}

/// The procedure of a run, or a conflict naming what to do.
pub fn procedure_of(run: &Run) -> Result<&'static ProcedureProfile, AppError> {
    let id = run.procedure_id.as_deref().ok_or_else(|| {
        AppError::Conflict("the run has no procedure yet: set it up first".into())
    })?;
    engine::procedure(id).ok_or_else(|| {
        AppError::Conflict(format!(
            "procedure `{id}` is no longer shipped with this server"
        ))
    })
}

/// A standard picked for the run with its latest calibration values.
#[derive(Debug, Clone)]
pub struct StandardInUse {
    pub standard: MeasurementStandard,
    pub values: Vec<CalibrationValue>,
}

/// Loads the picked standards with their latest calibration results.
pub async fn standards_in_use(
    store: &Store,
    setup: &Setup,
) -> Result<Vec<StandardInUse>, AppError> {
    let mut out = Vec::with_capacity(setup.standards.len());
    for p in &setup.standards {
        let standard = store
            .standard(p.measurement_standard_id)
            .await
            .map_err(AppError::store)?
            .ok_or_else(|| AppError::NotFound(format!("standard {}", p.measurement_standard_id)))?;
        let values = store
            .calibrations(p.measurement_standard_id)
            .await
            .map_err(AppError::store)?
            .into_iter()
            .next()
            .map(|c| serde_json::from_str::<Vec<CalibrationValue>>(&c.results).unwrap_or_default())
            .unwrap_or_default();
        out.push(StandardInUse { standard, values });
    }
    Ok(out)
}

/// Checks that every standard may be used on `day` (status or a live override); the first
/// one that may not is named.
pub async fn check_standards(
    store: &Store,
    ids: &[Uuid],
    day: NaiveDate,
) -> Result<Vec<PickedStandard>, AppError> {
    let mut picked = Vec::with_capacity(ids.len());
    let mut problems = Problems::default();
    for (i, id) in ids.iter().enumerate() {
        let standard = store
            .standard(*id)
            .await
            .map_err(AppError::store)?
            .ok_or_else(|| AppError::NotFound(format!("standards[{i}]: standard {id}")))?;
        let Usability {
            status,
            usable,
            override_granted,
        } = store
            .standard_usability(*id, day)
            .await
            .map_err(AppError::store)?;
        if !usable {
            problems.at(
                format!("standards[{i}]"),
                format!(
                    "standard {} is {}: it cannot be used unless a quality manager grants an override",
                    standard.code,
                    status.as_str()
                ),
            );
            continue;
        }
        picked.push(PickedStandard {
            measurement_standard_id: *id,
            code: standard.code,
            status,
            override_id: override_granted.map(|o| o.standard_override_id),
        });
    }
    if problems.is_empty() {
        Ok(picked)
    } else {
        Err(AppError::Invalid(problems))
    }
}

/// The certified value of a standard for a nominal value: the result with the same nominal
/// (value and U as certified) or, failing that, the U of the smallest certified nominal above
/// it (conservative: U grows with the value for the standards of this lab), value = nominal.
fn certified(values: &[CalibrationValue], nominal: f64, unit: Unit) -> Option<Reference> {
    let mut best: Option<(f64, Reference)> = None;
    for v in values {
        let (Ok(n), Ok(u)) = (
            Quantity::parse(&v.nominal).and_then(|q| q.to(unit)),
            Quantity::parse(&v.expanded_uncertainty),
        ) else {
            continue;
        };
        let Ok(u) = u.unit.convert_interval(u.value, unit) else {
            continue;
        };
        let k = v.k.unwrap_or(2.0);
        let tolerance = 1e-9 * nominal.abs().max(1e-12);
        if (n.value - nominal).abs() <= tolerance {
            let value = Quantity::parse(&v.value)
                .and_then(|q| q.to(unit))
                .map_or(nominal, |q| q.value);
            return Some(Reference {
                value: Some(value),
                expanded_uncertainty: u,
                coverage_factor: k,
                dof: None,
            });
        }
        if n.value > nominal && best.as_ref().is_none_or(|(bn, _)| n.value < *bn) {
            best = Some((
                n.value,
                Reference {
                    value: Some(nominal),
                    expanded_uncertainty: u,
                    coverage_factor: k,
                    dof: None,
                },
            ));
        }
    }
    best.map(|(_, r)| r)
}

/// Everything the evaluation of a run needs.
#[derive(Debug)]
pub struct Evaluated {
    pub as_found: RunEvaluation,
    /// Calibration after adjustment, when as-left values were taken.
    pub as_left: Option<RunEvaluation>,
    /// Problems with the parameters (nothing can be evaluated until they are fixed).
    pub params: Option<Problems>,
}

impl Evaluated {
    /// The outcome that counts (as left when there is one).
    #[must_use]
    pub fn outcome(&self) -> Option<Outcome> {
        self.as_left
            .as_ref()
            .map_or(self.as_found.outcome, |l| l.outcome)
    }
}

/// Evaluates every point of a run from its values (discarded ones left out).
#[must_use]
pub fn evaluate(
    profile: &ProcedureProfile,
    data: &RunData,
    readings: &[RunReading],
    standards: &[StandardInUse],
) -> Evaluated {
    let parsed = match engine::check_params(profile, &Params(data.params.clone())) {
        Ok(p) => p,
        Err(problems) => {
            return Evaluated {
                as_found: RunEvaluation {
                    procedure: profile.id.clone(),
                    revision: profile.revision,
                    points: Vec::new(),
                    missing: profile.points.iter().map(|p| p.id.clone()).collect(),
                    problems: Vec::new(),
                    outcome: None,
                    complete: false,
                    engine_version: calibration_profiles::ENGINE_VERSION.into(),
                },
                as_left: None,
                params: Some(problems),
            };
        }
    };
    let unit = profile.unit;
    let env_names: Vec<&str> = profile
        .model
        .quantities
        .iter()
        .filter(|q| q.source == calibration_profiles::profile::procedure::Source::Environment)
        .map(|q| q.name.as_str())
        .collect();
    let inputs = |phase: &str| -> Vec<PointInput> {
        profile
            .points
            .iter()
            .map(|point| {
                let values: Vec<f64> = readings
                    .iter()
                    .filter(|r| {
                        r.point_id == point.id && r.phase == phase && r.discarded_at.is_none()
                    })
                    .map(|r| r.value)
                    .collect();
                let reference = data.setup.references.get(&point.id).map_or_else(
                    || {
                        let nominal = engine::nominal(profile, point, &parsed).ok()?;
                        standards
                            .iter()
                            .find_map(|s| certified(&s.values, nominal, unit))
                    },
                    |r| {
                        Some(Reference {
                            value: Some(r.value),
                            expanded_uncertainty: r.expanded_uncertainty,
                            coverage_factor: r.k.unwrap_or(2.0),
                            dof: None,
                        })
                    },
                );
                PointInput {
                    point_id: point.id.clone(),
                    readings: values,
                    reference,
                    // Only the model's own environment quantities (by name, e.g. the fuel
                    // temperature); the room's conditions are checked against the limits apart.
                    environment: data
                        .environment
                        .iter()
                        .filter(|e| env_names.contains(&e.quantity.as_str()))
                        .map(|e| (e.quantity.clone(), engine::EnvironmentValue::from(e.value)))
                        .collect(),
                }
            })
            .collect()
    };
    let as_found = engine::evaluate_run(profile, &parsed, &inputs("as_found"));
    let as_left = readings
        .iter()
        .any(|r| r.phase == "as_left" && r.discarded_at.is_none())
        .then(|| engine::evaluate_run(profile, &parsed, &inputs("as_left")));
    Evaluated {
        as_found,
        as_left,
        params: None,
    }
}

/// Converts a device or typed value to the procedure's unit.
pub fn to_unit(value: f64, from: &str, to: Unit) -> Result<f64, String> {
    let from_unit = Unit::parse(from).map_err(|e| format!("unit `{from}`: {e}"))?;
    from_unit
        .convert_value(value, to)
        .map_err(|e| format!("{from} cannot be converted to {}: {e}", to.symbol()))
}

/// The name of a quantity kind as the profiles and the API write it (`temperature`).
#[must_use]
pub fn kind_name(k: calibration_profiles::units::QuantityKind) -> String {
    serde_json::to_value(k)
        .ok()
        .and_then(|v| v.as_str().map(ToOwned::to_owned))
        .unwrap_or_default()
}
