//! Evaluation of a verification or calibration run against its procedure profile: where each
//! test point lies, the model's result with its GUM uncertainty budget, the MPE, and the
//! statement of conformity — point by point and for the run. The server calls it after every
//! captured reading and stores the result with [`ENGINE_VERSION`]; a partial run is normal.
//!
//! Key decisions, each stated where it is implemented:
//!
//! - Instrument parameters (`max`, `e`, `d`, `class`) are checked once by [`check_params`]
//!   into [`ParsedParams`], in the procedure's unit.
//! - The uncertainty is the engine's own ([`calc::prepare`] and [`uncertainty::evaluate`]):
//!   Type A over the readings, rectangular half a digit for the resolution, U/k for the
//!   reference standard, Welch–Satterthwaite for ν_eff and Student's t for k.
//! - Stated model quantities are corrections: values, half-widths and standard uncertainties in
//!   a unit of the procedure's quantity are converted to the procedure's unit as differences
//!   (no temperature offset); quantities of another kind (a dimensionless expansion
//!   coefficient, a temperature in a volume model) enter in the unit they are written in.
//! - A model whose result grows with the reference standard (`m_x = m_s + …`) gives a measured
//!   value, whose error is the value minus the nominal; otherwise (`E = I − m_ref …`) the result
//!   is the error itself.
//! - A verification judges more than the mean: every reading's error must lie within the MPE,
//!   and for weighing instruments the spread of repeated readings too (see [`Failure`]).

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::ENGINE_VERSION;
use crate::calc::{self, DEFAULT_COVERAGE_PROBABILITY, QuantityInput, UncertaintyRequest};
use crate::conformity::{self, Decision, Limits, Outcome, Rule};
use crate::mpe::{self, Bilingual, Confidence, Lookup, MpeQuery};
use crate::problems::Problems;
use crate::profile::ProcedureProfile;
use crate::profile::procedure::{Mode, ModelQuantity, Point, ProcedureKind, Source};
use crate::uncertainty::{self, Distribution};
use crate::units::{Quantity, QuantityKind, Unit};

/// The procedure profiles shipped with the crate, as `(file name, text)`.
pub const SHIPPED_PROCEDURES: &[(&str, &str)] = &[
    (
        "dlvn-01-2019-taximeter-verification.toml",
        include_str!("../procedures/dlvn-01-2019-taximeter-verification.toml"),
    ),
    (
        "dlvn-09-2011-sphygmomanometer-verification.toml",
        include_str!("../procedures/dlvn-09-2011-sphygmomanometer-verification.toml"),
    ),
    (
        "dlvn-10-2017-fuel-dispenser-verification.toml",
        include_str!("../procedures/dlvn-10-2017-fuel-dispenser-verification.toml"),
    ),
    (
        "dlvn-16-2021-nawi-verification.toml",
        include_str!("../procedures/dlvn-16-2021-nawi-verification.toml"),
    ),
    (
        "pressure-gauge-calibration.toml",
        include_str!("../procedures/pressure-gauge-calibration.toml"),
    ),
    (
        "thermometer-calibration-bath.toml",
        include_str!("../procedures/thermometer-calibration-bath.toml"),
    ),
    (
        "weights-e2-f1-calibration-abba.toml",
        include_str!("../procedures/weights-e2-f1-calibration-abba.toml"),
    ),
];

/// The shipped procedures, parsed once. A shipped profile that fails to load is a build defect
/// caught by the test suite; at run time it is left out and reported by [`shipped_problems`].
pub fn shipped_procedures() -> &'static [ProcedureProfile] {
    static PROCEDURES: OnceLock<Vec<ProcedureProfile>> = OnceLock::new();
    PROCEDURES.get_or_init(|| {
        SHIPPED_PROCEDURES
            .iter()
            .filter_map(|(_, text)| ProcedureProfile::from_toml(text).ok())
            .collect()
    })
}

/// Problems of the shipped procedures, by file name (empty when all load).
#[must_use]
pub fn shipped_problems() -> Vec<(&'static str, Problems)> {
    SHIPPED_PROCEDURES
        .iter()
        .filter_map(|(name, text)| ProcedureProfile::from_toml(text).err().map(|p| (*name, p)))
        .collect()
}

/// A shipped procedure by id.
#[must_use]
pub fn procedure(id: &str) -> Option<&'static ProcedureProfile> {
    shipped_procedures().iter().find(|p| p.id == id)
}

/// The service a customer asks for: a verification mode, or a calibration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Service {
    Initial,
    Periodic,
    AfterRepair,
    Calibration,
}

impl Service {
    /// Whether a procedure can carry out this service.
    #[must_use]
    pub fn is_covered_by(self, profile: &ProcedureProfile) -> bool {
        let mode = match self {
            Self::Calibration => return profile.kind == ProcedureKind::Calibration,
            Self::Initial => Mode::Initial,
            Self::Periodic => Mode::Periodic,
            Self::AfterRepair => Mode::AfterRepair,
        };
        profile.kind == ProcedureKind::Verification && profile.modes.contains(&mode)
    }
}

/// The shipped procedures for an instrument category and a service, in shipping order.
#[must_use]
pub fn procedures_for(category: &str, service: Service) -> Vec<&'static ProcedureProfile> {
    shipped_procedures()
        .iter()
        .filter(|p| p.categories.iter().any(|c| c == category) && service.is_covered_by(p))
        .collect()
}

/// Instrument parameters named by the profile's `requires`, as the technician typed them:
/// `"max" → "220 g"`, `"e" → "1 mg"`, `"d" → "0.1 mg"`, `"class" → "I"`. Entries the profile
/// does not require are ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(transparent)]
pub struct Params(pub BTreeMap<String, String>);

