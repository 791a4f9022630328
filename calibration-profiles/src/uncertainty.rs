//! Evaluation of measurement uncertainty by the law of propagation of uncertainty
//! (JCGM 100:2008, "GUM", clause 5), with Type A (clause 4.2) and Type B (clause 4.3)
//! evaluations, correlated inputs (5.2, C.3.6, H.2), the Welch–Satterthwaite formula (G.4) and
//! coverage factors from Student's t (G.3, G.4).
//!
//! Sensitivity coefficients are exact first derivatives of the model at the input estimates,
//! obtained by forward-mode automatic differentiation ([`Dual`]), not by finite differences.
//!
//! Degrees of freedom with correlated inputs: the Welch–Satterthwaite formula assumes independent
//! components. Inputs that are correlated form a *cluster* whose contributions are combined
//! (with their correlations) before the formula is applied. A cluster made of the means of one
//! set of simultaneous readings takes ν = n − 1 (the approach of GUM H.2.3); a cluster joined by
//! stated correlation coefficients takes the smallest ν of its members, which is conservative.

use std::collections::BTreeMap;

use serde::Serialize;
use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

use crate::model::{BoundModel, Func, Scalar};

/// A number carrying its gradient with respect to every input (forward-mode differentiation).
#[derive(Debug, Clone, PartialEq)]
pub struct Dual {
    pub v: f64,
    pub g: Vec<f64>,
}

impl Dual {
    /// The `i`-th of `n` independent variables, with value `v`.
    #[must_use]
    pub fn variable(v: f64, i: usize, n: usize) -> Self {
        let mut g = vec![0.0; n];
        g[i] = 1.0;
        Self { v, g }
    }

    fn map(&self, v: f64, d: f64) -> Self {
        Self {
            v,
            g: self.g.iter().map(|x| x * d).collect(),
        }
    }

    fn zip(&self, o: &Self, v: f64, da: f64, db: f64) -> Self {
        let n = self.g.len().max(o.g.len());
        let at = |g: &[f64], i: usize| g.get(i).copied().unwrap_or(0.0);
        Self {
            v,
            g: (0..n)
                .map(|i| at(&self.g, i) * da + at(&o.g, i) * db)
                .collect(),
        }
    }

    fn is_constant(&self) -> bool {
        self.g.iter().all(|x| *x == 0.0)
    }
}

impl Scalar for Dual {
    fn constant(v: f64) -> Self {
        Self { v, g: Vec::new() }
    }
    fn value(&self) -> f64 {
        self.v
    }
    fn add(&self, o: &Self) -> Self {
        self.zip(o, self.v + o.v, 1.0, 1.0)
    }
    fn sub(&self, o: &Self) -> Self {
        self.zip(o, self.v - o.v, 1.0, -1.0)
    }
    fn mul(&self, o: &Self) -> Self {
        self.zip(o, self.v * o.v, o.v, self.v)
    }
    fn div(&self, o: &Self) -> Self {
        self.zip(o, self.v / o.v, 1.0 / o.v, -self.v / (o.v * o.v))
    }
    fn neg(&self) -> Self {
        self.map(-self.v, -1.0)
    }
    fn pow(&self, o: &Self) -> Self {
        let v = self.v.powf(o.v);
        let da = o.v * self.v.powf(o.v - 1.0);
        // d(a^b)/db = a^b ln a; only needed (and only defined) when the exponent varies.
        let db = if o.is_constant() {
            0.0
        } else {
            v * self.v.ln()
        };
        self.zip(o, v, da, db)
    }
    fn apply(&self, f: Func) -> Self {
        let x = self.v;
        match f {
            Func::Sqrt => {
                let r = x.sqrt();
                self.map(r, 0.5 / r)
            }
            Func::Exp => {
                let e = x.exp();
                self.map(e, e)
            }
            Func::Ln => self.map(x.ln(), 1.0 / x),
            Func::Log10 => self.map(x.log10(), 1.0 / (x * std::f64::consts::LN_10)),
            Func::Sin => self.map(x.sin(), x.cos()),
            Func::Cos => self.map(x.cos(), -x.sin()),
            Func::Tan => {
                let c = x.cos();
                self.map(x.tan(), 1.0 / (c * c))
            }
            Func::Abs => self.map(
                x.abs(),
                if x > 0.0 {
                    1.0
                } else if x < 0.0 {
                    -1.0
                } else {
                    0.0
                },
            ),
            Func::Pow => self.map(f64::NAN, f64::NAN),
        }
    }
}

