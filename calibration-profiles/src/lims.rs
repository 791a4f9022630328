//! Test methods and specification limits as data (`tables/test-methods.toml`,
//! `tables/specifications.toml`), and the evaluation of a test result against them: replicates,
//! the repeatability check, results below LOD / LOQ, the expanded uncertainty, and conformity to
//! the limit under a stated decision rule (ILAC-G8:09/2019).
//!
//! Key decisions:
//! - The digits typed are kept (replicates are decimal texts); the mean is rounded to the
//!   method's decimals only for the reported value.
//! - Duplicates further apart than the method's repeatability limit r are not averaged: the
//!   analyst is told to repeat the test (ISO 5725-6 §5.2.2: |x₁ − x₂| ≤ r).
//! - A mean below the LOD is reported as "< LOD", between LOD and LOQ as "< LOQ", never as a
//!   number; against a limit such a result conforms only when the bound itself does (a "< 3"
//!   result meets "≤ 10"), does not conform when the bound proves it (a "< 3" result cannot meet
//!   "≥ 5"), and is otherwise indeterminate.
//! - The decision rule is simple acceptance unless the caller asks for a guard band; its
//!   statement goes into the report with the result (ISO/IEC 17025 §7.8.6).

use std::collections::BTreeSet;
use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::conformity::{self, Limits, Outcome, Request, Rule};
use crate::date::Date;
use crate::mpe::{Bilingual, Confidence};
use crate::problems::{Problems, SourceMap, from_toml};

/// How a method's expanded uncertainty (k = 2) is obtained.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum UncertaintyModel {
    /// U = p % of the result.
    RelativePercent(f64),
    /// U = a, in the method's unit.
    Absolute(f64),
    /// From the reproducibility limit R of the method's precision statement: u = R / 2.8
    /// (R = 2.8·σ_R, ISO 5725-6 §4.1.4), U = 2u.
    Reproducibility(f64),
}

/// A test method.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Method {
    /// The method's designation ("TCVN 6701:2011").
    pub id: String,
    pub name: Bilingual,
    /// The characteristic it measures (`sulfur`, `ron`…).
    pub characteristic: String,
    /// Unit of the result ("mg/kg", "% thể tích", "1" for a number without unit).
    pub unit: String,
    /// Decimals of the reported value.
    pub decimals: u8,
    pub lod: Option<f64>,
    pub loq: Option<f64>,
    /// Repeatability limit r for duplicates, in the method's unit.
    pub repeatability: Option<f64>,
    pub uncertainty: UncertaintyModel,
    pub source: String,
    pub confidence: Confidence,
}

/// One limit of a specification.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub characteristic: String,
    pub product_types: Vec<String>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    pub unit: String,
    /// Methods whose results this limit judges.
    pub methods: Vec<String>,
    /// Where the limit is written ("QCVN 1:2022/BKHCN, Bảng 1").
    pub clause: String,
}

impl Limit {
    /// The limit as printed: "≥ 95", "≤ 2,5", "720 – 775" (decimal comma when `comma`).
    #[must_use]
    pub fn text(&self, comma: bool) -> String {
        let n = |v: f64| {
            let s = format!("{v}");
            if comma { s.replace('.', ",") } else { s }
        };
        match (self.min, self.max) {
            (Some(a), Some(b)) => format!("{} – {}", n(a), n(b)),
            (Some(a), None) => format!("≥ {}", n(a)),
            (None, Some(b)) => format!("≤ {}", n(b)),
            (None, None) => String::new(),
        }
    }
}

/// A technical regulation or standard with its limits, from a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Specification {
    pub id: String,
    pub title: Bilingual,
    pub effective_from: Date,
    #[serde(default)]
    pub effective_to: Option<Date>,
    pub confidence: Confidence,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub limit: Vec<Limit>,
}

/// A sample type the laboratories receive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SampleType {
    pub code: String,
    pub name: Bilingual,
}

/// The methods file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Methods {
    pub schema_version: u32,
    pub method: Vec<Method>,
}

/// The specifications file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Specifications {
    pub schema_version: u32,
    pub sample_type: Vec<SampleType>,
    pub specification: Vec<Specification>,
}

fn positive(p: &mut Problems, path: String, v: Option<f64>) {
    if v.is_some_and(|v| !(v.is_finite() && v > 0.0)) {
        p.at(path, "must be a number above zero");
    }
}