/// Parameters checked against one procedure: quantities in the procedure's unit, texts
/// (accuracy classes) trimmed. Made only by [`check_params`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParsedParams {
    procedure: String,
    unit: Unit,
    quantities: BTreeMap<String, f64>,
    texts: BTreeMap<String, String>,
}

impl ParsedParams {
    /// Id of the procedure the parameters were checked against.
    #[must_use]
    pub fn procedure(&self) -> &str {
        &self.procedure
    }

    /// A quantity parameter in the procedure's unit.
    #[must_use]
    pub fn quantity(&self, name: &str) -> Option<f64> {
        self.quantities.get(name).copied()
    }

    /// A text parameter (an accuracy class).
    #[must_use]
    pub fn text(&self, name: &str) -> Option<&str> {
        self.texts.get(name).map(String::as_str)
    }
}

/// Parameters that are intervals (resolution, verification scale interval): converted without
/// a temperature offset, and greater than zero.
const INTERVAL_PARAMS: &[&str] = &["d", "e"];

fn is_text_param(profile: &ProcedureProfile, name: &str) -> bool {
    name == "class" || profile.mpe.as_ref().and_then(|m| m.class_from.as_deref()) == Some(name)
}

/// Checks the instrument parameters a procedure requires, naming every missing or unusable one
/// (`params.e: required field is missing`). Quantities must be of the procedure's kind (a
/// balance's `e` is a mass) and are converted to its unit; `d`, `e` and `max` must be greater
/// than zero; an accuracy class must be one of the MPE table's classes.
///
/// ```
/// use calibration_profiles::run::{check_params, procedure, Params};
/// let nawi = procedure("dlvn-16-2021-nawi-verification").unwrap();
/// let params = Params([("max", "220 g"), ("e", "1 mg"), ("d", "0.1 mg"), ("class", "I")]
///     .map(|(k, v)| (k.to_owned(), v.to_owned())).into());
/// let parsed = check_params(nawi, &params).unwrap();
/// assert_eq!(parsed.quantity("e"), Some(0.001)); // in g, the procedure's unit
/// ```
pub fn check_params(profile: &ProcedureProfile, params: &Params) -> Result<ParsedParams, Problems> {
    let mut p = Problems::default();
    let mut parsed = ParsedParams {
        procedure: profile.id.clone(),
        unit: profile.unit,
        quantities: BTreeMap::new(),
        texts: BTreeMap::new(),
    };
    for name in &profile.requires {
        let path = format!("params.{name}");
        let Some(text) = params.0.get(name).map(|t| t.trim()) else {
            p.at(path, "required field is missing");
            continue;
        };
        if text.is_empty() {
            p.at(path, "must not be empty");
            continue;
        }
        if is_text_param(profile, name) {
            if let Some(classes) = mpe_classes(profile)
                && !classes.iter().any(|c| c == text)
            {
                p.at(
                    path,
                    format!(
                        "`{text}` is not a class of the MPE table; classes: {}",
                        classes.join(", ")
                    ),
                );
                continue;
            }
            parsed.texts.insert(name.clone(), text.to_owned());
            continue;
        }
        let q = match Quantity::parse(text) {
            Ok(q) => q,
            Err(e) => {
                p.at(path, e.to_string());
                continue;
            }
        };
        let interval = INTERVAL_PARAMS.contains(&name.as_str());
        let converted = if interval {
            q.unit.convert_interval(q.value, profile.unit)
        } else {
            q.unit.convert_value(q.value, profile.unit)
        };
        let Ok(v) = converted else {
            p.at(
                path,
                format!(
                    "`{q}` is not a {} value; give it in a unit such as {}",
                    kind_name(profile.quantity),
                    profile.unit
                ),
            );
            continue;
        };
        if (interval || name == "max") && !(v > 0.0) {
            p.at(path, format!("must be greater than 0, got {q}"));
            continue;
        }
        parsed.quantities.insert(name.clone(), v);
    }
    p.into_result(parsed)
}

/// Classes of the procedure's MPE table when the class comes from an instrument parameter.
fn mpe_classes(profile: &ProcedureProfile) -> Option<Vec<String>> {
    let spec = profile.mpe.as_ref()?;
    spec.class_from.as_ref()?;
    let classes = mpe::table(&spec.table).ok()?.classes();
    (!classes.is_empty()).then_some(classes)
}

/// The name serde gives a quantity kind (`temperature`, `humidity`).
fn kind_name(kind: QuantityKind) -> String {
    serde_json::to_value(kind)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_else(|| format!("{kind:?}"))
}

/// The reference standard's value at a point, from its calibration certificate.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Reference {
    /// In the procedure's unit; the point's nominal value when omitted.
    pub value: Option<f64>,
    pub expanded_uncertainty: f64,
    /// k of the certificate's U.
    pub coverage_factor: f64,
    /// Degrees of freedom of U/k; infinite when omitted.
    pub dof: Option<f64>,
}

/// A recorded value for a model quantity with `source = environment` (e.g. the fuel
/// temperature in a standard vessel), in the unit the model's equation uses, with the standard
/// uncertainty of the sensor that gave it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvironmentValue {
    pub value: f64,
    /// Standard uncertainty u of the sensor's value (0 when not known).
    #[serde(default)]
    pub standard_uncertainty: f64,
}

impl From<f64> for EnvironmentValue {
    fn from(value: f64) -> Self {
        Self {
            value,
            standard_uncertainty: 0.0,
        }
    }
}

