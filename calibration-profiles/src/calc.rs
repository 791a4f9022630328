//! The calculator's JSON shapes, shared by `tdc-calc` and the server's `/api/v1/calc/*`
//! endpoints. These field names are a public interface: scripts depend on them.
//!
//! Every request lands in a raw type with unknown fields refused, then becomes domain values
//! with all problems collected, each naming its field (`quantities[2].half_width: must not be
//! negative`).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::conformity::{self, Decision, Limits, Rule};
use crate::model::{BoundModel, Model};
use crate::montecarlo::{self, McOutput};
use crate::mpe::{self, Mpe, MpeQuery, Stage};
use crate::problems::{Problems, join};
use crate::regression::{self, LineFit};
use crate::uncertainty::{
    self, Budget, Distribution, Evaluation, Input, OutputCorrelation, OutputResult,
    resolution_standard_uncertainty,
};
use crate::units::Quantity;

/// Default coverage probability: k = 2 for infinite degrees of freedom.
pub const DEFAULT_COVERAGE_PROBABILITY: f64 = 0.9545;

/// One input quantity of an uncertainty request.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuantityInput {
    pub name: String,
    /// Estimate; omit when `readings` are given (their mean is used).
    pub value: Option<f64>,
    pub unit: Option<String>,
    pub standard_uncertainty: Option<f64>,
    pub expanded_uncertainty: Option<f64>,
    pub coverage_factor: Option<f64>,
    pub distribution: Option<Distribution>,
    pub half_width: Option<f64>,
    /// Digital resolution d: u = d/(2√3).
    pub resolution: Option<f64>,
    /// Repeated readings: Type A, u = s/√n, ν = n − 1.
    pub readings: Option<Vec<f64>>,
    /// A standard deviation pooled from earlier work, used with `readings` (u = s_p/√n).
    pub pooled_standard_deviation: Option<f64>,
    pub pooled_dof: Option<f64>,
    /// Degrees of freedom of a Type B evaluation (default infinite).
    pub dof: Option<f64>,
    /// Quantities with readings in the same group were observed simultaneously.
    pub group: Option<String>,
}

/// An explicit correlation coefficient between two inputs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrelationInput {
    pub a: String,
    pub b: String,
    pub r: f64,
}

/// `tdc-calc uncertainty` / `POST /api/v1/calc/uncertainty`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UncertaintyRequest {
    /// One or more equations `y = ...`.
    pub model: Option<String>,
    /// Outputs by name, in order; later ones may use earlier ones.
    pub models: Option<serde_json::Map<String, serde_json::Value>>,
    pub quantities: Vec<QuantityInput>,
    pub correlations: Option<Vec<CorrelationInput>>,
    pub coverage_probability: Option<f64>,
}

/// An output with its optional Monte Carlo check.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OutputReport {
    #[serde(flatten)]
    pub result: OutputResult,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monte_carlo: Option<McOutput>,
}

#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct UncertaintyResponse {
    pub outputs: Vec<OutputReport>,
    pub correlations: Vec<OutputCorrelation>,
    pub engine_version: &'static str,
}

/// Options of the Monte Carlo check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MonteCarlo {
    pub trials: usize,
    pub seed: u64,
}

