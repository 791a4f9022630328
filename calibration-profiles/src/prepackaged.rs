//! The verdict on a lot of prepackaged goods (kiểm tra lượng của hàng đóng gói sẵn, Circular
//! 21/2014/TT-BKHCN, OIML R 87): from the lot size N the sample size n, the correction factor
//! k and the number of packages allowed below Qn − T come from the sampling plan; T from the
//! nominal quantity; both are data (`tables/mpe/oiml-r87.toml`, with its confidence notes).
//!
//! A lot conforms when all three hold (domain-rules.md §6):
//! 1. mean criterion: x̄ ≥ Qn − k·s (s the sample standard deviation, n − 1);
//! 2. individual criterion: packages with Qtt < Qn − T (T1 errors) ≤ c;
//! 3. no package with Qtt < Qn − 2T (T2 error).
//!
//! Actual contents are given as net quantities, or as gross quantities with the tare of each
//! package (or one average tare, R 87's non-destructive method with a tare sample). A sample of
//! the wrong size is an error that states the size required.

use serde::{Deserialize, Serialize};

use crate::mpe::{MpeError, table};
use crate::problems::Problems;
use crate::units::Quantity;

/// The tare: one per package, or the mean tare of a tare sample for all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Tare {
    Each(Vec<f64>),
    Average(f64),
}

/// What the inspector measured, in the nominal quantity's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LotInput {
    /// Nominal quantity with its unit, e.g. "250 g", "1 L".
    pub nominal: String,
    /// Packages in the lot (N).
    pub lot_size: u32,
    /// Actual contents of the sampled packages.
    #[serde(default)]
    pub net: Option<Vec<f64>>,
    /// Or gross quantities…
    #[serde(default)]
    pub gross: Option<Vec<f64>>,
    /// …and the tare (per package, or one average tare).
    #[serde(default)]
    pub tare: Option<Tare>,
}

/// The verdict.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct LotVerdict {
    pub sample_size: u32,
    /// Unit of every quantity below (that of the nominal quantity).
    pub unit: String,
    pub mean: f64,
    pub standard_deviation: f64,
    pub tolerable_deficiency: f64,
    pub correction_factor: f64,
    /// Qn − k·s.
    pub mean_limit: f64,
    pub mean_criterion_met: bool,
    /// Qn − T and Qn − 2T.
    pub t1_limit: f64,
    pub t2_limit: f64,
    /// Packages below Qn − T (T1 errors, T2 ones included) and below Qn − 2T.
    pub below_t1: u32,
    pub below_t2: u32,
    pub allowed_below_t1: u32,
    /// `pass` or `fail`.
    pub outcome: String,
    pub source: String,
}

fn finite_non_negative(p: &mut Problems, path: &str, values: &[f64]) {
    for (i, v) in values.iter().enumerate() {
        if !(v.is_finite() && *v >= 0.0) {
            p.at(format!("{path}[{i}]"), format!("{v} is not a quantity ≥ 0"));
        }
    }
}

