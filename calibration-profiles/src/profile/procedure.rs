//! Procedure profiles: one ĐLVN verification procedure or calibration method, versioned
//! (`procedures/**/<id>.toml`).
//!
//! A profile states what the bench workflow follows: the steps in the order the document sets
//! (external check, technical check, metrological check — the first failed step ends a
//! verification), the test points with their repeats, where the MPE comes from, the measurement
//! model and its uncertainty components, the decision rule, the environmental conditions that
//! must hold, and the certificate template. The workflow computes nothing the profile does not
//! state.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};

use crate::conformity::Rule;
use crate::cycles::cycles;
use crate::model::Model;
use crate::mpe::{Bilingual, Stage, check_id, tables};
use crate::problems::{Problems, SourceMap, from_toml, join};
use crate::uncertainty::Distribution;
use crate::units::{Quantity, QuantityKind, Unit};

/// Kiểm định / hiệu chuẩn / thử nghiệm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProcedureKind {
    Verification,
    Calibration,
    Test,
}

/// Verification modes: ban đầu / định kỳ / sau sửa chữa.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    Initial,
    Periodic,
    AfterRepair,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    ExternalCheck,
    TechnicalCheck,
    MetrologicalCheck,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Check {
    pub id: String,
    pub title: Bilingual,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub id: String,
    pub kind: StepKind,
    pub title: Bilingual,
    /// Items checked pass/fail (external and technical checks).
    #[serde(default)]
    pub checks: Vec<Check>,
    /// Clause of the document.
    pub clause: Option<String>,
}

/// Where the MPE of the points comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MpeSpec {
    /// Id of an MPE table (`tables/mpe/<id>.toml`).
    pub table: String,
    pub stage: Option<Stage>,
    /// A fixed class (row group) of the table, e.g. `distance` of a taximeter table.
    pub class: Option<String>,
    /// Instrument characteristic holding the accuracy class, e.g. `class`.
    pub class_from: Option<String>,
    /// Instrument characteristic holding e (weighing instruments).
    pub e_from: Option<String>,
}

/// A test point. Exactly one of `nominal`, `fraction_of_max`, `in_e` places it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Point {
    pub id: String,
    pub title: Option<Bilingual>,
    pub nominal: Option<Quantity>,
    /// Fraction of the instrument's maximum (0–1).
    pub fraction_of_max: Option<f64>,
    /// Load in verification scale intervals e.
    pub in_e: Option<f64>,
    #[serde(default = "one")]
    pub repeats: u32,
    /// MPE table for this point when it differs from the procedure's.
    pub mpe: Option<String>,
    /// Metrological step the point belongs to (the first metrological step if omitted).
    pub step: Option<String>,
}

fn one() -> u32 {
    1
}

/// Where an input quantity of the model gets its value and uncertainty during a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The readings captured at the point (Type A over the repeats).
    Reading,
    /// The reference standard's certificate (value, U, k).
    Standard,
    /// Half a digit of the instrument's resolution, rectangular.
    Resolution,
    /// Stated here in the profile (Type B).
    Stated,
    /// A recorded environmental condition.
    Environment,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelQuantity {
    pub name: String,
    pub description: Option<Bilingual>,
    pub source: Source,
    /// Estimate when stated (default 0 in `unit`).
    pub value: Option<Quantity>,
    pub distribution: Option<Distribution>,
    pub half_width: Option<Quantity>,
    pub standard_uncertainty: Option<Quantity>,
    /// Degrees of freedom (default infinite for Type B).
    pub dof: Option<f64>,
    /// For `reading`: a standard deviation pooled from earlier work, used instead of the
    /// scatter of the few readings of one run (GUM 4.2.4; EA-4/02 S2).
    pub pooled_standard_deviation: Option<Quantity>,
    pub pooled_dof: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// One equation per line, e.g. `E = I - m_ref`.
    pub equations: String,
    /// The output that is the error compared with the MPE (verification) or reported
    /// (calibration).
    pub result: String,
    pub quantities: Vec<ModelQuantity>,
    /// Coverage probability for U (default 0.9545).
    pub coverage_probability: Option<f64>,
}

/// An environmental condition that must hold during the work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub quantity: QuantityKind,
    pub min: Option<Quantity>,
    pub max: Option<Quantity>,
}