/// Probability distributions for Type B evaluations (GUM 4.3.7–4.3.9, JCGM 101 6.4).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Distribution {
    /// Gaussian; the standard uncertainty is given, or U/k.
    Normal,
    /// Uniform over ±a: u = a/√3 (GUM 4.3.7).
    Rectangular,
    /// Symmetric triangle over ±a: u = a/√6 (GUM 4.3.9).
    Triangular,
    /// Arcsine ("U-shaped") over ±a: u = a/√2.
    UShaped,
}

impl Distribution {
    /// Standard uncertainty of a distribution with half-width `a`. For `Normal` the half-width
    /// is read as a standard uncertainty.
    ///
    /// ```
    /// use calibration_profiles::uncertainty::Distribution;
    /// // EA-4/02 S2: air buoyancy, rectangular ±10 mg → 5.77 mg.
    /// assert!((Distribution::Rectangular.standard_uncertainty(10.0) - 5.7735).abs() < 1e-4);
    /// assert!((Distribution::Triangular.standard_uncertainty(6.0) - 2.4495).abs() < 1e-4);
    /// assert!((Distribution::UShaped.standard_uncertainty(2.0) - 1.4142).abs() < 1e-4);
    /// ```
    #[must_use]
    pub fn standard_uncertainty(self, half_width: f64) -> f64 {
        match self {
            Self::Normal => half_width,
            Self::Rectangular => half_width / 3f64.sqrt(),
            Self::Triangular => half_width / 6f64.sqrt(),
            Self::UShaped => half_width / 2f64.sqrt(),
        }
    }
}

/// Standard uncertainty of a digital indication with resolution `d`: half a digit, rectangular,
/// u = d / (2√3) (GUM F.2.2.1).
///
/// ```
/// use calibration_profiles::uncertainty::resolution_standard_uncertainty;
/// assert!((resolution_standard_uncertainty(0.1) - 0.028_867_5).abs() < 1e-7);
/// ```
#[must_use]
pub fn resolution_standard_uncertainty(d: f64) -> f64 {
    d / (2.0 * 3f64.sqrt())
}

/// Arithmetic mean q̄ (GUM 4.2.1, eq. 3).
#[must_use]
pub fn mean(x: &[f64]) -> f64 {
    x.iter().sum::<f64>() / x.len() as f64
}

/// Experimental standard deviation s(q_k) with n − 1 in the denominator (GUM 4.2.2, eq. 4).
/// Needs at least two readings; `None` otherwise.
///
/// ```
/// use calibration_profiles::uncertainty::experimental_standard_deviation;
/// let s = experimental_standard_deviation(&[10.0, 12.0, 14.0]).unwrap();
/// assert!((s - 2.0).abs() < 1e-12);
/// ```
#[must_use]
pub fn experimental_standard_deviation(x: &[f64]) -> Option<f64> {
    if x.len() < 2 {
        return None;
    }
    let m = mean(x);
    let ss: f64 = x.iter().map(|v| (v - m).powi(2)).sum();
    Some((ss / (x.len() - 1) as f64).sqrt())
}

/// Experimental standard deviation of the mean s(q̄) = s(q_k)/√n with ν = n − 1
/// (GUM 4.2.3, G.3.3). Returns `(s_mean, dof)`.
#[must_use]
pub fn standard_deviation_of_the_mean(x: &[f64]) -> Option<(f64, f64)> {
    experimental_standard_deviation(x).map(|s| (s / (x.len() as f64).sqrt(), (x.len() - 1) as f64))
}