/// Judges a lot.
///
/// ```
/// use calibration_profiles::prepackaged::{lot_verdict, LotInput};
/// // 50 packages of 250 g from a lot of 400, all at 251 g: T = 9 g, s = 0.
/// let input = LotInput { nominal: "250 g".into(), lot_size: 400, net: Some(vec![251.0; 50]),
///     gross: None, tare: None };
/// let v = lot_verdict(&input).unwrap();
/// assert_eq!((v.sample_size, v.tolerable_deficiency, v.outcome.as_str()), (50, 9.0, "pass"));
/// ```
pub fn lot_verdict(input: &LotInput) -> Result<LotVerdict, Problems> {
    let mut p = Problems::default();
    let r87 = table("oiml-r87").map_err(|e| one("", e.to_string()))?;
    let nominal =
        Quantity::parse(input.nominal.trim()).map_err(|e| one("nominal", e.to_string()))?;
    let t = r87.tolerable_deficiency(&nominal).map_err(|e| match e {
        MpeError::OutOfRange(m) => one("nominal", m),
        other => one("nominal", other.to_string()),
    })?;
    // T is given in g or mL; bring it to the nominal's own unit.
    let t_value = t
        .unit
        .convert_value(t.mpe, nominal.unit)
        .map_err(|e| one("nominal", e.to_string()))?;
    let Some(plan) = r87.sampling_plan(input.lot_size) else {
        return Err(one(
            "lot_size",
            format!(
                "a lot of {} packages has no sampling plan (the plans start at 100 packages: inspect every package of a smaller lot)",
                input.lot_size
            ),
        ));
    };
    let net: Vec<f64> = match (&input.net, &input.gross, &input.tare) {
        (Some(net), None, None) => {
            finite_non_negative(&mut p, "net", net);
            net.clone()
        }
        (None, Some(gross), Some(tare)) => {
            finite_non_negative(&mut p, "gross", gross);
            let tares: Vec<f64> = match tare {
                Tare::Each(t) => {
                    finite_non_negative(&mut p, "tare", t);
                    if t.len() != gross.len() {
                        p.at(
                            "tare",
                            format!("{} tares for {} gross quantities", t.len(), gross.len()),
                        );
                    }
                    t.clone()
                }
                Tare::Average(a) => {
                    finite_non_negative(&mut p, "tare", &[*a]);
                    vec![*a; gross.len()]
                }
            };
            gross
                .iter()
                .zip(&tares)
                .enumerate()
                .map(|(i, (g, t))| {
                    if g < t {
                        p.at(
                            format!("gross[{i}]"),
                            format!("{g} is less than its tare {t}"),
                        );
                    }
                    g - t
                })
                .collect()
        }
        (None, Some(_), None) => {
            p.at("tare", "is required with gross quantities");
            Vec::new()
        }
        _ => {
            p.at(
                "net",
                "give the net quantities, or gross and tare (not both)",
            );
            Vec::new()
        }
    };
    if !p.is_empty() {
        return Err(p);
    }
    let n = u32::try_from(net.len()).unwrap_or(u32::MAX);
    if n != plan.sample_size {
        let field = if input.net.is_some() { "net" } else { "gross" };
        return Err(one(
            field,
            format!(
                "a sample of {n} packages; a lot of {} needs {} (sampling plan for lots of {}{})",
                input.lot_size,
                plan.sample_size,
                plan.lot_min,
                plan.lot_max
                    .map_or_else(|| " or more".to_owned(), |m| format!("–{m}")),
            ),
        ));
    }
    #[allow(clippy::cast_precision_loss)]
    let nf = net.len() as f64;
    let mean = net.iter().sum::<f64>() / nf;
    let variance = net.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (nf - 1.0);
    let s = variance.sqrt();
    let qn = nominal.value;
    let mean_limit = qn - plan.correction_factor * s;
    let t1_limit = qn - t_value;
    let t2_limit = qn - 2.0 * t_value;
    // A hair of tolerance for binary rounding of values typed with few decimals.
    let eps = 1e-9 * qn.abs().max(1.0);
    let below_t1 =
        u32::try_from(net.iter().filter(|x| **x < t1_limit - eps).count()).unwrap_or(u32::MAX);
    let below_t2 =
        u32::try_from(net.iter().filter(|x| **x < t2_limit - eps).count()).unwrap_or(u32::MAX);
    let mean_criterion_met = mean >= mean_limit - eps;
    let pass = mean_criterion_met && below_t1 <= plan.max_defectives && below_t2 == 0;
    Ok(LotVerdict {
        sample_size: plan.sample_size,
        unit: nominal.unit.to_string(),
        mean,
        standard_deviation: s,
        tolerable_deficiency: t_value,
        correction_factor: plan.correction_factor,
        mean_limit,
        mean_criterion_met,
        t1_limit,
        t2_limit,
        below_t1,
        below_t2,
        allowed_below_t1: plan.max_defectives,
        outcome: if pass { "pass" } else { "fail" }.into(),
        source: format!(
            "{} ({})",
            r87.source,
            r87.legal_basis.clone().unwrap_or_default()
        ),
    })
}

fn one(path: &str, message: impl Into<String>) -> Problems {
    let mut p = Problems::default();
    p.at(path, message);
    p
}
