//! Statutory verification cycles (chu kỳ kiểm định) of group-2 measuring instruments, as data:
//! Circular 23/2013/TT-BKHCN as amended by 07/2019 and 03/2024 (consolidated 02/VBHN-BKHCN).
//!
//! A category may have several rows over time; the row in force on a date decides the cycle,
//! so an old verification keeps the cycle of its day. Rows not yet checked against the primary
//! text carry `confidence = "unconfirmed"`.

use std::sync::OnceLock;

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::mpe::{Bilingual, Confidence, check_id};
use crate::problems::{Problems, SourceMap, from_toml};

/// A control measure (biện pháp kiểm soát về đo lường).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ControlMeasure {
    /// Phê duyệt mẫu.
    PatternApproval,
    /// Kiểm định ban đầu.
    Initial,
    /// Kiểm định định kỳ.
    Periodic,
    /// Kiểm định sau sửa chữa.
    AfterRepair,
}

/// One row of the list: a category's control measures and cycle over a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Cycle {
    pub category: String,
    pub name: Bilingual,
    pub control_measures: Vec<ControlMeasure>,
    /// `None` when the list prescribes no periodic verification.
    pub months: Option<u32>,
    /// The ĐLVN verification procedure, when known.
    pub procedure: Option<String>,
    pub legal_basis: String,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// The cycles file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CycleList {
    pub schema_version: u32,
    pub cycle: Vec<Cycle>,
}

impl CycleList {
    /// Parses and validates; rows of one category must not overlap in time.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let list: CycleList = from_toml(text)?;
        let mut p = Problems::default();
        if list.schema_version != 1 {
            p.at("schema_version", "must be 1");
        }
        for (i, c) in list.cycle.iter().enumerate() {
            let path = format!("cycle[{i}]");
            check_id(&mut p, &format!("{path}.category"), &c.category);
            if c.months == Some(0) {
                p.at(
                    format!("{path}.months"),
                    "must be at least 1; omit it when there is no periodic verification",
                );
            }
            if c.months.is_some() && !c.control_measures.contains(&ControlMeasure::Periodic) {
                p.at(
                    format!("{path}.months"),
                    "a cycle needs the periodic control measure",
                );
            }
            if c.effective_to.is_some_and(|t| t < c.effective_from) {
                p.at(
                    format!("{path}.effective_to"),
                    "must not be before effective_from",
                );
            }
            for (j, d) in list.cycle.iter().enumerate().take(i) {
                if d.category == c.category && overlaps(c, d) {
                    p.at(
                        format!("{path}.effective_from"),
                        format!("overlaps cycle[{j}] of the same category `{}`", c.category),
                    );
                }
            }
        }
        p.with_lines(&SourceMap::new(text)).into_result(list)
    }

    /// The row of `category` in force on `date`.
    #[must_use]
    pub fn in_force(&self, category: &str, date: NaiveDate) -> Option<&Cycle> {
        self.cycle.iter().find(|c| {
            c.category == category
                && c.effective_from.0 <= date
                && c.effective_to.is_none_or(|t| date <= t.0)
        })
    }

    /// Every category code known to the list.
    pub fn categories(&self) -> impl Iterator<Item = &str> {
        let mut seen: Vec<&str> = Vec::new();
        self.cycle.iter().filter_map(move |c| {
            if seen.contains(&c.category.as_str()) {
                None
            } else {
                seen.push(&c.category);
                Some(c.category.as_str())
            }
        })
    }
}

fn overlaps(a: &Cycle, b: &Cycle) -> bool {
    let end = |c: &Cycle| c.effective_to.map_or(NaiveDate::MAX, |d| d.0);
    a.effective_from.0 <= end(b) && b.effective_from.0 <= end(a)
}

impl Cycle {
    /// Validity end of a verification done on `verified_on`: the same day `months` later
    /// (clamped to the month's end), `None` without a periodic cycle.
    ///
    /// ```
    /// use calibration_profiles::cycles::cycles;
    /// use chrono::NaiveDate;
    /// let taxi = cycles().in_force("taximeter", NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()).unwrap();
    /// assert_eq!(taxi.months, Some(18));
    /// assert_eq!(taxi.valid_until(NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()),
    ///            NaiveDate::from_ymd_opt(2027, 9, 30));
    /// ```
    #[must_use]
    pub fn valid_until(&self, verified_on: NaiveDate) -> Option<NaiveDate> {
        self.months
            .and_then(|m| verified_on.checked_add_months(Months::new(m)))
    }
}

/// The shipped list.
pub const SHIPPED: &str = include_str!("../tables/cycles.toml");

/// The shipped list, parsed once (its validity is a test of this crate).
///
/// # Panics
/// Never at run time for a build whose tests passed: the shipped file is checked by the tests.
pub fn cycles() -> &'static CycleList {
    static LIST: OnceLock<CycleList> = OnceLock::new();
    LIST.get_or_init(|| {
        CycleList::from_toml(SHIPPED).unwrap_or_else(|p| {
            panic!("invariant: the shipped tables/cycles.toml is valid (checked by tests): {p}")
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_list_loads() {
        assert!(cycles().cycle.len() > 20);
    }

    #[test]
    fn an_old_verification_keeps_the_cycle_of_its_day() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        let l = cycles();
        assert_eq!(
            l.in_force("taximeter", d(2020, 5, 1)).unwrap().months,
            Some(12)
        );
        assert_eq!(
            l.in_force("taximeter", d(2024, 10, 15)).unwrap().months,
            Some(18)
        );
        assert!(l.in_force("no-such-thing", d(2024, 1, 1)).is_none());
    }

    #[test]
    fn overlapping_rows_are_refused() {
        let text = r#"schema_version = 1
[[cycle]]
category = "taximeter"
name = { vi = "Taximet", en = "Taximeter" }
control_measures = ["periodic"]
months = 12
legal_basis = "x"
effective_from = 2013-11-15
confidence = "confirmed"

[[cycle]]
category = "taximeter"
name = { vi = "Taximet", en = "Taximeter" }
control_measures = ["periodic"]
months = 18
legal_basis = "y"
effective_from = 2024-10-15
confidence = "confirmed"
"#;
        let p = CycleList::from_toml(text).unwrap_err();
        assert_eq!(p.0[0].path, "cycle[1].effective_from");
        assert_eq!(p.0[0].line, Some(17));
    }
}