/// A procedure profile file (`schema_version = 1`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProcedureProfile {
    pub schema_version: u32,
    pub id: String,
    /// Revision of this profile; results store id + revision.
    pub revision: u32,
    pub title: Bilingual,
    /// The governing document, e.g. `ĐLVN 16:2021`.
    pub document: String,
    /// Instrument category codes (from the statutory list) the procedure applies to.
    pub categories: Vec<String>,
    pub kind: ProcedureKind,
    /// Verification modes the procedure covers (verification only).
    #[serde(default)]
    pub modes: Vec<Mode>,
    /// The quantity measured at the points and the unit results are shown in.
    pub quantity: QuantityKind,
    pub unit: Unit,
    /// Instrument characteristics the run needs (e.g. `max`, `e`, `d`, `class`).
    #[serde(default)]
    pub requires: Vec<String>,
    pub steps: Vec<Step>,
    pub mpe: Option<MpeSpec>,
    pub points: Vec<Point>,
    pub model: ModelSpec,
    /// The decision rule; required for verification (simple acceptance is the legal rule).
    pub decision_rule: Option<Rule>,
    #[serde(default)]
    pub environment: Vec<Condition>,
    pub certificate_template: String,
    pub note: Option<String>,
}

impl ProcedureProfile {
    /// Parses and validates a profile against the shipped MPE tables and statutory list,
    /// reporting every problem with its path and line.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let profile: ProcedureProfile = from_toml(text)?;
        let problems = profile.validate();
        problems
            .with_lines(&SourceMap::new(text))
            .into_result(profile)
    }

    /// The step a point belongs to.
    #[must_use]
    pub fn step_of(&self, point: &Point) -> Option<&Step> {
        match &point.step {
            Some(id) => self.steps.iter().find(|s| &s.id == id),
            None => self
                .steps
                .iter()
                .find(|s| s.kind == StepKind::MetrologicalCheck),
        }
    }

    #[allow(clippy::too_many_lines)] // one rule after another; splitting hides the list
    fn validate(&self) -> Problems {
        let mut p = Problems::default();
        if self.schema_version != 1 {
            p.at(
                "schema_version",
                format!("must be 1, got {}", self.schema_version),
            );
        }
        check_id(&mut p, "id", &self.id);
        check_id(&mut p, "certificate_template", &self.certificate_template);
        if self.revision == 0 {
            p.at("revision", "must be at least 1");
        }
        for (field, v) in [
            ("title.vi", &self.title.vi),
            ("title.en", &self.title.en),
            ("document", &self.document),
        ] {
            if v.trim().is_empty() {
                p.at(field, "must not be empty");
            }
        }
        if self.categories.is_empty() {
            p.at("categories", "name at least one instrument category");
        }
        // A verification is only for instruments on the statutory group-2 list; calibration and
        // testing serve any instrument, so their categories need only be well-formed codes.
        let known: Vec<&str> = cycles().categories().collect();
        for (i, c) in self.categories.iter().enumerate() {
            let path = format!("categories[{i}]");
            check_id(&mut p, &path, c);
            if self.kind == ProcedureKind::Verification && !known.contains(&c.as_str()) {
                p.at(
                    path,
                    format!("`{c}` is not a category of the group-2 list (tables/cycles.toml)"),
                );
            }
        }
        match self.kind {
            ProcedureKind::Verification => {
                if self.modes.is_empty() {
                    p.at("modes", "a verification procedure names its modes (initial, periodic, after_repair)");
                }
                if self.mpe.is_none() {
                    p.at("mpe", "a verification compares errors with an MPE table");
                }
                match self.decision_rule {
                    None => p.at("decision_rule", "a verification states its decision rule"),
                    Some(Rule::GuardBand { .. } | Rule::GuardBandRelative { .. }) => p.at(
                        "decision_rule",
                        "legal verification uses simple acceptance against the MPE",
                    ),
                    Some(Rule::SimpleAcceptance) => {}
                }
            }
            ProcedureKind::Calibration | ProcedureKind::Test => {
                if !self.modes.is_empty() {
                    p.at("modes", "only verification procedures have modes");
                }
            }
        }
        if self.unit.kind() != self.quantity {
            p.at(
                "unit",
                format!("`{}` is not a unit of {:?}", self.unit, self.quantity),
            );
        }

        // Steps: unique ids, document order, exactly the kinds a procedure has.
        let mut step_ids = HashSet::new();
        let mut last_kind = None;
        for (i, s) in self.steps.iter().enumerate() {
            let path = format!("steps[{i}]");
            check_id(&mut p, &join(&path, "id"), &s.id);
            if !step_ids.insert(s.id.as_str()) {
                p.at(
                    join(&path, "id"),
                    format!("step `{}` is declared twice", s.id),
                );
            }
            if last_kind.is_some_and(|k: StepKind| (k as u8) > (s.kind as u8)) {
                p.at(
                    join(&path, "kind"),
                    "steps follow the document's order: external, technical, then metrological checks",
                );
            }
            last_kind = Some(s.kind);
            if s.kind != StepKind::MetrologicalCheck && s.checks.is_empty() {
                p.at(join(&path, "checks"), "list the items checked in this step");
            }
            let mut check_ids = HashSet::new();
            for (j, c) in s.checks.iter().enumerate() {
                let cp = format!("{path}.checks[{j}]");
                check_id(&mut p, &join(&cp, "id"), &c.id);
                if !check_ids.insert(c.id.as_str()) {
                    p.at(
                        join(&cp, "id"),
                        format!("check `{}` is declared twice", c.id),
                    );
                }
            }
        }
        if !self
            .steps
            .iter()
            .any(|s| s.kind == StepKind::MetrologicalCheck)
        {
            p.at("steps", "a procedure needs a metrological_check step");
        }

        // MPE source.
        let table_known = |id: &str| tables().iter().any(|t| t.id == id);
        if let Some(m) = &self.mpe {
            match tables().iter().find(|t| t.id == m.table) {
                None => p.at("mpe.table", format!("unknown table `{}`", m.table)),
                Some(t) => {
                    if let Some(c) = &m.class {
                        if !t.classes().contains(c) {
                            p.at(
                                "mpe.class",
                                format!(
                                    "table `{}` has no class `{c}`; it has {:?}",
                                    t.id,
                                    t.classes()
                                ),
                            );
                        }
                        if m.class_from.is_some() {
                            p.at("mpe.class", "give class or class_from, not both");
                        }
                    }
                }
            }
            for (field, v) in [("mpe.class_from", &m.class_from), ("mpe.e_from", &m.e_from)] {
                if let Some(v) = v
                    && !self.requires.contains(v)
                {
                    p.at(field, format!("`{v}` must be listed in `requires`"));
                }
            }
        }

        // Points.
        if self.points.is_empty() {
            p.at("points", "declare at least one test point");
        }
        let mut point_ids = HashSet::new();
        for (i, pt) in self.points.iter().enumerate() {
            let path = format!("points[{i}]");
            check_id(&mut p, &join(&path, "id"), &pt.id);
            if !point_ids.insert(pt.id.as_str()) {
                p.at(
                    join(&path, "id"),
                    format!("point `{}` is declared twice", pt.id),
                );
            }
            let placed = [
                pt.nominal.is_some(),
                pt.fraction_of_max.is_some(),
                pt.in_e.is_some(),
            ]
            .iter()
            .filter(|b| **b)
            .count();
            if placed != 1 {
                p.at(&path, "give exactly one of nominal, fraction_of_max, in_e");
            }
            if let Some(n) = &pt.nominal
                && n.unit.kind() != self.quantity
            {
                p.at(
                    join(&path, "nominal"),
                    format!("`{}` is not a unit of {:?}", n.unit, self.quantity),
                );
            }
            if pt
                .fraction_of_max
                .is_some_and(|f| !(0.0..=1.0).contains(&f))
            {
                p.at(join(&path, "fraction_of_max"), "must be between 0 and 1");
            }
            if pt.fraction_of_max.is_some() && !self.requires.iter().any(|r| r == "max") {
                p.at(join(&path, "fraction_of_max"), "needs `max` in `requires`");
            }
            if let Some(e) = pt.in_e {
                if e < 0.0 {
                    p.at(join(&path, "in_e"), "must not be negative");
                }
                if !self.requires.iter().any(|r| r == "e") {
                    p.at(join(&path, "in_e"), "needs `e` in `requires`");
                }
            }
            if pt.repeats == 0 || pt.repeats > 100 {
                p.at(join(&path, "repeats"), "must be 1 to 100");
            }
            if let Some(t) = &pt.mpe
                && !table_known(t)
            {
                p.at(join(&path, "mpe"), format!("unknown table `{t}`"));
            }
            if let Some(s) = &pt.step {
                match self.steps.iter().find(|x| &x.id == s) {
                    None => p.at(join(&path, "step"), format!("unknown step `{s}`")),
                    Some(x) if x.kind != StepKind::MetrologicalCheck => p.at(
                        join(&path, "step"),
                        format!("step `{s}` is not a metrological check"),
                    ),
                    Some(_) => {}
                }
            }
        }

        self.validate_model(&mut p);

        for (i, c) in self.environment.iter().enumerate() {
            let path = format!("environment[{i}]");
            if c.min.is_none() && c.max.is_none() {
                p.at(&path, "give min, max or both");
            }
            for (field, q) in [("min", &c.min), ("max", &c.max)] {
                if let Some(q) = q
                    && q.unit.kind() != c.quantity
                {
                    p.at(
                        join(&path, field),
                        format!("`{}` is not a unit of {:?}", q.unit, c.quantity),
                    );
                }
            }
            if let (Some(lo), Some(hi)) = (&c.min, &c.max)
                && hi
                    .unit
                    .convert_value(hi.value, lo.unit)
                    .is_ok_and(|h| h <= lo.value)
            {
                p.at(join(&path, "max"), "must be above min");
            }
        }
        p
    }

    fn validate_model(&self, p: &mut Problems) {
        let m = &self.model;
        let model = match Model::parse(&m.equations) {
            Ok(model) => model,
            Err(errs) => {
                for e in errs {
                    p.at(
                        "model.equations",
                        format!("equation {}: {}", e.equation + 1, e),
                    );
                }
                return;
            }
        };
        if !model.output_names().contains(&m.result.as_str()) {
            p.at(
                "model.result",
                format!("`{}` is not an output of the equations", m.result),
            );
        }
        let declared: Vec<&str> = m.quantities.iter().map(|q| q.name.as_str()).collect();
        if let Err(errs) = model.bind(&declared) {
            for e in errs {
                p.at("model.equations", e.message);
            }
        }
        let used = model.input_names();
        let mut seen = HashSet::new();
        for (i, q) in m.quantities.iter().enumerate() {
            let path = format!("model.quantities[{i}]");
            if !seen.insert(q.name.as_str()) {
                p.at(
                    join(&path, "name"),
                    format!("`{}` is declared twice", q.name),
                );
            }
            if !used.contains(&q.name.as_str()) {
                p.at(
                    join(&path, "name"),
                    format!("`{}` is not used by the equations", q.name),
                );
            }
            let stated = q.half_width.is_some() || q.standard_uncertainty.is_some();
            match q.source {
                Source::Stated => {
                    match (&q.distribution, &q.half_width, &q.standard_uncertainty) {
                        (Some(_), Some(_), None) | (None | Some(Distribution::Normal), None, Some(_)) => {}
                        _ => p.at(
                            &path,
                            "a stated quantity gives `distribution` with `half_width`, or `standard_uncertainty`",
                        ),
                    }
                }
                Source::Reading => {
                    if stated {
                        p.at(&path, "a reading's uncertainty comes from the readings; remove half_width/standard_uncertainty");
                    }
                    if q.pooled_standard_deviation.is_some() != q.pooled_dof.is_some() {
                        p.at(&path, "give pooled_standard_deviation together with pooled_dof");
                    }
                }
                Source::Standard | Source::Resolution | Source::Environment => {
                    if stated || q.distribution.is_some() {
                        p.at(
                            &path,
                            "the uncertainty of this source comes from the run (certificate, resolution or sensor); remove distribution/half_width/standard_uncertainty",
                        );
                    }
                }
            }
            for (field, v) in [
                ("half_width", &q.half_width),
                ("standard_uncertainty", &q.standard_uncertainty),
                ("pooled_standard_deviation", &q.pooled_standard_deviation),
            ] {
                if let Some(v) = v
                    && !(v.value > 0.0)
                {
                    p.at(
                        join(&path, field),
                        format!("must be greater than 0, got {v}"),
                    );
                }
            }
            for (field, v) in [("dof", q.dof), ("pooled_dof", q.pooled_dof)] {
                if v.is_some_and(|d| !(d >= 1.0)) {
                    p.at(join(&path, field), "must be at least 1");
                }
            }
        }
        if let Some(cp) = m.coverage_probability
            && !(cp > 0.5 && cp < 1.0)
        {
            p.at("model.coverage_probability", "must be between 0.5 and 1");
        }
    }
}