/// Builds the model and budget from a request, collecting every problem.
#[allow(clippy::too_many_lines)] // one check after another, in the order of the request
pub fn prepare(req: &UncertaintyRequest) -> Result<(BoundModel, Budget), Problems> {
    let mut p = Problems::default();
    let model = parse_model(req, &mut p);

    let mut inputs = Vec::with_capacity(req.quantities.len());
    let mut index: HashMap<&str, usize> = HashMap::new();
    if req.quantities.is_empty() {
        p.at("quantities", "declare the input quantities of the model");
    }
    for (i, q) in req.quantities.iter().enumerate() {
        let path = format!("quantities[{i}]");
        if q.name.trim().is_empty() {
            p.at(join(&path, "name"), "must not be empty");
        } else if index.insert(q.name.as_str(), i).is_some() {
            p.at(
                join(&path, "name"),
                format!("`{}` is declared twice", q.name),
            );
        }
        if let Some(input) = input_from(q, &path, &mut p) {
            inputs.push(input);
        }
    }
    let coverage_probability = req
        .coverage_probability
        .unwrap_or(DEFAULT_COVERAGE_PROBABILITY);
    if !(coverage_probability > 0.0 && coverage_probability < 1.0) {
        p.at(
            "coverage_probability",
            format!("must be between 0 and 1, got {coverage_probability}"),
        );
    }

    let mut bound = None;
    if let Some(model) = &model {
        let used = model.input_names();
        for (i, q) in req.quantities.iter().enumerate() {
            if !q.name.is_empty() && !used.contains(&q.name.as_str()) {
                p.at(
                    format!("quantities[{i}].name"),
                    format!("`{}` is not used by the model", q.name),
                );
            }
        }
        let names: Vec<&str> = req.quantities.iter().map(|q| q.name.as_str()).collect();
        match model.bind(&names) {
            Ok(b) => bound = Some(b),
            Err(errs) => {
                let field = if req.model.is_some() {
                    "model"
                } else {
                    "models"
                };
                for e in errs {
                    let path = if req.models.is_some() {
                        format!("models.{}", model.outputs[e.equation].0)
                    } else {
                        field.to_owned()
                    };
                    p.at(path, e.message);
                }
            }
        }
    }

    let mut correlations = BTreeMap::new();
    for (k, c) in req.correlations.iter().flatten().enumerate() {
        let path = format!("correlations[{k}]");
        let a = index.get(c.a.as_str());
        let b = index.get(c.b.as_str());
        if a.is_none() {
            p.at(join(&path, "a"), format!("unknown quantity `{}`", c.a));
        }
        if b.is_none() {
            p.at(join(&path, "b"), format!("unknown quantity `{}`", c.b));
        }
        if !(c.r.is_finite() && (-1.0..=1.0).contains(&c.r)) {
            p.at(
                join(&path, "r"),
                format!("must be between -1 and 1, got {}", c.r),
            );
        }
        if let (Some(&a), Some(&b)) = (a, b) {
            if a == b {
                p.at(&path, "a quantity is correlated with itself by definition");
                continue;
            }
            let (qa, qb) = (&req.quantities[a], &req.quantities[b]);
            if qa.group.is_some() && qa.group == qb.group {
                p.at(
                    &path,
                    format!(
                        "`{}` and `{}` are in group `{}`; their correlation comes from the readings",
                        c.a,
                        c.b,
                        qa.group.as_deref().unwrap_or_default()
                    ),
                );
            }
            if correlations.insert((a.min(b), a.max(b)), c.r).is_some() {
                p.at(
                    &path,
                    format!("the correlation of `{}` and `{}` is given twice", c.a, c.b),
                );
            }
        }
    }

    if !p.is_empty() {
        return Err(p);
    }
    let mut budget = Budget {
        inputs,
        correlations,
        coverage_probability,
    };
    if let Err(m) = budget.correlate_groups() {
        p.at("quantities", m);
        return Err(p);
    }
    let bound = bound.ok_or_else(|| {
        let mut p = Problems::default();
        p.at("model", "could not be read");
        p
    })?;
    Ok((bound, budget))
}

fn parse_model(req: &UncertaintyRequest, p: &mut Problems) -> Option<Model> {
    match (&req.model, &req.models) {
        (Some(text), None) => match Model::parse(text) {
            Ok(m) => Some(m),
            Err(errs) => {
                for e in errs {
                    let eq = if text.lines().filter(|l| !l.trim().is_empty()).count() > 1
                        || text.contains(';')
                    {
                        format!("equation {}: ", e.equation + 1)
                    } else {
                        String::new()
                    };
                    p.at("model", format!("{eq}{e}"));
                }
                None
            }
        },
        (None, Some(map)) => {
            if map.is_empty() {
                p.at("models", "give at least one output");
                return None;
            }
            let mut outputs = Vec::new();
            for (name, v) in map {
                let path = format!("models.{name}");
                let Some(text) = v.as_str() else {
                    p.at(path, "must be a text such as \"V/I*cos(phi)\"");
                    continue;
                };
                match Model::parse_named(name, text) {
                    Ok(o) => outputs.push(o),
                    Err(e) => p.at(path, e.to_string()),
                }
            }
            (outputs.len() == map.len()).then_some(Model { outputs })
        }
        (Some(_), Some(_)) => {
            p.at("model", "give `model` or `models`, not both");
            None
        }
        (None, None) => {
            p.at(
                "model",
                "required: the measurement model, e.g. \"y = a + b\"",
            );
            None
        }
    }
}