/// What was captured at one test point.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PointInput {
    pub point_id: String,
    /// Readings in the procedure's unit, in capture order.
    pub readings: Vec<f64>,
    /// The value of the model's one `standard` quantity (every shipped procedure has one).
    #[serde(default)]
    pub reference: Option<Reference>,
    /// Values of the model's `environment` quantities, by quantity name.
    #[serde(default)]
    pub environment: BTreeMap<String, EnvironmentValue>,
}

/// One row of a point's uncertainty budget (GUM 7.2.5), in the procedure's model order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct BudgetLine {
    pub name: String,
    pub source: Source,
    pub value: f64,
    /// Unit of `value` and `standard_uncertainty`; `None` when the profile names none (an
    /// environment value is in the unit its equation uses).
    pub unit: Option<String>,
    pub standard_uncertainty: f64,
    /// c_i = ∂f/∂x_i at the estimates.
    pub sensitivity_coefficient: f64,
    /// |c_i|·u(x_i), in the procedure's unit.
    pub contribution: f64,
    /// `None` = infinite.
    pub degrees_of_freedom: Option<f64>,
}

/// What the model's result quantity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ResultKind {
    /// The error of indication (`E = I − m_ref + …`).
    Error,
    /// A measured value (`m_x = m_s + …`); its error is the value minus the nominal.
    Value,
}

/// The MPE that applies at a point, in the procedure's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct MpeInfo {
    /// Symmetric magnitude (the smaller one when the limits are asymmetric).
    pub mpe: f64,
    /// Magnitudes of the permitted negative and positive errors.
    pub lower: f64,
    pub upper: f64,
    /// The load or value the MPE was looked up at.
    pub at: f64,
    pub table: String,
    /// Document and clause, printed next to the MPE.
    pub source: String,
    pub confidence: Confidence,
}

/// A criterion a verification point failed, for the record and the verdict's wording.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(tag = "criterion", rename_all = "snake_case")]
pub enum Failure {
    /// The point's error (from the mean of its readings) is outside the MPE under the
    /// decision rule.
    Error { error: f64 },
    /// The error of one reading (1-based `reading`) is outside the MPE: a verification judges
    /// every result, not only their mean (OIML R 76-1 A.4.4, R 117-1 and R 16-1 alike).
    Reading { reading: usize, error: f64 },
    /// The spread (max − min) of repeated readings exceeds the absolute MPE at that load
    /// (OIML R 76-1 3.6.1 and A.4.10, the repeatability test of a weighing instrument).
    Spread { spread: f64, mpe: f64 },
}

/// The evaluation of one test point.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct PointResult {
    pub point_id: String,
    pub step: Option<String>,
    pub title: Option<Bilingual>,
    /// Where the point lies, in `unit`.
    pub nominal: f64,
    pub unit: String,
    /// Mean of the readings.
    pub indication: f64,
    /// Value of the reference standard (the nominal when the model has no standard quantity).
    pub reference: f64,
    /// Value of the model's result quantity.
    pub result: f64,
    pub result_kind: ResultKind,
    /// Error of the instrument: `result`, or `result − nominal` for a measured value.
    pub error: f64,
    /// −error.
    pub correction: f64,
    /// The error computed from each reading alone, in capture order.
    pub reading_errors: Vec<f64>,
    pub mpe: Option<MpeInfo>,
    pub combined_standard_uncertainty: f64,
    pub expanded_uncertainty: f64,
    pub coverage_factor: f64,
    pub coverage_probability: f64,
    /// `None` = infinite.
    pub effective_dof: Option<f64>,
    pub budget: Vec<BudgetLine>,
    /// The statement of conformity of `error` with its U; `None` without an MPE.
    pub decision: Option<Decision>,
    /// Why no statement was made although an MPE applies (a calibration whose U leaves no
    /// acceptance zone under a guard band).
    pub decision_withheld: Option<String>,
    /// The point's verdict: the decision, made `Fail` by any failed verification criterion.
    pub outcome: Option<Outcome>,
    pub failures: Vec<Failure>,
    /// max − min of the readings when the point has repeats (repeatability).
    pub spread: Option<f64>,
}

/// Where a point lies, in the procedure's unit: its `nominal`, `fraction_of_max` × Max, or
/// `in_e` × e.
///
/// ```
/// use calibration_profiles::run::{check_params, nominal, procedure, Params};
/// let nawi = procedure("dlvn-16-2021-nawi-verification").unwrap();
/// let params = Params([("max", "220 g"), ("e", "1 mg"), ("d", "0.1 mg"), ("class", "I")]
///     .map(|(k, v)| (k.to_owned(), v.to_owned())).into());
/// let params = check_params(nawi, &params).unwrap();
/// let at = |id: &str| nominal(nawi, nawi.points.iter().find(|p| p.id == id).unwrap(), &params);
/// assert_eq!(at("quarter-max").unwrap(), 55.0);                // 1/4 of 220 g
/// assert!((at("min").unwrap() - 0.020).abs() < 1e-15);         // 20 e = 20 mg
/// ```
pub fn nominal(
    profile: &ProcedureProfile,
    point: &Point,
    params: &ParsedParams,
) -> Result<f64, Problems> {
    let mut p = Problems::default();
    check_params_belong(profile, params, &mut p);
    let path = format!("points.{}", point.id);
    let from_param = |p: &mut Problems, name: &str, factor: f64, field: &str| {
        params.quantity(name).map(|v| v * factor).or_else(|| {
            p.at(
                format!("params.{name}"),
                format!("required to place point `{}` ({field})", point.id),
            );
            None
        })
    };
    let v = match (&point.nominal, point.fraction_of_max, point.in_e) {
        (Some(q), None, None) => match q.unit.convert_value(q.value, profile.unit) {
            Ok(v) => Some(v),
            Err(e) => {
                p.at(format!("{path}.nominal"), e.to_string());
                None
            }
        },
        (None, Some(f), None) => from_param(&mut p, "max", f, "fraction_of_max"),
        (None, None, Some(n)) => from_param(&mut p, "e", n, "in_e"),
        _ => {
            p.at(path, "give exactly one of nominal, fraction_of_max, in_e");
            None
        }
    };
    match v {
        Some(v) if p.is_empty() => Ok(v),
        _ => Err(p),
    }
}