/// Pooled experimental standard deviation of several series of the same kind of measurement
/// (GUM 4.2.4, H.3.6): s_p² = Σ(n_i − 1)s_i² / Σ(n_i − 1). Returns `(s_p, dof)`; series with
/// fewer than two readings add nothing.
///
/// ```
/// use calibration_profiles::uncertainty::pooled_standard_deviation;
/// let (s, dof) = pooled_standard_deviation(&[&[1.0, 3.0], &[2.0, 4.0, 6.0]]).unwrap();
/// // (1·2 + 2·4) / 3 = 10/3
/// assert!((s - (10.0f64 / 3.0).sqrt()).abs() < 1e-12);
/// assert_eq!(dof, 3.0);
/// ```
#[must_use]
pub fn pooled_standard_deviation(series: &[&[f64]]) -> Option<(f64, f64)> {
    let mut num = 0.0;
    let mut dof = 0.0;
    for s in series {
        if let Some(sd) = experimental_standard_deviation(s) {
            let v = (s.len() - 1) as f64;
            num += v * sd * sd;
            dof += v;
        }
    }
    (dof > 0.0).then(|| ((num / dof).sqrt(), dof))
}

/// Correlation coefficient of the means of two series of simultaneous readings,
/// r(x̄, ȳ) = s(x̄, ȳ) / (s(x̄) s(ȳ)) (GUM 5.2.3, C.3.6, eq. 17; used in H.2).
/// `None` when the series differ in length, have fewer than two readings, or one is constant.
#[must_use]
pub fn correlation_of_means(x: &[f64], y: &[f64]) -> Option<f64> {
    if x.len() != y.len() || x.len() < 2 {
        return None;
    }
    let (mx, my) = (mean(x), mean(y));
    let sxy: f64 = x.iter().zip(y).map(|(a, b)| (a - mx) * (b - my)).sum();
    let sxx: f64 = x.iter().map(|a| (a - mx).powi(2)).sum();
    let syy: f64 = y.iter().map(|b| (b - my).powi(2)).sum();
    let d = (sxx * syy).sqrt();
    (d > 0.0).then(|| sxy / d)
}

/// Coverage factor for coverage probability `p` with `dof` degrees of freedom (`None` =
/// infinite): the two-sided Student's t quantile t_p(ν) (GUM G.3.4, Table G.2), the normal
/// quantile when ν is infinite. A non-integer ν is truncated to the next lower integer
/// (GUM G.4.1, note 1); ν below 1 is raised to 1.
///
/// ```
/// use calibration_profiles::uncertainty::coverage_factor;
/// // GUM Table G.2: t_95.45(∞) = 2.00, t_95(16) = 2.12, t_99(16) = 2.92.
/// assert!((coverage_factor(0.9545, None).unwrap() - 2.000).abs() < 1e-3);
/// assert!((coverage_factor(0.95, Some(16.7)).unwrap() - 2.12).abs() < 5e-3);
/// assert!((coverage_factor(0.99, Some(16.0)).unwrap() - 2.92).abs() < 5e-3);
/// // Very large ν (a small Type A term among large Type B terms) tends to the normal quantile:
/// // z_0.975 = 1.959 964.
/// assert!((coverage_factor(0.95, Some(1e8)).unwrap() - 1.959_964).abs() < 1e-6);
/// assert!((coverage_factor(0.95, Some(2e4)).unwrap() - 1.959_964).abs() < 2e-4);
/// ```
pub fn coverage_factor(p: f64, dof: Option<f64>) -> Result<f64, UncertaintyError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(UncertaintyError::CoverageProbability(p));
    }
    let q = f64::midpoint(1.0, p);
    let k = match dof {
        // Beyond 10⁴ degrees of freedom the t quantile of statrs loses accuracy (k = 1.006 at
        // ν = 10⁷) and then stops returning; the Cornish–Fisher expansion about the normal
        // quantile is exact there to far below 10⁻⁹ (its next term is of order z⁷/ν³).
        Some(v) if v.is_finite() && v > 1e4 => {
            let z = Normal::standard().inverse_cdf(q);
            z + (z.powi(3) + z) / (4.0 * v)
                + (5.0 * z.powi(5) + 16.0 * z.powi(3) + 3.0 * z) / (96.0 * v * v)
        }
        Some(v) if v.is_finite() => {
            let v = v.floor().max(1.0);
            StudentsT::new(0.0, 1.0, v)
                .map_err(|_| UncertaintyError::Dof(v))?
                .inverse_cdf(q)
        }
        _ => Normal::standard().inverse_cdf(q),
    };
    Ok(k)
}