/// Turns one quantity of the request into an input, recording problems under `path`.
#[allow(clippy::too_many_lines)] // one arm per way of stating an uncertainty
fn input_from(q: &QuantityInput, path: &str, p: &mut Problems) -> Option<Input> {
    let before = p.len();
    let mut nonneg = |field: &str, v: Option<f64>| {
        if let Some(v) = v
            && (!v.is_finite() || v < 0.0)
        {
            p.at(
                join(path, field),
                format!("must be a finite number ≥ 0, got {v}"),
            );
        }
    };
    nonneg("standard_uncertainty", q.standard_uncertainty);
    nonneg("expanded_uncertainty", q.expanded_uncertainty);
    nonneg("half_width", q.half_width);
    nonneg("resolution", q.resolution);
    nonneg("pooled_standard_deviation", q.pooled_standard_deviation);
    if let Some(v) = q.value
        && !v.is_finite()
    {
        p.at(join(path, "value"), "must be a finite number");
    }
    if let Some(u) = &q.unit
        && let Err(e) = crate::units::Unit::parse(u)
    {
        p.at(join(path, "unit"), e.to_string());
    }
    for (field, v) in [("dof", q.dof), ("pooled_dof", q.pooled_dof)] {
        if v.is_some_and(|d| !(d.is_finite() && d > 0.0)) {
            p.at(join(path, field), "must be a number greater than 0");
        }
    }
    if q.coverage_factor
        .is_some_and(|k| !(k.is_finite() && k > 0.0))
    {
        p.at(join(path, "coverage_factor"), "must be greater than 0");
    }
    let ways = [
        q.standard_uncertainty.is_some(),
        q.expanded_uncertainty.is_some() || q.coverage_factor.is_some(),
        q.distribution.is_some() || q.half_width.is_some(),
        q.resolution.is_some(),
        q.readings.is_some(),
    ];
    let n_ways = ways.iter().filter(|w| **w).count();
    if n_ways != 1 {
        p.at(
            path.to_owned(),
            format!(
                "`{}`: give exactly one of standard_uncertainty, expanded_uncertainty with coverage_factor, distribution with half_width, resolution, or readings",
                q.name
            ),
        );
        return None;
    }
    if q.group.is_some() && q.readings.is_none() {
        p.at(
            join(path, "group"),
            "only quantities with readings form a group of simultaneous observations",
        );
    }
    if q.readings.is_none() && (q.pooled_standard_deviation.is_some() || q.pooled_dof.is_some()) {
        p.at(
            join(path, "pooled_standard_deviation"),
            "a pooled standard deviation goes with readings",
        );
    }
    let b = |d| Evaluation::TypeB { distribution: d };
    let (value, u, dof, evaluation, readings) = if let Some(r) = &q.readings {
        if q.value.is_some() {
            p.at(
                join(path, "value"),
                "omit it: the mean of the readings is the estimate",
            );
        }
        if q.dof.is_some() {
            p.at(
                join(path, "dof"),
                "omit it: readings give n − 1 degrees of freedom",
            );
        }
        if r.iter().any(|v| !v.is_finite()) {
            p.at(join(path, "readings"), "must all be finite numbers");
            return None;
        }
        let m = uncertainty::mean(r);
        match (q.pooled_standard_deviation, q.pooled_dof) {
            (Some(sp), Some(nu)) => {
                if r.is_empty() {
                    p.at(join(path, "readings"), "need at least one reading");
                    return None;
                }
                (
                    m,
                    sp / (r.len() as f64).sqrt(),
                    Some(nu),
                    Evaluation::TypeA { n: r.len() },
                    Some(r.clone()),
                )
            }
            (Some(_), None) | (None, Some(_)) => {
                p.at(
                    path.to_owned(),
                    "give pooled_standard_deviation together with pooled_dof",
                );
                return None;
            }
            (None, None) => {
                let Some((s, nu)) = uncertainty::standard_deviation_of_the_mean(r) else {
                    p.at(
                        join(path, "readings"),
                        format!(
                            "need at least 2 readings for a Type A evaluation, got {}",
                            r.len()
                        ),
                    );
                    return None;
                };
                (
                    m,
                    s,
                    Some(nu),
                    Evaluation::TypeA { n: r.len() },
                    Some(r.clone()),
                )
            }
        }
    } else {
        let Some(value) = q.value else {
            p.at(join(path, "value"), "required field is missing");
            return None;
        };
        if let Some(u) = q.standard_uncertainty {
            (value, u, q.dof, b(Distribution::Normal), None)
        } else if q.expanded_uncertainty.is_some() || q.coverage_factor.is_some() {
            match (q.expanded_uncertainty, q.coverage_factor) {
                (Some(big_u), Some(k)) => (value, big_u / k, q.dof, b(Distribution::Normal), None),
                (Some(_), None) => {
                    p.at(
                        join(path, "coverage_factor"),
                        "required with expanded_uncertainty",
                    );
                    return None;
                }
                _ => {
                    p.at(
                        join(path, "expanded_uncertainty"),
                        "required with coverage_factor",
                    );
                    return None;
                }
            }
        } else if let Some(d) = q.resolution {
            (
                value,
                resolution_standard_uncertainty(d),
                q.dof,
                b(Distribution::Rectangular),
                None,
            )
        } else {
            match (q.distribution, q.half_width) {
                (Some(Distribution::Normal), _) => {
                    p.at(
                        join(path, "distribution"),
                        "for a normal distribution give standard_uncertainty, or expanded_uncertainty with coverage_factor",
                    );
                    return None;
                }
                (Some(d), Some(a)) => (value, d.standard_uncertainty(a), q.dof, b(d), None),
                (Some(_), None) => {
                    p.at(join(path, "half_width"), "required with distribution");
                    return None;
                }
                (None, _) => {
                    p.at(
                        join(path, "distribution"),
                        "required with half_width: rectangular, triangular or u_shaped",
                    );
                    return None;
                }
            }
        }
    };
    if p.len() > before {
        return None;
    }
    Some(Input {
        name: q.name.clone(),
        value,
        standard_uncertainty: u,
        dof,
        unit: q.unit.clone(),
        evaluation,
        readings,
        group: q.group.clone(),
    })
}