fn check_params_belong(profile: &ProcedureProfile, params: &ParsedParams, p: &mut Problems) {
    if params.procedure != profile.id {
        p.at(
            "params",
            format!(
                "were checked against procedure `{}`, not `{}`",
                params.procedure, profile.id
            ),
        );
    }
}

/// Evaluates one test point: its nominal, the model's result and uncertainty budget, the MPE
/// and the statement of conformity. `input.readings` must hold exactly the point's `repeats`
/// readings.
///
/// The inputs of the model come from the run (GUM 4.2, 4.3):
/// - `reading`: the mean of the readings with Type A u = s/√n, ν = n − 1 (GUM 4.2.3), or with
///   the profile's pooled standard deviation u = s_p/√n, ν = ν_p (GUM 4.2.4); a single reading
///   without a pooled s has u = 0 — the resolution quantities carry its digitisation;
/// - `resolution`: estimate 0, rectangular over ±d/2, u = d/(2√3) (GUM F.2.2.1), d from the
///   parameter `d` (or `e` when the procedure has no `d`);
/// - `standard`: the reference value (default the nominal), u = U/k with the certificate's ν;
/// - `stated`: as the profile states it; `environment`: as recorded in the input.
///
/// The MPE is the point's own table or the procedure's, looked up with the class, stage and e
/// of the procedure's `[mpe]` at the nominal value — except for weighing tables (OIML R 76),
/// whose MPE depends on the load actually applied: there the reference value is used. The
/// decision applies the procedure's rule (simple acceptance by default) to the error with U, k
/// and ν_eff; binary (pass/fail) for a verification, non-binary for a calibration.
///
/// A verification point also fails when the error of any single reading is outside the MPE,
/// and, for weighing instruments, when the spread of repeated readings exceeds the absolute MPE
/// at that load (OIML R 76-1 A.4.10; the procedure format cannot state this criterion, so the
/// evaluator applies it to every point with repeats whose MPE comes from a weighing table).
///
/// ```
/// use calibration_profiles::conformity::Outcome;
/// use calibration_profiles::run::{check_params, evaluate_point, procedure, Params, PointInput,
///     Reference};
/// let nawi = procedure("dlvn-16-2021-nawi-verification").unwrap();
/// let params = Params([("max", "220 g"), ("e", "1 mg"), ("d", "0.1 mg"), ("class", "I")]
///     .map(|(k, v)| (k.to_owned(), v.to_owned())).into());
/// let params = check_params(nawi, &params).unwrap();
/// // 1/4 Max = 55 g with an E2 weight (U = 0.03 mg, k = 2); the balance shows 55.0003 g.
/// let input = PointInput {
///     point_id: "quarter-max".into(),
///     readings: vec![55.0003],
///     reference: Some(Reference { value: None, expanded_uncertainty: 0.00003,
///         coverage_factor: 2.0, dof: None }),
///     ..PointInput::default()
/// };
/// let r = evaluate_point(nawi, &params, &input).unwrap();
/// assert!((r.error - 0.0003).abs() < 1e-12);            // E = I − m_ref
/// assert_eq!(r.mpe.as_ref().unwrap().mpe, 0.001);       // 55 000 e, class I → 1 e
/// assert_eq!(r.outcome, Some(Outcome::Pass));
/// ```
pub fn evaluate_point(
    profile: &ProcedureProfile,
    params: &ParsedParams,
    input: &PointInput,
) -> Result<PointResult, Problems> {
    let id = &input.point_id;
    let path = format!("points.{id}");
    let Some(point) = profile.points.iter().find(|p| &p.id == id) else {
        let mut p = Problems::default();
        p.at(path, format!("not a point of procedure `{}`", profile.id));
        return Err(p);
    };
    let nominal = nominal(profile, point, params)?;
    let mut p = Problems::default();
    let n = input.readings.len();
    if n != point.repeats as usize {
        p.at(
            format!("{path}.readings"),
            format!("expected {} reading(s), got {n}", point.repeats),
        );
    }
    if input.readings.iter().any(|r| !r.is_finite()) {
        p.at(format!("{path}.readings"), "must all be finite numbers");
    }
    if !p.is_empty() {
        return Err(p);
    }
    let inputs = model_inputs(profile, params, input, nominal)?;
    let measured = measure(profile, &inputs, &input.readings, &path)?;
    let reference = inputs
        .iter()
        .find(|i| i.source == Source::Standard)
        .and_then(|i| i.request.value)
        .unwrap_or(nominal);
    let offset = match measured.kind {
        ResultKind::Error => 0.0,
        ResultKind::Value => nominal,
    };
    let error = measured.result - offset;
    let reading_errors: Vec<f64> = measured.per_reading.iter().map(|r| r - offset).collect();
    let mpe = point_mpe(profile, point, params, nominal, reference)?;
    let spread = (point.repeats > 1).then(|| {
        let (lo, hi) = min_max(&input.readings);
        hi - lo
    });

    let mut result = PointResult {
        point_id: point.id.clone(),
        step: profile.step_of(point).map(|s| s.id.clone()),
        title: point.title.clone(),
        nominal,
        unit: profile.unit.symbol().to_owned(),
        indication: uncertainty::mean(&input.readings),
        reference,
        result: measured.result,
        result_kind: measured.kind,
        error,
        correction: -error,
        reading_errors,
        mpe: None,
        combined_standard_uncertainty: measured.output.combined_standard_uncertainty,
        expanded_uncertainty: measured.output.expanded_uncertainty,
        coverage_factor: measured.output.coverage_factor,
        coverage_probability: measured.output.coverage_probability,
        effective_dof: measured.output.effective_degrees_of_freedom,
        budget: measured.budget,
        decision: None,
        decision_withheld: None,
        outcome: None,
        failures: Vec::new(),
        spread,
    };
    if let Some((info, weighing)) = mpe {
        judge(profile, &mut result, &info, weighing, &path)?;
        result.mpe = Some(info);
    }
    Ok(result)
}

