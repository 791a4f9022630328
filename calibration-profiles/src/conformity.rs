//! Statements of conformity to a specification under a decision rule (ISO/IEC 17025:2017
//! 7.8.6, ILAC-G8:09/2019, JCGM 106:2012).
//!
//! - *Simple acceptance* (ILAC-G8 4.2.1, w = 0): the legal decision rule of verification
//!   (kiểm định): pass when the measured value lies within the tolerance limits.
//! - *Guarded acceptance* (ILAC-G8 4.2.2): acceptance limits are the tolerance limits moved
//!   inwards by a guard band w, usually w = U or w = r·U.
//! - *Non-binary statements* (ILAC-G8 4.2.3): "conditional pass" when the value is inside the
//!   tolerance but within the guard band of a limit, "conditional fail" when outside but within
//!   the guard band. With simple acceptance the conditional zones are ±U around each limit, the
//!   layout ILAC-G8 shows for non-binary statements.
//!
//! The probability of conformity (JCGM 106 7.2) assumes the measurand's distribution is normal
//! with standard deviation u = U/k, or a scaled t-distribution when degrees of freedom are given.

use serde::{Deserialize, Serialize};
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// A decision rule agreed with the customer (ISO/IEC 17025 7.1.3).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "rule")]
pub enum Rule {
    /// w = 0 (ILAC-G8 4.2.1).
    SimpleAcceptance,
    /// Acceptance limits moved inwards by w (absolute, in the unit of the measured value).
    GuardBand { w: f64 },
    /// Acceptance limits moved inwards by w = r·U, recomputed with each result's U (e.g. OIML
    /// R 111-1 5.2: a weight conforms when |error| + U ≤ MPE, i.e. r = 1).
    GuardBandRelative { r: f64 },
}

/// Outcome of a statement of conformity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    ConditionalPass,
    ConditionalFail,
    Fail,
}

impl Outcome {
    /// Vietnamese wording for records and certificates.
    #[must_use]
    pub fn label_vi(self) -> &'static str {
        match self {
            Self::Pass => "Đạt",
            Self::ConditionalPass => "Đạt có điều kiện",
            Self::ConditionalFail => "Không đạt có điều kiện",
            Self::Fail => "Không đạt",
        }
    }

    fn rank(self) -> u8 {
        match self {
            Self::Pass => 0,
            Self::ConditionalPass => 1,
            Self::ConditionalFail => 2,
            Self::Fail => 3,
        }
    }
}

/// Specification limits: symmetric ±MPE around a nominal value, asymmetric, or one-sided.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Limits {
    pub lower: Option<f64>,
    pub upper: Option<f64>,
}

impl Limits {
    /// `nominal ± mpe`.
    #[must_use]
    pub fn symmetric(nominal: f64, mpe: f64) -> Self {
        Self {
            lower: Some(nominal - mpe.abs()),
            upper: Some(nominal + mpe.abs()),
        }
    }
}

/// What a decision needs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Request {
    pub measured: f64,
    pub expanded_uncertainty: f64,
    /// k used to state U; u = U/k for the probability of conformity.
    pub coverage_factor: f64,
    /// Degrees of freedom of u (`None` = infinite).
    pub dof: Option<f64>,
    pub limits: Limits,
    pub rule: Rule,
    pub binary: bool,
}

/// The statement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Decision {
    pub outcome: Outcome,
    pub probability_of_conformity: f64,
    /// Acceptance limits after the guard band.
    pub acceptance_lower: Option<f64>,
    pub acceptance_upper: Option<f64>,
}

