//! Straight-line calibration by least squares, y = a + b·x (GUM H.3; ISO/TS 28037 for the
//! weighted case).
//!
//! Without y uncertainties the fit is ordinary least squares and the parameter uncertainties come
//! from the residual standard deviation s with n − 2 degrees of freedom (GUM H.3.2–H.3.4).
//! With known standard uncertainties u(y_i) the fit is weighted by 1/u²(y_i) and the parameter
//! covariance is (XᵀWX)⁻¹; the chi-squared value Σ w_i r_i² is reported so the consistency of
//! the data with the stated uncertainties can be judged (expected ≈ n − 2).

use serde::Serialize;

/// Why a regression cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RegressionError {
    #[error("x and y: need the same number of values, got {0} and {1}")]
    Lengths(usize, usize),
    #[error("u_y: need one uncertainty per y value, got {0} for {1} values")]
    UncertaintyLengths(usize, usize),
    #[error("x: need at least 3 points to fit a line and estimate its uncertainty, got {0}")]
    TooFew(usize),
    #[error("x: all x values are equal; a slope cannot be determined")]
    NoSpread,
    #[error("{field}[{index}]: must be a finite number")]
    NotFinite { field: &'static str, index: usize },
    #[error("u_y[{0}]: must be greater than 0")]
    NonPositiveUncertainty(usize),
}

/// Value of the fitted line at x₀ and its standard uncertainty (GUM H.3.4).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Prediction {
    pub x0: f64,
    pub value: f64,
    pub standard_uncertainty: f64,
}

/// The fitted line and its uncertainties.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LineFit {
    pub intercept: f64,
    pub slope: f64,
    pub u_intercept: f64,
    pub u_slope: f64,
    /// Covariance u(a, b).
    pub covariance: f64,
    /// Correlation coefficient r(a, b).
    pub correlation: f64,
    /// s = √(Σ r_i² / (n − 2)).
    pub residual_standard_deviation: f64,
    pub degrees_of_freedom: usize,
    /// Σ r_i²/u²(y_i), only for a weighted fit.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chi_squared: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prediction: Option<Prediction>,
}

impl LineFit {
    /// The fitted value at `x0` and its standard uncertainty
    /// u²(ŷ) = u²(a) + x₀² u²(b) + 2 x₀ u(a, b).
    #[must_use]
    pub fn predict(&self, x0: f64) -> Prediction {
        let var =
            self.u_intercept.powi(2) + x0 * x0 * self.u_slope.powi(2) + 2.0 * x0 * self.covariance;
        Prediction {
            x0,
            value: self.intercept + self.slope * x0,
            standard_uncertainty: var.max(0.0).sqrt(),
        }
    }
}