/// Makes the statement of conformity and applies the verification criteria.
fn judge(
    profile: &ProcedureProfile,
    r: &mut PointResult,
    mpe: &MpeInfo,
    weighing: bool,
    path: &str,
) -> Result<(), Problems> {
    let verification = profile.kind == ProcedureKind::Verification;
    let request = conformity::Request {
        measured: r.error,
        expanded_uncertainty: r.expanded_uncertainty,
        coverage_factor: r.coverage_factor,
        dof: usable_dof(r.effective_dof),
        limits: Limits {
            lower: Some(-mpe.lower),
            upper: Some(mpe.upper),
        },
        rule: profile.decision_rule.unwrap_or(Rule::SimpleAcceptance),
        binary: verification,
    };
    match conformity::decide(&request) {
        Ok(d) => {
            if d.outcome == Outcome::Fail {
                r.failures.push(Failure::Error { error: r.error });
            }
            r.outcome = Some(d.outcome);
            r.decision = Some(d);
        }
        // A calibration reports its values whether or not a conformity statement can be made.
        Err(e) if !verification => r.decision_withheld = Some(e.to_string()),
        Err(e) => {
            let mut p = Problems::default();
            p.at(format!("{path}.decision"), e.to_string());
            return Err(p);
        }
    }
    if !verification {
        return Ok(());
    }
    if r.reading_errors.len() > 1 {
        for (i, e) in r.reading_errors.iter().enumerate() {
            if *e < -mpe.lower || *e > mpe.upper {
                r.failures.push(Failure::Reading {
                    reading: i + 1,
                    error: *e,
                });
            }
        }
    }
    if weighing
        && let Some(spread) = r.spread
        && spread > mpe.mpe
    {
        r.failures.push(Failure::Spread {
            spread,
            mpe: mpe.mpe,
        });
    }
    if !r.failures.is_empty() {
        r.outcome = Some(Outcome::Fail);
    }
    Ok(())
}

fn min_max(x: &[f64]) -> (f64, f64) {
    x.iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(*v), hi.max(*v))
        })
}

/// One model quantity as a calculator input, with where it came from.
struct ModelInput<'a> {
    quantity: &'a ModelQuantity,
    source: Source,
    unit: Option<String>,
    request: QuantityInput,
}

/// A quantity of the profile in the procedure's unit when it is of the procedure's kind
/// (converted as a difference), otherwise as written.
fn in_unit(profile: &ProcedureProfile, q: &Quantity) -> (f64, Option<String>) {
    match q.unit.convert_interval(q.value, profile.unit) {
        Ok(v) => (v, Some(profile.unit.symbol().to_owned())),
        Err(_) => (
            q.value,
            Some(q.unit.symbol())
                .filter(|s| !s.is_empty())
                .map(str::to_owned),
        ),
    }
}

