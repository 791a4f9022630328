//! Propagation of distributions by a Monte Carlo method (JCGM 101:2008), used as a check on the
//! law of propagation of uncertainty.
//!
//! Each trial draws every input from its probability density function (JCGM 101 6.4):
//! Gaussian, rectangular, triangular or arcsine for Type B inputs; a scaled and shifted
//! t-distribution with ν = n − 1 for a Type A mean of n readings (6.4.9) and for a Gaussian input
//! with finite degrees of freedom. Inputs that are correlated are drawn together from a joint
//! Gaussian with the stated correlation matrix (6.4.8) — the usual choice when only estimates,
//! uncertainties and correlations are known.
//!
//! The generator is ChaCha8 seeded by the caller, so a result can be reproduced exactly.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution as _, StandardNormal, StudentT};
use serde::Serialize;

use crate::model::BoundModel;
use crate::uncertainty::{Budget, Distribution, Evaluation, UncertaintyError};

/// Monte Carlo result for one output (JCGM 101 7.6, 7.7).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct McOutput {
    pub name: String,
    pub trials: usize,
    /// Average of the model values (JCGM 101 7.6).
    pub value: f64,
    pub standard_uncertainty: f64,
    /// Probabilistically symmetric coverage interval at the budget's coverage probability.
    pub coverage_interval: [f64; 2],
}

/// How each input is sampled.
enum Draw {
    Normal {
        mean: f64,
        u: f64,
    },
    StudentT {
        mean: f64,
        scale: f64,
        t: StudentT<f64>,
    },
    Rectangular {
        mean: f64,
        a: f64,
    },
    Triangular {
        mean: f64,
        a: f64,
    },
    UShaped {
        mean: f64,
        a: f64,
    },
    /// Drawn as part of a correlated set.
    Joint,
}

/// Runs `trials` trials of the model with inputs drawn from the budget. At least 10 000 trials
/// are required; JCGM 101 7.2.2 suggests 10⁶ for a 95 % interval.
///
/// ```
/// use calibration_profiles::model::Model;
/// use calibration_profiles::montecarlo::run;
/// use calibration_profiles::uncertainty::{Budget, Distribution, Evaluation, Input};
/// let model = Model::parse("y = a + b").unwrap().bind(&["a", "b"]).unwrap();
/// let rect = |name: &str| Input {
///     name: name.into(), value: 0.0, standard_uncertainty: 1.0, dof: None, unit: None,
///     evaluation: Evaluation::TypeB { distribution: Distribution::Rectangular },
///     readings: None, group: None,
/// };
/// let budget = Budget { inputs: vec![rect("a"), rect("b")], correlations: Default::default(),
///                       coverage_probability: 0.95 };
/// let r = run(&model, &budget, 200_000, 1).unwrap();
/// assert!((r[0].standard_uncertainty - 2f64.sqrt()).abs() < 0.01);
/// ```
#[allow(clippy::too_many_lines)] // setup, sampling loop and summary read best in one place
pub fn run(
    model: &BoundModel,
    budget: &Budget,
    trials: usize,
    seed: u64,
) -> Result<Vec<McOutput>, UncertaintyError> {
    if trials < 10_000 {
        return Err(UncertaintyError::MonteCarlo(format!(
            "at least 10000 trials are needed for a coverage interval, got {trials}"
        )));
    }
    if trials > 20_000_000 {
        return Err(UncertaintyError::MonteCarlo(format!(
            "at most 20000000 trials are allowed, got {trials}"
        )));
    }
    let n = budget.inputs.len();
    let joint: Vec<usize> = (0..n)
        .filter(|&i| (0..n).any(|j| j != i && budget.r(i, j) != 0.0))
        .collect();
    let chol = cholesky(&joint, budget)?;
    let mut draws = Vec::with_capacity(n);
    for (i, x) in budget.inputs.iter().enumerate() {
        let (mean, u) = (x.value, x.standard_uncertainty);
        let d = if joint.contains(&i) {
            Draw::Joint
        } else {
            match (&x.evaluation, x.dof) {
                (Evaluation::TypeB { distribution }, None) => match distribution {
                    Distribution::Normal => Draw::Normal { mean, u },
                    Distribution::Rectangular => Draw::Rectangular {
                        mean,
                        a: u * 3f64.sqrt(),
                    },
                    Distribution::Triangular => Draw::Triangular {
                        mean,
                        a: u * 6f64.sqrt(),
                    },
                    Distribution::UShaped => Draw::UShaped {
                        mean,
                        a: u * 2f64.sqrt(),
                    },
                },
                (_, Some(nu)) if nu.is_finite() && nu > 0.0 => Draw::StudentT {
                    mean,
                    scale: u,
                    t: StudentT::new(nu).map_err(|e| {
                        UncertaintyError::MonteCarlo(format!("input `{}`: {e}", x.name))
                    })?,
                },
                _ => Draw::Normal { mean, u },
            }
        };
        draws.push(d);
    }

    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let names = model.output_names();
    let mut samples: Vec<Vec<f64>> = vec![Vec::with_capacity(trials); names.len()];
    let mut x = vec![0.0; n];
    let mut z = vec![0.0; joint.len()];
    for trial in 0..trials {
        for (i, d) in draws.iter().enumerate() {
            x[i] = match d {
                Draw::Normal { mean, u } => {
                    let s: f64 = StandardNormal.sample(&mut rng);
                    mean + u * s
                }
                Draw::StudentT { mean, scale, t } => mean + scale * t.sample(&mut rng),
                Draw::Rectangular { mean, a } => mean + a * (2.0 * rng.random::<f64>() - 1.0),
                Draw::Triangular { mean, a } => {
                    mean + a * (rng.random::<f64>() - rng.random::<f64>())
                }
                Draw::UShaped { mean, a } => {
                    mean + a * (std::f64::consts::PI * rng.random::<f64>()).cos()
                }
                Draw::Joint => 0.0,
            };
        }
        if !joint.is_empty() {
            for v in &mut z {
                *v = StandardNormal.sample(&mut rng);
            }
            for (row, &i) in joint.iter().enumerate() {
                let corr: f64 = (0..=row).map(|c| chol[row][c] * z[c]).sum();
                let xi = &budget.inputs[i];
                x[i] = xi.value + xi.standard_uncertainty * corr;
            }
        }
        let ys = model.eval(&x);
        for (k, y) in ys.into_iter().enumerate() {
            if !y.is_finite() {
                return Err(UncertaintyError::MonteCarlo(format!(
                    "output `{}` is not defined at trial {trial} (inputs {x:?}); the model has a singularity within the inputs' distributions",
                    names[k]
                )));
            }
            samples[k].push(y);
        }
    }

    let p = budget.coverage_probability;
    Ok(samples
        .into_iter()
        .zip(names)
        .map(|(mut s, name)| {
            let m = s.len() as f64;
            let mean = s.iter().sum::<f64>() / m;
            let var = s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (m - 1.0);
            s.sort_by(f64::total_cmp);
            let [lo, hi] = symmetric_interval(&s, p);
            McOutput {
                name: name.to_owned(),
                trials,
                value: mean,
                standard_uncertainty: var.sqrt(),
                coverage_interval: [lo, hi],
            }
        })
        .collect())
}