/// Why a decision cannot be made.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConformityError {
    #[error("lower_limit/upper_limit: give at least one specification limit")]
    NoLimits,
    #[error("lower_limit: must be below upper_limit ({0} ≥ {1})")]
    LimitsReversed(f64, f64),
    #[error("expanded_uncertainty: must be a finite number ≥ 0, got {0}")]
    Uncertainty(f64),
    #[error("coverage_factor: must be greater than 0, got {0}")]
    CoverageFactor(f64),
    #[error("guard_band: must be a finite number ≥ 0, got {0}")]
    GuardBand(f64),
    #[error("guard_band: {w} on each side leaves no acceptance zone between {lower} and {upper}")]
    NoAcceptanceZone { w: f64, lower: f64, upper: f64 },
    #[error("measured: must be a finite number")]
    Measured,
}

/// Decides conformity of a measured value under a decision rule.
///
/// ```
/// use calibration_profiles::conformity::{decide, Limits, Outcome, Request, Rule};
/// // Tolerance 10 ± 0.5, measured 10.3 with U = 0.3 (k = 2).
/// let req = Request { measured: 10.3, expanded_uncertainty: 0.3, coverage_factor: 2.0,
///     dof: None, limits: Limits::symmetric(10.0, 0.5), rule: Rule::SimpleAcceptance,
///     binary: true };
/// assert_eq!(decide(&req).unwrap().outcome, Outcome::Pass);
/// // Guarded acceptance with w = U: acceptance limit 10.2, so 10.3 fails.
/// let guarded = Request { rule: Rule::GuardBand { w: 0.3 }, ..req };
/// assert_eq!(decide(&guarded).unwrap().outcome, Outcome::Fail);
/// // The non-binary statement calls it a conditional pass.
/// let nb = Request { binary: false, ..guarded };
/// assert_eq!(decide(&nb).unwrap().outcome, Outcome::ConditionalPass);
/// ```
pub fn decide(req: &Request) -> Result<Decision, ConformityError> {
    let Request {
        measured: y,
        expanded_uncertainty: big_u,
        coverage_factor: k,
        dof,
        limits,
        rule,
        binary,
    } = *req;
    if !y.is_finite() {
        return Err(ConformityError::Measured);
    }
    if !(big_u.is_finite() && big_u >= 0.0) {
        return Err(ConformityError::Uncertainty(big_u));
    }
    if !(k.is_finite() && k > 0.0) {
        return Err(ConformityError::CoverageFactor(k));
    }
    if limits.lower.is_none() && limits.upper.is_none() {
        return Err(ConformityError::NoLimits);
    }
    if let (Some(l), Some(u)) = (limits.lower, limits.upper)
        && l >= u
    {
        return Err(ConformityError::LimitsReversed(l, u));
    }
    let w = match rule {
        Rule::SimpleAcceptance => 0.0,
        Rule::GuardBand { w } => {
            if !(w.is_finite() && w >= 0.0) {
                return Err(ConformityError::GuardBand(w));
            }
            w
        }
        Rule::GuardBandRelative { r } => {
            if !(r.is_finite() && r >= 0.0) {
                return Err(ConformityError::GuardBand(r));
            }
            r * big_u
        }
    };
    if let (Some(l), Some(u)) = (limits.lower, limits.upper)
        && l + w >= u - w
    {
        return Err(ConformityError::NoAcceptanceZone {
            w,
            lower: l,
            upper: u,
        });
    }
    // Width of the conditional zones of a non-binary statement.
    let z = if w > 0.0 { w } else { big_u };
    // Distance inside the tolerance (positive = inside) for each limit present.
    let mut outcome = Outcome::Pass;
    let sides = [limits.lower.map(|l| y - l), limits.upper.map(|u| u - y)];
    for d in sides.into_iter().flatten() {
        let side = if binary {
            if d >= w { Outcome::Pass } else { Outcome::Fail }
        } else if d >= z {
            Outcome::Pass
        } else if d >= 0.0 {
            Outcome::ConditionalPass
        } else if d >= -z {
            Outcome::ConditionalFail
        } else {
            Outcome::Fail
        };
        if side.rank() > outcome.rank() {
            outcome = side;
        }
    }
    Ok(Decision {
        outcome,
        probability_of_conformity: probability_of_conformity(y, big_u / k, dof, limits),
        acceptance_lower: limits.lower.map(|l| l + w),
        acceptance_upper: limits.upper.map(|u| u - w),
    })
}