/// Turns the model's quantities into calculator inputs, naming every missing run value.
#[allow(clippy::too_many_lines)] // one arm per source, in the order of `Source`
fn model_inputs<'a>(
    profile: &'a ProcedureProfile,
    params: &ParsedParams,
    input: &PointInput,
    nominal: f64,
) -> Result<Vec<ModelInput<'a>>, Problems> {
    let mut p = Problems::default();
    let path = format!("points.{}", input.point_id);
    let unit = Some(profile.unit.symbol().to_owned());
    let count = |s: Source| {
        profile
            .model
            .quantities
            .iter()
            .filter(|q| q.source == s)
            .count()
    };
    for (s, what) in [(Source::Reading, "reading"), (Source::Standard, "standard")] {
        if count(s) > 1 {
            p.at(
                "model.quantities",
                format!("the run gives one {what} value per point, but the model has {} `{what}` quantities", count(s)),
            );
        }
    }
    if count(Source::Standard) == 0 && input.reference.is_some() {
        p.at(
            format!("{path}.reference"),
            "the model has no `standard` quantity; omit it",
        );
    }
    let mut out = Vec::with_capacity(profile.model.quantities.len());
    for q in &profile.model.quantities {
        let mut request = QuantityInput {
            name: q.name.clone(),
            ..QuantityInput::default()
        };
        let mut qunit = unit.clone();
        match q.source {
            Source::Reading => {
                let pooled = q.pooled_standard_deviation.map(|s| in_unit(profile, &s).0);
                if input.readings.len() == 1 && pooled.is_none() {
                    request.value = Some(input.readings[0]);
                    request.standard_uncertainty = Some(0.0);
                } else {
                    request.readings = Some(input.readings.clone());
                    request.pooled_standard_deviation = pooled;
                    request.pooled_dof = q.pooled_dof;
                }
            }
            Source::Resolution => match params.quantity("d").or_else(|| params.quantity("e")) {
                Some(d) => {
                    request.value = Some(0.0);
                    request.resolution = Some(d);
                }
                None => p.at(
                    "params.d",
                    format!("required for the resolution quantity `{}`", q.name),
                ),
            },
            Source::Standard => match &input.reference {
                Some(r) => {
                    let rp = format!("{path}.reference");
                    if r.value.is_some_and(|v| !v.is_finite()) {
                        p.at(format!("{rp}.value"), "must be a finite number");
                    }
                    if !(r.expanded_uncertainty.is_finite() && r.expanded_uncertainty >= 0.0) {
                        p.at(
                            format!("{rp}.expanded_uncertainty"),
                            format!(
                                "must be a finite number ≥ 0, got {}",
                                r.expanded_uncertainty
                            ),
                        );
                    }
                    if !(r.coverage_factor.is_finite() && r.coverage_factor > 0.0) {
                        p.at(
                            format!("{rp}.coverage_factor"),
                            format!("must be greater than 0, got {}", r.coverage_factor),
                        );
                    }
                    if r.dof.is_some_and(|v| !(v > 0.0)) {
                        p.at(format!("{rp}.dof"), "must be greater than 0");
                    }
                    request.value = Some(r.value.unwrap_or(nominal));
                    request.expanded_uncertainty = Some(r.expanded_uncertainty);
                    request.coverage_factor = Some(r.coverage_factor);
                    request.dof = r.dof;
                }
                None => p.at(
                    format!("{path}.reference"),
                    format!(
                        "required: value, U and k of the reference standard (`{}`)",
                        q.name
                    ),
                ),
            },
            Source::Stated => {
                let (value, vunit) = q
                    .value
                    .as_ref()
                    .map_or((0.0, unit.clone()), |v| in_unit(profile, v));
                qunit = vunit;
                request.value = Some(value);
                request.dof = q.dof;
                match (q.distribution, &q.half_width, &q.standard_uncertainty) {
                    (Some(Distribution::Normal) | None, None, Some(u))
                    | (Some(Distribution::Normal), Some(u), None) => {
                        request.standard_uncertainty = Some(in_unit(profile, u).0);
                    }
                    (Some(d), Some(a), None) => {
                        request.distribution = Some(d);
                        request.half_width = Some(in_unit(profile, a).0);
                    }
                    _ => p.at(
                        format!("model.quantities.{}", q.name),
                        "a stated quantity gives `distribution` with `half_width`, or `standard_uncertainty`",
                    ),
                }
            }
            Source::Environment => {
                qunit = None;
                match input.environment.get(&q.name) {
                    Some(e) => {
                        if !e.value.is_finite() {
                            p.at(
                                format!("{path}.environment.{}.value", q.name),
                                "must be a finite number",
                            );
                        }
                        request.value = Some(e.value);
                        request.standard_uncertainty = Some(e.standard_uncertainty);
                    }
                    None => p.at(
                        format!("{path}.environment.{}", q.name),
                        format!(
                            "required: {}",
                            q.description
                                .as_ref()
                                .map_or("the recorded value", |d| d.en.as_str())
                        ),
                    ),
                }
            }
        }
        out.push(ModelInput {
            quantity: q,
            source: q.source,
            unit: qunit,
            request,
        });
    }
    for name in input.environment.keys() {
        if !profile
            .model
            .quantities
            .iter()
            .any(|q| &q.name == name && q.source == Source::Environment)
        {
            p.at(
                format!("{path}.environment.{name}"),
                "not an environment quantity of the model",
            );
        }
    }
    p.into_result(out)
}

/// Degrees of freedom above which Student's t is taken as the normal distribution: t₉₅.₄₅(10⁴)
/// exceeds the normal quantile by 2.5·10⁻⁴, below any digit a certificate prints.
const NORMAL_ABOVE_DOF: f64 = 1e4;

/// ν for a t quantile or a t probability: `None` (normal) when infinite or above
/// [`NORMAL_ABOVE_DOF`].
fn usable_dof(dof: Option<f64>) -> Option<f64> {
    dof.filter(|v| v.is_finite() && *v <= NORMAL_ABOVE_DOF)
}

/// The engine's evaluation of a point's model.
struct Measured {
    result: f64,
    kind: ResultKind,
    per_reading: Vec<f64>,
    output: uncertainty::OutputResult,
    budget: Vec<BudgetLine>,
}