impl Methods {
    /// Parses and validates; every problem comes back with its path and line.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let m: Methods = from_toml(text)?;
        let mut p = Problems::default();
        if m.schema_version != 1 {
            p.at("schema_version", "must be 1");
        }
        let mut seen = BTreeSet::new();
        for (i, x) in m.method.iter().enumerate() {
            if !seen.insert(x.id.clone()) {
                p.at(
                    format!("method[{i}].id"),
                    format!("`{}` is listed twice", x.id),
                );
            }
            positive(&mut p, format!("method[{i}].lod"), x.lod);
            positive(&mut p, format!("method[{i}].loq"), x.loq);
            positive(
                &mut p,
                format!("method[{i}].repeatability"),
                x.repeatability,
            );
            if let (Some(lod), Some(loq)) = (x.lod, x.loq)
                && loq < lod
            {
                p.at(
                    format!("method[{i}].loq"),
                    format!("{loq} is below the LOD {lod}"),
                );
            }
            let u = match x.uncertainty {
                UncertaintyModel::RelativePercent(v)
                | UncertaintyModel::Absolute(v)
                | UncertaintyModel::Reproducibility(v) => v,
            };
            positive(&mut p, format!("method[{i}].uncertainty"), Some(u));
            if x.decimals > 9 {
                p.at(format!("method[{i}].decimals"), "at most 9");
            }
        }
        p.with_lines(&SourceMap::new(text)).into_result(m)
    }

    /// The methods shipped in `tables/test-methods.toml`, parsed once.
    ///
    /// # Panics
    /// Never at run time for a build whose tests passed: the shipped file is checked by them.
    pub fn shipped() -> &'static Methods {
        static M: OnceLock<Methods> = OnceLock::new();
        M.get_or_init(|| {
            Methods::from_toml(include_str!("../tables/test-methods.toml")).unwrap_or_else(|p| {
                panic!("invariant: the shipped tables/test-methods.toml is valid (checked by tests): {p}")
            })
        })
    }

    #[must_use]
    pub fn get(&self, id: &str) -> Option<&Method> {
        self.method.iter().find(|m| m.id == id)
    }
}

impl Specifications {
    /// Parses and validates; every problem comes back with its path and line.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let s: Specifications = from_toml(text)?;
        let mut p = Problems::default();
        if s.schema_version != 1 {
            p.at("schema_version", "must be 1");
        }
        for (i, spec) in s.specification.iter().enumerate() {
            for (j, l) in spec.limit.iter().enumerate() {
                let at = format!("specification[{i}].limit[{j}]");
                match (l.min, l.max) {
                    (None, None) => p.at(format!("{at}.min"), "give min, max or both"),
                    (Some(a), Some(b)) if a >= b => {
                        p.at(format!("{at}.min"), format!("{a} is not below max {b}"));
                    }
                    _ => {}
                }
                if l.product_types.is_empty() {
                    p.at(
                        format!("{at}.product_types"),
                        "name at least one product type",
                    );
                }
                if l.clause.trim().is_empty() {
                    p.at(format!("{at}.clause"), "cite where the limit is written");
                }
            }
        }
        p.with_lines(&SourceMap::new(text)).into_result(s)
    }

    /// The specifications shipped in `tables/specifications.toml`, parsed once.
    ///
    /// # Panics
    /// Never at run time for a build whose tests passed: the shipped file is checked by them.
    pub fn shipped() -> &'static Specifications {
        static S: OnceLock<Specifications> = OnceLock::new();
        S.get_or_init(|| {
            Specifications::from_toml(include_str!("../tables/specifications.toml")).unwrap_or_else(|p| {
                panic!("invariant: the shipped tables/specifications.toml is valid (checked by tests): {p}")
            })
        })
    }

    /// The version of specification `id` in force on `day`.
    #[must_use]
    pub fn in_force(&self, id: &str, day: NaiveDate) -> Option<&Specification> {
        self.specification.iter().find(|s| {
            s.id == id && s.effective_from.0 <= day && s.effective_to.is_none_or(|t| day <= t.0)
        })
    }

    /// The limit of `characteristic` for `product_type` in specification `id` on `day`.
    #[must_use]
    pub fn limit(
        &self,
        id: &str,
        day: NaiveDate,
        product_type: &str,
        characteristic: &str,
    ) -> Option<&Limit> {
        self.in_force(id, day)?.limit.iter().find(|l| {
            l.characteristic == characteristic && l.product_types.iter().any(|t| t == product_type)
        })
    }

    #[must_use]
    pub fn sample_type(&self, code: &str) -> Option<&SampleType> {
        self.sample_type.iter().find(|t| t.code == code)
    }
}