/// Effective degrees of freedom by the Welch–Satterthwaite formula (GUM G.4.2, eq. G.2b):
/// ν_eff = u_c⁴ / Σ u_i⁴/ν_i over components `(u_i(y), ν_i)` with `u_c² = Σ u_i²`. `None` in a
/// component means infinite ν; `None` in the result likewise.
///
/// ```
/// use calibration_profiles::uncertainty::welch_satterthwaite;
/// // Two equal components with 4 and infinite degrees of freedom: ν_eff = 4·(2)² = 16.
/// assert_eq!(welch_satterthwaite(&[(1.0, Some(4.0)), (1.0, None)]), Some(16.0));
/// ```
#[must_use]
pub fn welch_satterthwaite(components: &[(f64, Option<f64>)]) -> Option<f64> {
    let uc2: f64 = components.iter().map(|(u, _)| u * u).sum();
    let denom: f64 = components
        .iter()
        .filter_map(|(u, v)| v.filter(|v| v.is_finite()).map(|v| u.powi(4) / v))
        .sum();
    (denom > 0.0).then(|| uc2 * uc2 / denom)
}

/// How an input's standard uncertainty was obtained; kept for the budget table.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum Evaluation {
    /// Type A from `n` readings (GUM 4.2).
    TypeA { n: usize },
    /// Type B from a stated distribution (GUM 4.3).
    TypeB { distribution: Distribution },
}

/// One input quantity X_i of the model: its estimate, standard uncertainty and degrees of
/// freedom (`None` = infinite).
#[derive(Debug, Clone, PartialEq)]
pub struct Input {
    pub name: String,
    pub value: f64,
    pub standard_uncertainty: f64,
    pub dof: Option<f64>,
    pub unit: Option<String>,
    pub evaluation: Evaluation,
    /// Readings kept for Monte Carlo and for correlations within a group.
    pub readings: Option<Vec<f64>>,
    /// Name of the group of simultaneous observations the input belongs to.
    pub group: Option<String>,
}

/// Problems that stop an evaluation.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UncertaintyError {
    #[error("coverage_probability: must be between 0 and 1 (exclusive), got {0}")]
    CoverageProbability(f64),
    #[error("degrees of freedom {0} are not usable")]
    Dof(f64),
    #[error(
        "correlations: the correlation matrix is not positive semi-definite; check the coefficients"
    )]
    NotPositiveDefinite,
    #[error("the model is not defined at the input estimates: output `{0}` is {1}")]
    Undefined(String, f64),
    #[error("monte_carlo: {0}")]
    MonteCarlo(String),
}

/// A set of inputs, their correlations and the coverage probability: everything besides the
/// model that an evaluation needs.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    pub inputs: Vec<Input>,
    /// Correlation coefficients r(x_i, x_j) by input index, i < j.
    pub correlations: BTreeMap<(usize, usize), f64>,
    pub coverage_probability: f64,
}

impl Budget {
    /// r(x_i, x_j), 1 on the diagonal.
    #[must_use]
    pub fn r(&self, i: usize, j: usize) -> f64 {
        if i == j {
            1.0
        } else {
            let key = (i.min(j), i.max(j));
            self.correlations.get(&key).copied().unwrap_or(0.0)
        }
    }

    /// Adds the correlations of the means of simultaneous readings within each group
    /// (GUM H.2.2). Inputs of one group must have equally many readings.
    pub fn correlate_groups(&mut self) -> Result<(), String> {
        let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, x) in self.inputs.iter().enumerate() {
            if let Some(g) = &x.group {
                groups.entry(g).or_default().push(i);
            }
        }
        let mut found = Vec::new();
        for (g, members) in groups {
            for (a, &i) in members.iter().enumerate() {
                for &j in &members[a + 1..] {
                    let (Some(xi), Some(xj)) = (&self.inputs[i].readings, &self.inputs[j].readings)
                    else {
                        return Err(format!(
                            "group `{g}`: every member needs readings taken together"
                        ));
                    };
                    if xi.len() != xj.len() {
                        return Err(format!(
                            "group `{g}`: `{}` has {} readings but `{}` has {}; simultaneous observations come in equal numbers",
                            self.inputs[i].name,
                            xi.len(),
                            self.inputs[j].name,
                            xj.len()
                        ));
                    }
                    // A constant series has no correlation to estimate; leave r = 0.
                    if let Some(r) = correlation_of_means(xi, xj) {
                        found.push(((i, j), r));
                    }
                }
            }
        }
        for (k, r) in found {
            self.correlations.insert(k, r);
        }
        Ok(())
    }
}