/// Evaluates an uncertainty request, with a Monte Carlo check when asked.
///
/// ```
/// use calibration_profiles::calc::{uncertainty, UncertaintyRequest};
/// let req: UncertaintyRequest = serde_json::from_str(r#"{
///   "model": "y = a + b",
///   "quantities": [
///     {"name": "a", "value": 1.0, "standard_uncertainty": 0.3},
///     {"name": "b", "value": 2.0, "distribution": "rectangular", "half_width": 0.6928203}
///   ]}"#).unwrap();
/// let r = uncertainty(&req, None).unwrap();
/// assert!((r.outputs[0].result.combined_standard_uncertainty - 0.5).abs() < 1e-6);
/// ```
pub fn uncertainty(
    req: &UncertaintyRequest,
    mc: Option<MonteCarlo>,
) -> Result<UncertaintyResponse, Problems> {
    let (model, budget) = prepare(req)?;
    let one = |path: &str, e: uncertainty::UncertaintyError| {
        let mut p = Problems::default();
        p.at(path, e.to_string());
        p
    };
    let evaluated = uncertainty::evaluate(&model, &budget).map_err(|e| one("model", e))?;
    let mcs = match mc {
        Some(m) => Some(
            montecarlo::run(&model, &budget, m.trials, m.seed)
                .map_err(|e| one("monte_carlo", e))?,
        ),
        None => None,
    };
    let outputs = evaluated
        .outputs
        .into_iter()
        .enumerate()
        .map(|(i, result)| OutputReport {
            result,
            monte_carlo: mcs.as_ref().map(|v| v[i].clone()),
        })
        .collect();
    Ok(UncertaintyResponse {
        outputs,
        correlations: evaluated.correlations,
        engine_version: crate::ENGINE_VERSION,
    })
}