/// Where a reported result stands against the method's limits of detection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Reporting {
    /// A number.
    Value,
    /// Below the limit of detection: reported "< LOD".
    BelowLod,
    /// Detected but below the limit of quantification: reported "< LOQ".
    BelowLoq,
}

/// Conformity of one result to its limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Conformity {
    Conforms,
    DoesNotConform,
    /// A "< LOD/LOQ" result whose bound does not settle the question.
    Indeterminate,
    /// No limit applies (the result is reported for information).
    NoLimit,
}

impl Conformity {
    /// The stored word.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Conforms => "conforms",
            Self::DoesNotConform => "does_not_conform",
            Self::Indeterminate => "indeterminate",
            Self::NoLimit => "no_limit",
        }
    }

    /// Vietnamese and English words for the report.
    #[must_use]
    pub fn label(self) -> (&'static str, &'static str) {
        match self {
            Self::Conforms => ("Đạt", "Conforms"),
            Self::DoesNotConform => ("Không đạt", "Does not conform"),
            Self::Indeterminate => ("Không kết luận được", "Indeterminate"),
            Self::NoLimit => ("–", "–"),
        }
    }
}

/// The evaluation of one result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Evaluated {
    /// Mean of the replicates (unrounded).
    pub mean: f64,
    pub reporting: Reporting,
    /// The value reported: the rounded mean, or the LOD/LOQ bound for "<" results.
    pub reported_value: f64,
    pub decimals: u8,
    /// U (k = 2) of the mean, in the method's unit; `None` for "<" results.
    pub expanded_uncertainty: Option<f64>,
    pub conformity: Conformity,
    /// The rule applied, stated for the report.
    pub decision_rule: Bilingual,
}

impl Evaluated {
    /// The result as printed: "8,2", "< 3" (decimal comma when `comma`).
    #[must_use]
    pub fn text(&self, comma: bool) -> String {
        let n = format!("{:.*}", usize::from(self.decimals), self.reported_value);
        let n = if comma { n.replace('.', ",") } else { n };
        match self.reporting {
            Reporting::Value => n,
            Reporting::BelowLod | Reporting::BelowLoq => format!("< {n}"),
        }
    }
}

/// Why a result cannot be evaluated.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ResultError {
    #[error("replicates: give at least one value")]
    NoReplicate,
    #[error("replicates[{index}]: `{text}` is not a number")]
    NotANumber { index: usize, text: String },
    /// Duplicates disagree beyond the repeatability limit: repeat the test.
    #[error(
        "replicates: {a} and {b} differ by {diff}, more than the repeatability limit r = {r} of {method}: repeat the test"
    )]
    Repeatability {
        a: String,
        b: String,
        diff: String,
        r: f64,
        method: String,
    },
    #[error("the limit is in {limit_unit} but the method reports in {method_unit}")]
    UnitMismatch {
        limit_unit: String,
        method_unit: String,
    },
    #[error("the limit of {characteristic} does not judge results of {method}")]
    MethodNotForLimit {
        characteristic: String,
        method: String,
    },
}