/// Probability that the measurand lies within the limits, given the measured value `y` and its
/// standard uncertainty `u` (JCGM 106:2012 7.2, eq. 9 for the normal case).
///
/// ```
/// use calibration_profiles::conformity::{probability_of_conformity, Limits};
/// // One-sided upper limit 1 standard uncertainty away: Φ(1) = 0.8413.
/// let p = probability_of_conformity(0.0, 1.0, None, Limits { lower: None, upper: Some(1.0) });
/// assert!((p - 0.841_344_7).abs() < 1e-6);
/// ```
#[must_use]
pub fn probability_of_conformity(y: f64, u: f64, dof: Option<f64>, limits: Limits) -> f64 {
    if u <= 0.0 {
        let inside = limits.lower.is_none_or(|l| y >= l) && limits.upper.is_none_or(|h| y <= h);
        return if inside { 1.0 } else { 0.0 };
    }
    let cdf = |t: f64| -> f64 {
        // Above 10⁴ degrees of freedom t and normal differ by less than 10⁻⁵ in probability,
        // and statrs' t is unreliable there: use the normal distribution.
        match dof.filter(|v| v.is_finite() && *v > 0.0 && *v <= 1e4) {
            Some(v) => {
                StudentsT::new(0.0, 1.0, v).map_or_else(|_| Normal::standard().cdf(t), |d| d.cdf(t))
            }
            None => Normal::standard().cdf(t),
        }
    };
    let upper = limits.upper.map_or(1.0, |h| cdf((h - y) / u));
    let lower = limits.lower.map_or(0.0, |l| cdf((l - y) / u));
    (upper - lower).clamp(0.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(y: f64, u: f64, rule: Rule, binary: bool) -> Request {
        Request {
            measured: y,
            expanded_uncertainty: u,
            coverage_factor: 2.0,
            dof: None,
            limits: Limits::symmetric(0.0, 1.0),
            rule,
            binary,
        }
    }

    #[test]
    fn the_four_zones_of_a_non_binary_statement() {
        let r = Rule::GuardBand { w: 0.2 };
        let o = |y| decide(&req(y, 0.2, r, false)).unwrap().outcome;
        assert_eq!(o(0.5), Outcome::Pass);
        assert_eq!(o(0.9), Outcome::ConditionalPass);
        assert_eq!(o(-1.1), Outcome::ConditionalFail);
        assert_eq!(o(1.3), Outcome::Fail);
    }

    #[test]
    fn a_value_on_the_limit_passes_simple_acceptance() {
        let d = decide(&req(1.0, 0.2, Rule::SimpleAcceptance, true)).unwrap();
        assert_eq!(d.outcome, Outcome::Pass);
        assert!((d.probability_of_conformity - 0.5).abs() < 1e-9);
    }

    #[test]
    fn a_relative_guard_band_follows_each_results_uncertainty() {
        // OIML R 111-1 5.2: |error| + U ≤ MPE. MPE 1.6 mg, error 1.2 mg.
        let r = Rule::GuardBandRelative { r: 1.0 };
        let at = |u: f64| {
            let mut q = req(1.2, u, r, true);
            q.limits = Limits::symmetric(0.0, 1.6);
            decide(&q).unwrap().outcome
        };
        assert_eq!(at(0.3), Outcome::Pass);
        assert_eq!(at(0.5), Outcome::Fail);
    }

    #[test]
    fn refuses_a_guard_band_wider_than_the_tolerance() {
        assert!(matches!(
            decide(&req(0.0, 0.2, Rule::GuardBand { w: 1.0 }, true)),
            Err(ConformityError::NoAcceptanceZone { .. })
        ));
    }
}