/// Fits y = a + b·x. With `u_y` the fit is weighted (ISO/TS 28037 clause 6), otherwise it is
/// ordinary least squares (GUM H.3).
///
/// ```
/// use calibration_profiles::regression::fit_line;
/// let f = fit_line(&[0.0, 1.0, 2.0, 3.0], &[1.0, 3.1, 4.9, 7.0], None).unwrap();
/// assert!((f.slope - 1.98).abs() < 1e-12);
/// assert!((f.intercept - 1.03).abs() < 1e-12);
/// assert_eq!(f.degrees_of_freedom, 2);
/// ```
pub fn fit_line(x: &[f64], y: &[f64], u_y: Option<&[f64]>) -> Result<LineFit, RegressionError> {
    if x.len() != y.len() {
        return Err(RegressionError::Lengths(x.len(), y.len()));
    }
    let n = x.len();
    if n < 3 {
        return Err(RegressionError::TooFew(n));
    }
    for (field, v) in [("x", x), ("y", y)] {
        if let Some(index) = v.iter().position(|v| !v.is_finite()) {
            return Err(RegressionError::NotFinite { field, index });
        }
    }
    // Weights 1/u²; all ones for ordinary least squares.
    let w: Vec<f64> = match u_y {
        Some(u) => {
            if u.len() != n {
                return Err(RegressionError::UncertaintyLengths(u.len(), n));
            }
            if let Some(index) = u.iter().position(|v| !v.is_finite()) {
                return Err(RegressionError::NotFinite {
                    field: "u_y",
                    index,
                });
            }
            if let Some(i) = u.iter().position(|v| *v <= 0.0) {
                return Err(RegressionError::NonPositiveUncertainty(i));
            }
            u.iter().map(|u| 1.0 / (u * u)).collect()
        }
        None => vec![1.0; n],
    };
    let sw: f64 = w.iter().sum();
    let xw = x.iter().zip(&w).map(|(x, w)| x * w).sum::<f64>() / sw;
    let yw = y.iter().zip(&w).map(|(y, w)| y * w).sum::<f64>() / sw;
    // Centred sums keep the arithmetic well conditioned for large x offsets.
    let sxx: f64 = x.iter().zip(&w).map(|(x, w)| w * (x - xw).powi(2)).sum();
    if sxx <= 0.0 || !sxx.is_finite() {
        return Err(RegressionError::NoSpread);
    }
    let sxy: f64 = x
        .iter()
        .zip(y)
        .zip(&w)
        .map(|((x, y), w)| w * (x - xw) * (y - yw))
        .sum();
    let slope = sxy / sxx;
    let intercept = yw - slope * xw;
    let residuals: Vec<f64> = x
        .iter()
        .zip(y)
        .map(|(x, y)| y - (intercept + slope * x))
        .collect();
    let dof = n - 2;
    let ss: f64 = residuals.iter().map(|r| r * r).sum();
    let s = (ss / dof as f64).sqrt();
    // Scale of the parameter covariance: s² for OLS (GUM H.3.3), 1 when u(y) are known.
    let (scale, chi_squared) = if u_y.is_some() {
        let chi2: f64 = residuals.iter().zip(&w).map(|(r, w)| w * r * r).sum();
        (1.0, Some(chi2))
    } else {
        (s * s, None)
    };
    let var_b = scale / sxx;
    let var_a = scale * (1.0 / sw + xw * xw / sxx);
    let cov = -xw * scale / sxx;
    let (u_a, u_b) = (var_a.sqrt(), var_b.sqrt());
    let correlation = if u_a > 0.0 && u_b > 0.0 {
        cov / (u_a * u_b)
    } else {
        0.0
    };
    Ok(LineFit {
        intercept,
        slope,
        u_intercept: u_a,
        u_slope: u_b,
        covariance: cov,
        correlation,
        residual_standard_deviation: s,
        degrees_of_freedom: dof,
        chi_squared,
        prediction: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_weights_give_the_ordinary_fit_scaled() {
        let x = [1.0, 2.0, 3.0, 4.0, 5.0];
        let y = [2.1, 3.9, 6.2, 7.8, 10.1];
        let ols = fit_line(&x, &y, None).unwrap();
        let wls = fit_line(&x, &y, Some(&[0.1; 5])).unwrap();
        assert!((ols.slope - wls.slope).abs() < 1e-12);
        assert!((ols.intercept - wls.intercept).abs() < 1e-12);
        // With u = 0.1, u(b)² = 0.01/Sxx.
        assert!((wls.u_slope - (0.01f64 / 10.0).sqrt()).abs() < 1e-12);
    }

    #[test]
    fn names_the_problem_with_bad_data() {
        assert_eq!(
            fit_line(&[1.0, 2.0], &[1.0], None),
            Err(RegressionError::Lengths(2, 1))
        );
        assert_eq!(
            fit_line(&[1.0; 4], &[1.0, 2.0, 3.0, 4.0], None),
            Err(RegressionError::NoSpread)
        );
        assert_eq!(
            fit_line(&[1.0, 2.0, 3.0], &[1.0, 2.0, 3.0], Some(&[0.1, 0.0, 0.1])),
            Err(RegressionError::NonPositiveUncertainty(1))
        );
    }
}