fn parse_decimal(text: &str) -> Option<f64> {
    let t = text.trim().replace(',', ".");
    t.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn round_to(v: f64, decimals: u8) -> f64 {
    let f = 10f64.powi(i32::from(decimals));
    (v * f).round() / f
}

/// Evaluates a result (its replicates as typed) by `method` against `limit` under `rule`.
///
/// ```
/// use calibration_profiles::lims::{evaluate, Conformity, Methods, Specifications};
/// use calibration_profiles::conformity::Rule;
/// use chrono::NaiveDate;
/// let sulfur = Methods::shipped().get("TCVN 6701:2011").unwrap();
/// let day = NaiveDate::from_ymd_opt(2026, 5, 4).unwrap();
/// let limit = Specifications::shipped().limit("QCVN 1:2022/BKHCN", day, "petrol_ron95", "sulfur");
/// // Duplicates 41 and 43 mg/kg (r = 3): mean 42, below the 150 mg/kg maximum.
/// let e = evaluate(sulfur, limit, &["41".into(), "43".into()], Rule::SimpleAcceptance).unwrap();
/// assert_eq!((e.text(true), e.conformity), ("42".to_owned(), Conformity::Conforms));
/// ```
pub fn evaluate(
    method: &Method,
    limit: Option<&Limit>,
    replicates: &[String],
    rule: Rule,
) -> Result<Evaluated, ResultError> {
    if replicates.is_empty() {
        return Err(ResultError::NoReplicate);
    }
    if let Some(l) = limit {
        if l.unit != method.unit {
            return Err(ResultError::UnitMismatch {
                limit_unit: l.unit.clone(),
                method_unit: method.unit.clone(),
            });
        }
        if !l.methods.contains(&method.id) {
            return Err(ResultError::MethodNotForLimit {
                characteristic: l.characteristic.clone(),
                method: method.id.clone(),
            });
        }
    }
    let values = replicates
        .iter()
        .enumerate()
        .map(|(index, t)| {
            parse_decimal(t).ok_or_else(|| ResultError::NotANumber {
                index,
                text: t.clone(),
            })
        })
        .collect::<Result<Vec<f64>, _>>()?;
    if let (Some(r), [a, b]) = (method.repeatability, values.as_slice()) {
        let diff = (a - b).abs();
        // A difference equal to r passes; the comparison allows for binary rounding.
        if diff > r * (1.0 + 1e-9) {
            return Err(ResultError::Repeatability {
                a: replicates[0].trim().to_owned(),
                b: replicates[1].trim().to_owned(),
                diff: format!("{:.*}", usize::from(method.decimals) + 1, diff),
                r,
                method: method.id.clone(),
            });
        }
    }
    #[allow(clippy::cast_precision_loss)]
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let (reporting, reported_value) = match (method.lod, method.loq) {
        (Some(lod), _) if mean < lod => (Reporting::BelowLod, lod),
        (_, Some(loq)) if mean < loq => (Reporting::BelowLoq, loq),
        _ => (Reporting::Value, round_to(mean, method.decimals)),
    };
    let expanded_uncertainty = (reporting == Reporting::Value).then(|| match method.uncertainty {
        UncertaintyModel::RelativePercent(p) => p / 100.0 * mean.abs(),
        UncertaintyModel::Absolute(a) => a,
        UncertaintyModel::Reproducibility(r) => 2.0 * r / 2.8,
    });
    let decision_rule = match rule {
        Rule::SimpleAcceptance => Bilingual {
            vi: "Quy tắc chấp nhận đơn giản (ILAC-G8:09/2019, 4.2.1): kết quả được so trực tiếp với giới hạn; độ không đảm bảo đo được công bố nhưng không dùng để thu hẹp vùng chấp nhận.".into(),
            en: "Simple acceptance (ILAC-G8:09/2019, 4.2.1): the result is compared with the limit; the uncertainty is stated but does not narrow the acceptance zone.".into(),
        },
        Rule::GuardBand { .. } | Rule::GuardBandRelative { .. } => Bilingual {
            vi: "Chấp nhận có dải bảo vệ (ILAC-G8:09/2019, 4.2.2): vùng chấp nhận thu hẹp theo độ không đảm bảo đo mở rộng.".into(),
            en: "Guarded acceptance (ILAC-G8:09/2019, 4.2.2): the acceptance zone is narrowed by the expanded uncertainty.".into(),
        },
    };
    let conformity = match limit {
        None => Conformity::NoLimit,
        Some(l) => match reporting {
            // The true value lies below `bound`.
            Reporting::BelowLod | Reporting::BelowLoq => {
                let bound = reported_value;
                if l.min.is_some_and(|min| bound <= min) {
                    Conformity::DoesNotConform
                } else if l.min.is_none() && l.max.is_some_and(|max| bound <= max) {
                    Conformity::Conforms
                } else {
                    Conformity::Indeterminate
                }
            }
            Reporting::Value => {
                let d = conformity::decide(&Request {
                    measured: reported_value,
                    expanded_uncertainty: expanded_uncertainty.unwrap_or(0.0),
                    coverage_factor: 2.0,
                    dof: None,
                    limits: Limits {
                        lower: l.min,
                        upper: l.max,
                    },
                    rule,
                    binary: true,
                });
                match d.map(|d| d.outcome) {
                    Ok(Outcome::Pass | Outcome::ConditionalPass) => Conformity::Conforms,
                    Ok(Outcome::Fail | Outcome::ConditionalFail) => Conformity::DoesNotConform,
                    Err(_) => Conformity::Indeterminate,
                }
            }
        },
    };
    Ok(Evaluated {
        mean,
        reporting,
        reported_value,
        decimals: method.decimals,
        expanded_uncertainty,
        conformity,
        decision_rule,
    })
}