/// One row of the uncertainty budget (GUM 7.2.5; EA-4/02 table layout).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Component {
    pub name: String,
    pub value: f64,
    pub standard_uncertainty: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// `null` = infinite.
    pub degrees_of_freedom: Option<f64>,
    pub evaluation: Evaluation,
    /// c_i = ∂f/∂x_i at the estimates.
    pub sensitivity_coefficient: f64,
    /// |c_i| u(x_i), in the unit of the output.
    pub contribution: f64,
}

/// The result for one output quantity.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OutputResult {
    pub name: String,
    pub value: f64,
    pub combined_standard_uncertainty: f64,
    /// `null` = infinite.
    pub effective_degrees_of_freedom: Option<f64>,
    pub coverage_probability: f64,
    pub coverage_factor: f64,
    pub expanded_uncertainty: f64,
    /// Sorted by contribution, largest first.
    pub components: Vec<Component>,
}

/// Correlation between two outputs, r(y_a, y_b) (GUM F.1.2.3, H.2).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OutputCorrelation {
    pub a: String,
    pub b: String,
    pub r: f64,
}

/// Everything the law of propagation gives for a model and a budget.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Evaluated {
    pub outputs: Vec<OutputResult>,
    pub correlations: Vec<OutputCorrelation>,
}

/// Evaluates the model at the input estimates and propagates the uncertainties to first order
/// (GUM 5.1.2 eq. 10 and 5.2.2 eq. 13).
///
/// ```
/// use calibration_profiles::model::Model;
/// use calibration_profiles::uncertainty::{evaluate, Budget, Distribution, Evaluation, Input};
/// let model = Model::parse("y = a * b").unwrap().bind(&["a", "b"]).unwrap();
/// let input = |name: &str, value, u| Input {
///     name: name.into(), value, standard_uncertainty: u, dof: None, unit: None,
///     evaluation: Evaluation::TypeB { distribution: Distribution::Normal },
///     readings: None, group: None,
/// };
/// let budget = Budget {
///     inputs: vec![input("a", 2.0, 0.1), input("b", 3.0, 0.2)],
///     correlations: Default::default(),
///     coverage_probability: 0.9545,
/// };
/// let r = evaluate(&model, &budget).unwrap();
/// // u² = (3·0.1)² + (2·0.2)² = 0.25
/// assert!((r.outputs[0].combined_standard_uncertainty - 0.5).abs() < 1e-12);
/// assert_eq!(r.outputs[0].components[0].name, "b");
/// ```
pub fn evaluate(model: &BoundModel, budget: &Budget) -> Result<Evaluated, UncertaintyError> {
    let n = budget.inputs.len();
    let duals: Vec<Dual> = budget
        .inputs
        .iter()
        .enumerate()
        .map(|(i, x)| Dual::variable(x.value, i, n))
        .collect();
    let ys = model.eval(&duals);
    let names = model.output_names();
    let u: Vec<f64> = budget
        .inputs
        .iter()
        .map(|x| x.standard_uncertainty)
        .collect();
    let grad = |y: &Dual, i: usize| y.g.get(i).copied().unwrap_or(0.0);
    let clusters = clusters(budget);

    let mut outputs = Vec::with_capacity(ys.len());
    for (y, name) in ys.iter().zip(&names) {
        if !y.v.is_finite() {
            return Err(UncertaintyError::Undefined((*name).to_owned(), y.v));
        }
        let c: Vec<f64> = (0..n).map(|i| grad(y, i)).collect();
        if c.iter().any(|x| !x.is_finite()) {
            return Err(UncertaintyError::Undefined(
                format!("{name} (a sensitivity coefficient)"),
                f64::NAN,
            ));
        }
        // Per-cluster variance contributions, then Welch–Satterthwaite over clusters.
        let mut parts = Vec::with_capacity(clusters.len());
        let mut uc2 = 0.0;
        for cl in &clusters {
            let mut v = 0.0;
            for &i in &cl.members {
                for &j in &cl.members {
                    v += c[i] * c[j] * u[i] * u[j] * budget.r(i, j);
                }
            }
            uc2 += v;
            parts.push((v.max(0.0).sqrt(), cl.dof));
        }
        if uc2 < 0.0 {
            return Err(UncertaintyError::NotPositiveDefinite);
        }
        let uc = uc2.sqrt();
        let dof = welch_satterthwaite(&parts);
        let k = coverage_factor(budget.coverage_probability, dof)?;
        let mut components: Vec<Component> = budget
            .inputs
            .iter()
            .enumerate()
            .map(|(i, x)| Component {
                name: x.name.clone(),
                value: x.value,
                standard_uncertainty: x.standard_uncertainty,
                unit: x.unit.clone(),
                degrees_of_freedom: x.dof,
                evaluation: x.evaluation.clone(),
                sensitivity_coefficient: c[i],
                contribution: (c[i] * u[i]).abs(),
            })
            .collect();
        components.sort_by(|a, b| b.contribution.total_cmp(&a.contribution));
        outputs.push(OutputResult {
            name: (*name).to_owned(),
            value: y.v,
            combined_standard_uncertainty: uc,
            effective_degrees_of_freedom: dof,
            coverage_probability: budget.coverage_probability,
            coverage_factor: k,
            expanded_uncertainty: k * uc,
            components,
        });
    }

    let mut correlations = Vec::new();
    for a in 0..ys.len() {
        for b in a + 1..ys.len() {
            let mut cov = 0.0;
            for i in 0..n {
                for j in 0..n {
                    cov += grad(&ys[a], i) * grad(&ys[b], j) * u[i] * u[j] * budget.r(i, j);
                }
            }
            let d =
                outputs[a].combined_standard_uncertainty * outputs[b].combined_standard_uncertainty;
            correlations.push(OutputCorrelation {
                a: names[a].to_owned(),
                b: names[b].to_owned(),
                r: if d > 0.0 { cov / d } else { 0.0 },
            });
        }
    }
    Ok(Evaluated {
        outputs,
        correlations,
    })
}