/// `tdc-calc regression` / `POST /api/v1/calc/regression`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RegressionRequest {
    pub x: Vec<f64>,
    pub y: Vec<f64>,
    pub u_y: Option<Vec<f64>>,
    pub x0: Option<f64>,
}

/// Fits the line of a regression request.
pub fn regression(req: &RegressionRequest) -> Result<LineFit, Problems> {
    let mut fit = regression::fit_line(&req.x, &req.y, req.u_y.as_deref()).map_err(|e| {
        let mut p = Problems::default();
        p.at("", e.to_string());
        p
    })?;
    if let Some(x0) = req.x0 {
        if !x0.is_finite() {
            let mut p = Problems::default();
            p.at("x0", "must be a finite number");
            return Err(p);
        }
        fit.prediction = Some(fit.predict(x0));
    }
    Ok(fit)
}

/// `tdc-calc mpe` / `POST /api/v1/calc/mpe`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MpeRequest {
    pub table: String,
    pub class: Option<String>,
    /// Verification scale interval, e.g. "0.5 g".
    pub e: Option<String>,
    pub load: Option<String>,
    pub nominal: Option<String>,
    pub quantity: Option<String>,
    pub stage: Option<Stage>,
}

/// Looks up an MPE (or, for `oiml-r87`, the tolerable deficiency T).
pub fn mpe(req: &MpeRequest) -> Result<Mpe, Problems> {
    let mut p = Problems::default();
    let mut parse = |field: &str, v: &Option<String>| {
        v.as_ref().and_then(|t| match Quantity::parse(t) {
            Ok(q) => Some(q),
            Err(e) => {
                p.at(field, e.to_string());
                None
            }
        })
    };
    let e = parse("e", &req.e);
    let load = parse("load", &req.load);
    let nominal = parse("nominal", &req.nominal);
    let quantity = parse("quantity", &req.quantity);
    let given = [&req.load, &req.nominal, &req.quantity]
        .iter()
        .filter(|v| v.is_some())
        .count();
    if given > 1 {
        p.at("load", "give only one of load, nominal and quantity");
    }
    if !p.is_empty() {
        return Err(p);
    }
    let table = mpe::table(&req.table).map_err(|e| {
        let mut p = Problems::default();
        p.at(
            "table",
            e.to_string().trim_start_matches("table: ").to_owned(),
        );
        p
    })?;
    let value = load.or(nominal).or(quantity);
    let result = if matches!(table.lookup, mpe::Lookup::TolerableDeficiency { .. }) {
        match value {
            Some(v) => table.tolerable_deficiency(&v),
            None => Err(mpe::MpeError::Missing("nominal", table.id.clone())),
        }
    } else {
        table.lookup(&MpeQuery {
            class: req.class.clone(),
            stage: req.stage,
            e,
            value,
        })
    };
    result.map_err(|e| {
        let mut p = Problems::default();
        let text = e.to_string();
        match text.split_once(": ") {
            Some((field, msg)) if !field.contains(' ') => p.at(field, msg),
            _ => p.at("", text),
        }
        p
    })
}

/// `tdc-calc decide` / `POST /api/v1/calc/decide`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DecideRequest {
    pub measured: f64,
    pub expanded_uncertainty: f64,
    /// k of U (default 2).
    pub coverage_factor: Option<f64>,
    /// Degrees of freedom of u (default infinite).
    pub dof: Option<f64>,
    pub lower_limit: Option<f64>,
    pub upper_limit: Option<f64>,
    pub rule: DecideRule,
    /// w, in the unit of the measured value.
    pub guard_band: Option<f64>,
    /// r for w = r·U.
    pub guard_band_factor: Option<f64>,
    /// false asks for the non-binary statement with conditional outcomes (default true).
    pub binary: Option<bool>,
}