/// Probabilistically symmetric coverage interval from sorted samples (JCGM 101 7.7.2): the
/// ((1 − p)/2)-quantile and the ((1 + p)/2)-quantile.
fn symmetric_interval(sorted: &[f64], p: f64) -> [f64; 2] {
    let m = sorted.len();
    // q = pM rounded to an integer, r = (M − q)/2 (JCGM 101 7.7.1–7.7.2), 1-based r and r + q.
    // p ∈ (0, 1) and m ≥ 1, so pM is a small non-negative number: the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let q = ((p * m as f64).round() as usize).min(m);
    let r = ((m - q) / 2).max(1);
    let hi = (r + q).min(m);
    [sorted[r - 1], sorted[hi - 1]]
}

/// Lower-triangular Cholesky factor of the correlation matrix of the `joint` inputs.
fn cholesky(joint: &[usize], budget: &Budget) -> Result<Vec<Vec<f64>>, UncertaintyError> {
    let k = joint.len();
    let mut l = vec![vec![0.0; k]; k];
    for a in 0..k {
        for b in 0..=a {
            let mut s = budget.r(joint[a], joint[b]);
            s -= l[a][..b]
                .iter()
                .zip(&l[b][..b])
                .map(|(x, y)| x * y)
                .sum::<f64>();
            if a == b {
                // A tiny negative pivot from rounding of a singular (but valid) matrix is zero.
                if s < -1e-12 {
                    return Err(UncertaintyError::NotPositiveDefinite);
                }
                l[a][b] = s.max(0.0).sqrt();
            } else {
                l[a][b] = if l[b][b] > 0.0 { s / l[b][b] } else { 0.0 };
            }
        }
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_interval_of_uniform_samples_has_the_right_ends() {
        let s: Vec<f64> = (1..=1000).map(f64::from).collect();
        assert_eq!(symmetric_interval(&s, 0.95), [25.0, 975.0]);
    }

    #[test]
    fn an_inconsistent_correlation_matrix_is_refused() {
        use crate::uncertainty::Input;
        let x = |n: &str| Input {
            name: n.into(),
            value: 0.0,
            standard_uncertainty: 1.0,
            dof: None,
            unit: None,
            evaluation: Evaluation::TypeB {
                distribution: Distribution::Normal,
            },
            readings: None,
            group: None,
        };
        let mut b = Budget {
            inputs: vec![x("a"), x("b"), x("c")],
            correlations: std::collections::BTreeMap::default(),
            coverage_probability: 0.95,
        };
        b.correlations.insert((0, 1), 0.9);
        b.correlations.insert((0, 2), 0.9);
        b.correlations.insert((1, 2), -0.9);
        assert_eq!(
            cholesky(&[0, 1, 2], &b),
            Err(UncertaintyError::NotPositiveDefinite)
        );
    }
}