fn measure(
    profile: &ProcedureProfile,
    inputs: &[ModelInput<'_>],
    readings: &[f64],
    path: &str,
) -> Result<Measured, Problems> {
    let names: Vec<&str> = inputs.iter().map(|i| i.quantity.name.as_str()).collect();
    let repath = |e: Problems| {
        let mut p = Problems::default();
        for x in e.iter() {
            let mut field = x.path.clone();
            for (i, name) in names.iter().enumerate() {
                field = field.replace(&format!("quantities[{i}]"), &format!("model.{name}"));
            }
            p.at(format!("{path}.{field}"), x.message.clone());
        }
        p
    };
    let req = UncertaintyRequest {
        model: Some(profile.model.equations.clone()),
        quantities: inputs.iter().map(|i| i.request.clone()).collect(),
        coverage_probability: Some(
            profile
                .model
                .coverage_probability
                .unwrap_or(DEFAULT_COVERAGE_PROBABILITY),
        ),
        ..UncertaintyRequest::default()
    };
    let (model, budget) = calc::prepare(&req).map_err(repath)?;
    let engine_error = |e: uncertainty::UncertaintyError| {
        let mut p = Problems::default();
        p.at(format!("{path}.model"), e.to_string());
        p
    };
    // Propagate with every ν infinite, then apply Welch–Satterthwaite here: the t quantile of
    // the statistics library is wrong above ν ≈ 10⁶ and does not return above ν ≈ 10⁸, and a
    // small Type A component beside large Type B ones gives such ν_eff routinely.
    let mut infinite = budget.clone();
    for x in &mut infinite.inputs {
        x.dof = None;
    }
    let evaluated = uncertainty::evaluate(&model, &infinite).map_err(engine_error)?;
    let result_index = model
        .output_names()
        .iter()
        .position(|n| *n == profile.model.result);
    let Some(mut output) = result_index.and_then(|i| evaluated.outputs.get(i)).cloned() else {
        let mut p = Problems::default();
        p.at(
            "model.result",
            format!("`{}` is not an output of the model", profile.model.result),
        );
        return Err(p);
    };
    let result_index = result_index.unwrap_or_default();
    let dof_of = |name: &str| {
        budget
            .inputs
            .iter()
            .find(|x| x.name == name)
            .and_then(|x| x.dof)
    };
    for c in &mut output.components {
        c.degrees_of_freedom = dof_of(&c.name);
    }
    // Each input is its own cluster (no correlations), so W–S runs over the components
    // (GUM G.4.2).
    let parts: Vec<(f64, Option<f64>)> = output
        .components
        .iter()
        .map(|c| (c.contribution, c.degrees_of_freedom))
        .collect();
    output.effective_degrees_of_freedom = uncertainty::welch_satterthwaite(&parts);
    output.coverage_factor = uncertainty::coverage_factor(
        output.coverage_probability,
        usable_dof(output.effective_degrees_of_freedom),
    )
    .map_err(engine_error)?;
    output.expanded_uncertainty = output.coverage_factor * output.combined_standard_uncertainty;
    let component = |name: &str| output.components.iter().find(|c| c.name == name);

    // A model whose result rises with the reference standard measures a value, not an error.
    let kind = inputs
        .iter()
        .filter(|i| i.source == Source::Standard)
        .filter_map(|i| component(&i.quantity.name))
        .any(|c| c.sensitivity_coefficient > 0.0);
    let kind = if kind {
        ResultKind::Value
    } else {
        ResultKind::Error
    };

    // The result with each reading in turn in place of the mean.
    let values: Vec<f64> = budget.inputs.iter().map(|x| x.value).collect();
    let reading_slot = inputs.iter().position(|i| i.source == Source::Reading);
    let per_reading = match reading_slot {
        Some(slot) => readings
            .iter()
            .map(|r| {
                let mut v = values.clone();
                v[slot] = *r;
                model.eval(&v)[result_index]
            })
            .collect(),
        None => Vec::new(),
    };

    let budget = inputs
        .iter()
        .filter_map(|i| {
            let c = component(&i.quantity.name)?;
            Some(BudgetLine {
                name: c.name.clone(),
                source: i.source,
                value: c.value,
                unit: i.unit.clone(),
                standard_uncertainty: c.standard_uncertainty,
                sensitivity_coefficient: c.sensitivity_coefficient,
                contribution: c.contribution,
                degrees_of_freedom: c.degrees_of_freedom,
            })
        })
        .collect();
    Ok(Measured {
        result: output.value,
        kind,
        per_reading,
        output,
        budget,
    })
}

/// The MPE at a point in the procedure's unit, and whether it comes from a weighing table.
fn point_mpe(
    profile: &ProcedureProfile,
    point: &Point,
    params: &ParsedParams,
    nominal: f64,
    reference: f64,
) -> Result<Option<(MpeInfo, bool)>, Problems> {
    let spec = profile.mpe.as_ref();
    let Some(table_id) = point
        .mpe
        .as_deref()
        .or_else(|| spec.map(|s| s.table.as_str()))
    else {
        return Ok(None);
    };
    let path = format!("points.{}.mpe", point.id);
    let fail = |msg: String| {
        let mut p = Problems::default();
        p.at(&path, msg);
        p
    };
    let table = mpe::table(table_id).map_err(|e| fail(e.to_string()))?;
    let weighing = matches!(table.lookup, Lookup::WeighingInE { .. });
    // R 76: the MPE belongs to the load on the receptor, i.e. the reference weights applied.
    let at = if weighing { reference } else { nominal };
    let class = spec.and_then(|s| {
        s.class_from
            .as_deref()
            .and_then(|f| params.text(f))
            .or(s.class.as_deref())
    });
    let e = spec
        .and_then(|s| s.e_from.as_deref())
        .and_then(|f| params.quantity(f))
        .map(|v| Quantity::new(v, profile.unit));
    let found = table
        .lookup(&MpeQuery {
            class: class.map(str::to_owned),
            stage: spec.and_then(|s| s.stage),
            e,
            value: Some(Quantity::new(at, profile.unit)),
        })
        .map_err(|e| fail(e.to_string()))?;
    let conv = |v: f64| {
        found
            .unit
            .convert_interval(v, profile.unit)
            .map_err(|e| fail(e.to_string()))
    };
    let mpe = conv(found.mpe)?;
    let info = MpeInfo {
        mpe,
        lower: found.lower.map_or(Ok(mpe), conv)?,
        upper: found.upper.map_or(Ok(mpe), conv)?,
        at,
        table: found.table,
        source: found.source,
        confidence: found.confidence,
    };
    Ok(Some((info, weighing)))
}

/// The state of a run: every point evaluated so far, what is still missing, and the outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct RunEvaluation {
    pub procedure: String,
    pub revision: u32,
    /// Evaluated points, in the procedure's order.
    pub points: Vec<PointResult>,
    /// Ids of points without all their readings yet.
    pub missing: Vec<String>,
    /// `(point id, message)` for points that could not be evaluated, and for inputs naming no
    /// point of the procedure.
    pub problems: Vec<(String, String)>,
    /// The worst outcome over the evaluated points; `None` when no point has one.
    pub outcome: Option<Outcome>,
    /// Every point evaluated, none missing, no problem.
    pub complete: bool,
    pub engine_version: String,
}