#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum DecideRule {
    #[default]
    SimpleAcceptance,
    GuardBand,
}

/// Makes a statement of conformity.
pub fn decide(req: &DecideRequest) -> Result<Decision, Problems> {
    let mut p = Problems::default();
    let rule = match req.rule {
        DecideRule::SimpleAcceptance => {
            if req.guard_band.is_some() || req.guard_band_factor.is_some() {
                p.at("guard_band", "only with rule \"guard_band\"");
            }
            Rule::SimpleAcceptance
        }
        DecideRule::GuardBand => match (req.guard_band, req.guard_band_factor) {
            (Some(w), None) => Rule::GuardBand { w },
            (None, Some(r)) => {
                if !(r.is_finite() && r >= 0.0) {
                    p.at("guard_band_factor", "must be a number ≥ 0");
                }
                Rule::GuardBand {
                    w: r * req.expanded_uncertainty,
                }
            }
            (None, None) => {
                p.at(
                    "guard_band",
                    "required with rule \"guard_band\" (or guard_band_factor)",
                );
                Rule::SimpleAcceptance
            }
            (Some(_), Some(_)) => {
                p.at(
                    "guard_band",
                    "give guard_band or guard_band_factor, not both",
                );
                Rule::SimpleAcceptance
            }
        },
    };
    if !p.is_empty() {
        return Err(p);
    }
    conformity::decide(&conformity::Request {
        measured: req.measured,
        expanded_uncertainty: req.expanded_uncertainty,
        coverage_factor: req.coverage_factor.unwrap_or(2.0),
        dof: req.dof,
        limits: Limits {
            lower: req.lower_limit,
            upper: req.upper_limit,
        },
        rule,
        binary: req.binary.unwrap_or(true),
    })
    .map_err(|e| {
        let text = e.to_string();
        let (field, msg) = text.split_once(": ").unwrap_or(("", &text));
        let mut p = Problems::default();
        p.at(field, msg);
        p
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(name: &str) -> QuantityInput {
        QuantityInput {
            name: name.into(),
            value: Some(1.0),
            standard_uncertainty: Some(0.1),
            ..QuantityInput::default()
        }
    }

    #[test]
    fn names_every_problem_of_a_bad_request() {
        let req = UncertaintyRequest {
            model: Some("y = a + b + c".into()),
            quantities: vec![
                q("a"),
                QuantityInput {
                    standard_uncertainty: Some(-1.0),
                    ..q("b")
                },
                q("d"),
            ],
            ..UncertaintyRequest::default()
        };
        let p = prepare(&req).unwrap_err();
        let text = p.to_string();
        assert!(
            text.contains(
                "quantities[1].standard_uncertainty: must be a finite number ≥ 0, got -1"
            ),
            "{text}"
        );
        assert!(
            text.contains("quantities[2].name: `d` is not used by the model"),
            "{text}"
        );
        assert!(text.contains("model: unknown quantity `c`"), "{text}");
    }

    #[test]
    fn a_quantity_needs_exactly_one_uncertainty() {
        let req = UncertaintyRequest {
            model: Some("y = a".into()),
            quantities: vec![QuantityInput {
                resolution: Some(0.1),
                ..q("a")
            }],
            ..UncertaintyRequest::default()
        };
        let p = prepare(&req).unwrap_err();
        assert_eq!(p.0[0].path, "quantities[0]");
    }

    #[test]
    fn mpe_requests_name_their_bad_field() {
        let p = mpe(&MpeRequest {
            table: "oiml-r76".into(),
            class: Some("III".into()),
            e: Some("0.5 furlong".into()),
            load: Some("1 kg".into()),
            ..MpeRequest::default()
        })
        .unwrap_err();
        assert_eq!(p.0[0].path, "e");
        let p = mpe(&MpeRequest {
            table: "oiml-r76".into(),
            load: Some("1 kg".into()),
            ..MpeRequest::default()
        })
        .unwrap_err();
        assert_eq!(p.0[0].path, "class");
    }
}