struct Cluster {
    members: Vec<usize>,
    dof: Option<f64>,
}

/// Groups inputs connected by non-zero correlations (union–find over the correlation pairs)
/// and assigns each group its degrees of freedom as described in the module documentation.
fn clusters(budget: &Budget) -> Vec<Cluster> {
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let n = budget.inputs.len();
    let mut parent: Vec<usize> = (0..n).collect();
    for (&(i, j), &r) in &budget.correlations {
        if r != 0.0 {
            let (a, b) = (find(&mut parent, i), find(&mut parent, j));
            parent[a] = b;
        }
    }
    let mut by_root: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..n {
        let r = find(&mut parent, i);
        by_root.entry(r).or_default().push(i);
    }
    by_root
        .into_values()
        .map(|members| {
            let first = &budget.inputs[members[0]];
            let one_group = first.group.is_some()
                && members
                    .iter()
                    .all(|&i| budget.inputs[i].group == first.group);
            let dof = if members.len() == 1 || one_group {
                first.dof
            } else {
                members
                    .iter()
                    .filter_map(|&i| budget.inputs[i].dof)
                    .filter(|v| v.is_finite())
                    .reduce(f64::min)
            };
            Cluster { members, dof }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dual_numbers_differentiate_every_function() {
        let x = Dual::variable(0.7, 0, 1);
        let h = 1e-6;
        for f in [
            Func::Sqrt,
            Func::Exp,
            Func::Ln,
            Func::Log10,
            Func::Sin,
            Func::Cos,
            Func::Tan,
            Func::Abs,
        ] {
            let d = x.apply(f).g[0];
            let fd = ((0.7 + h).apply(f) - (0.7 - h).apply(f)) / (2.0 * h);
            assert!((d - fd).abs() < 1e-6, "{f:?}: {d} vs {fd}");
        }
        let p = x.pow(&Dual::constant(3.0));
        assert!((p.g[0] - 3.0 * 0.49).abs() < 1e-12);
        // A negative base with a constant integer exponent stays defined.
        let neg = Dual::variable(-2.0, 0, 1).pow(&Dual::constant(2.0));
        assert_eq!((neg.v, neg.g[0]), (4.0, -4.0));
    }

    #[test]
    fn coverage_factor_rejects_impossible_probabilities() {
        assert!(coverage_factor(1.0, None).is_err());
        assert!(coverage_factor(0.0, Some(3.0)).is_err());
    }
}