fn rank(o: Outcome) -> u8 {
    match o {
        Outcome::Pass => 0,
        Outcome::ConditionalPass => 1,
        Outcome::ConditionalFail => 2,
        Outcome::Fail => 3,
    }
}

/// Evaluates every point of a run that has its readings. Never fails: points still being
/// captured are listed in `missing`, points that cannot be evaluated in `problems`.
#[must_use]
pub fn evaluate_run(
    profile: &ProcedureProfile,
    params: &ParsedParams,
    inputs: &[PointInput],
) -> RunEvaluation {
    let mut run = RunEvaluation {
        procedure: profile.id.clone(),
        revision: profile.revision,
        points: Vec::new(),
        missing: Vec::new(),
        problems: Vec::new(),
        outcome: None,
        complete: false,
        engine_version: ENGINE_VERSION.to_owned(),
    };
    for input in inputs {
        if !profile.points.iter().any(|p| p.id == input.point_id) {
            run.problems.push((
                input.point_id.clone(),
                format!("not a point of procedure `{}`", profile.id),
            ));
        }
    }
    for point in &profile.points {
        let given: Vec<&PointInput> = inputs.iter().filter(|i| i.point_id == point.id).collect();
        let input = match given.as_slice() {
            [] => {
                run.missing.push(point.id.clone());
                continue;
            }
            [one] => *one,
            many => {
                run.problems.push((
                    point.id.clone(),
                    format!("given {} times; send each point once", many.len()),
                ));
                continue;
            }
        };
        if input.readings.len() < point.repeats as usize {
            run.missing.push(point.id.clone());
            continue;
        }
        match evaluate_point(profile, params, input) {
            Ok(r) => run.points.push(r),
            Err(p) => run
                .problems
                .extend(p.iter().map(|x| (point.id.clone(), x.to_string()))),
        }
    }
    run.outcome = run
        .points
        .iter()
        .filter_map(|p| p.outcome)
        .max_by_key(|o| rank(*o));
    run.complete = run.missing.is_empty() && run.problems.is_empty();
    run
}

/// One recorded environmental value against the procedure's condition.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct EnvironmentFinding {
    pub quantity: QuantityKind,
    pub value: Quantity,
    pub min: Option<Quantity>,
    pub max: Option<Quantity>,
    /// min ≤ value ≤ max (inclusive).
    pub within: bool,
}

/// The recorded environment against the procedure's conditions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EnvironmentCheck {
    pub findings: Vec<EnvironmentFinding>,
    /// Conditions not recorded, values in a unit of another kind
    /// (`environment.humidity: not recorded; …`).
    pub problems: Problems,
}

impl EnvironmentCheck {
    /// Every condition recorded and every value within its limits.
    #[must_use]
    pub fn all_within(&self) -> bool {
        self.problems.is_empty() && self.findings.iter().all(|f| f.within)
    }
}

/// Checks recorded environmental values (several per kind allowed, e.g. at the start and the
/// end of the work) against the conditions the procedure requires. Values of kinds the
/// procedure sets no condition on are ignored.
///
/// ```
/// use calibration_profiles::run::{check_environment, procedure};
/// use calibration_profiles::units::{Quantity, QuantityKind};
/// let nawi = procedure("dlvn-16-2021-nawi-verification").unwrap();
/// let c = check_environment(nawi, &[
///     (QuantityKind::Temperature, Quantity::parse("22 °C").unwrap()),
///     (QuantityKind::Humidity, Quantity::parse("55 %RH").unwrap()),
/// ]);
/// assert!(c.all_within());
/// ```
#[must_use]
pub fn check_environment(
    profile: &ProcedureProfile,
    values: &[(QuantityKind, Quantity)],
) -> EnvironmentCheck {
    let mut check = EnvironmentCheck {
        findings: Vec::new(),
        problems: Problems::default(),
    };
    for c in &profile.environment {
        let path = format!("environment.{}", kind_name(c.quantity));
        let limits = [
            c.min.map(|m| format!("≥ {m}")),
            c.max.map(|m| format!("≤ {m}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" and ");
        let mut recorded = false;
        for (kind, value) in values.iter().filter(|(k, _)| *k == c.quantity) {
            recorded = true;
            if value.unit.kind() != *kind {
                check.problems.at(
                    &path,
                    format!("`{value}` is not a {} value", kind_name(*kind)),
                );
                continue;
            }
            let cmp = |bound: &Option<Quantity>, above: bool| {
                bound.as_ref().is_none_or(|b| {
                    value
                        .unit
                        .convert_value(value.value, b.unit)
                        .is_ok_and(|v| if above { v >= b.value } else { v <= b.value })
                })
            };
            check.findings.push(EnvironmentFinding {
                quantity: c.quantity,
                value: *value,
                min: c.min,
                max: c.max,
                within: cmp(&c.min, true) && cmp(&c.max, false),
            });
        }
        if !recorded {
            check.problems.at(
                path,
                format!("not recorded; the procedure requires {limits}"),
            );
        }
    }
    check
}
