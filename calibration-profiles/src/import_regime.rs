//! Regimes of state quality inspection of imported goods (kiểm tra nhà nước về chất lượng hàng
//! hóa nhập khẩu), as data (`tables/import-regimes.toml`): who may file where, the dossier
//! checklist, the steps with their actor and deadline, the outcomes printed on the notice and the
//! forms.
//!
//! Two regimes are shipped: A, "group-2 goods" under Decree 132/2008 as amended by Decrees
//! 74/2018 and 154/2018 (until 2026-06-30), and B, risk levels under Law 78/2025, Decree 37/2026
//! and Circular 36/2026 (from 2026-07-01). A dossier is judged by the regime in force on its
//! registration date ([`Regimes::regime_on`]) for its whole life, even when a later step happens
//! after the switch. Deadlines are counted in working days over a [`Calendar`].

use std::sync::OnceLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::mpe::{Bilingual, Confidence, check_id};
use crate::problems::{Problems, SourceMap, from_toml};
use crate::workdays::{Calendar, CalendarError};

/// Where an importer may file a registration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    /// Bộ phận một cửa / Trung tâm phục vụ hành chính công tỉnh.
    OneStopCounter,
    /// Cổng dịch vụ công của tỉnh / Cổng dịch vụ công quốc gia.
    ProvincialPortal,
    /// Cơ chế một cửa quốc gia (vnsw.gov.vn).
    NationalSingleWindow,
    /// Dịch vụ bưu chính.
    Postal,
}

/// Who acts in a step.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// Người nhập khẩu (or its authorised representative).
    Importer,
    /// Cơ quan kiểm tra.
    InspectionBody,
}

/// A step of the procedure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum StepKind {
    Register,
    ConfirmRegistration,
    SubmitCertificate,
    NotifyResult,
    ReportMissingCertificate,
}

impl StepKind {
    /// The name used in the data file.
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Register => "register",
            Self::ConfirmRegistration => "confirm_registration",
            Self::SubmitCertificate => "submit_certificate",
            Self::NotifyResult => "notify_result",
            Self::ReportMissingCertificate => "report_missing_certificate",
        }
    }
}

impl std::fmt::Display for StepKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The event a deadline counts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    /// The inspection body received the registration dossier.
    RegistrationReceived,
    /// Customs cleared the goods (ngày thông quan).
    CustomsClearance,
    /// The inspection body holds a complete file (the certificate included).
    CompleteFileReceived,
}

/// `working_days` working days after the day of `from` (that day not counted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub working_days: u32,
    pub from: Event,
}

/// One item of the dossier checklist.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentItem {
    pub code: String,
    pub name: Bilingual,
    pub required: bool,
    /// When the item is due or needed ("if any", "may follow later").
    pub condition: Option<Bilingual>,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// One step: who acts and by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Step {
    pub step: StepKind,
    pub name: Bilingual,
    pub actor: Actor,
    /// `None` when the texts set no deadline for the step.
    pub deadline: Option<Deadline>,
    pub legal_source: String,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// One result the notice may print, verbatim.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    pub code: String,
    pub text: Bilingual,
    /// The text the inspector must add after it (reasons, the assessment body), if any.
    pub detail: Option<Bilingual>,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// What a form is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum FormPurpose {
    Registration,
    ReceptionChecklist,
    ResultNotice,
}

/// A prescribed form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Form {
    pub purpose: FormPurpose,
    /// "Mẫu số 01 Phụ lục VII"; `None` when the number was not found.
    pub number: Option<String>,
    pub title: Bilingual,
    pub legal_source: String,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// One regime over its period of force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regime {
    /// Short code stored on each dossier ("A", "B").
    pub code: String,
    pub name: Bilingual,
    pub goods: Bilingual,
    pub legal_basis: Vec<String>,
    pub effective_from: Date,
    pub effective_to: Option<Date>,
    pub confidence: Confidence,
    pub channels: Vec<Channel>,
    pub note: Option<String>,
    #[serde(default)]
    pub document: Vec<DocumentItem>,
    #[serde(default)]
    pub step: Vec<Step>,
    #[serde(default)]
    pub outcome: Vec<Outcome>,
    #[serde(default)]
    pub form: Vec<Form>,
}

/// The regimes file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Regimes {
    pub schema_version: u32,
    pub regime: Vec<Regime>,
}

/// No regime answers the question.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RegimeError {
    /// The date precedes (or falls between) the periods the table knows: the table must be
    /// extended before such a dossier can be handled.
    #[error("no import-inspection regime is in force on {date}; the table covers: {known}")]
    NoneInForce { date: NaiveDate, known: String },
}

/// Why a step's deadline cannot be given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DeadlineError {
    /// The regime has no such step: the workflow asked for a step of another regime.
    #[error("regime {regime} has no step `{step}`")]
    UnknownStep { regime: String, step: StepKind },
    /// The step exists but the texts set no deadline for it: nothing to watch.
    #[error("step `{step}` of regime {regime} has no deadline")]
    NoDeadline { regime: String, step: StepKind },
    /// The working-day calendar cannot answer (extend it with the year's notice).
    #[error(transparent)]
    Calendar(#[from] CalendarError),
}

impl Regime {
    /// Whether the regime is in force on `date`.
    #[must_use]
    pub fn in_force_on(&self, date: NaiveDate) -> bool {
        self.effective_from.0 <= date && self.effective_to.is_none_or(|t| date <= t.0)
    }

    /// The rule of `kind`, if the regime has that step.
    #[must_use]
    pub fn step(&self, kind: StepKind) -> Option<&Step> {
        self.step.iter().find(|s| s.step == kind)
    }

    /// Last day for `step` when its starting event (the deadline's `from`) happened on
    /// `event_date`: that day is not counted, then the step's number of working days.
    ///
    /// ```
    /// use calibration_profiles::import_regime::{Regimes, StepKind};
    /// use calibration_profiles::workdays::Calendar;
    /// use chrono::NaiveDate;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// let regime = Regimes::shipped().regime_on(d(2025, 1, 24)).unwrap();
    /// // Registration received Friday 24/01/2025; the office is closed for Tết from 25/01 to
    /// // 02/02/2025, so the 1-working-day confirmation is due on Monday 03/02/2025.
    /// let due = regime.deadline(StepKind::ConfirmRegistration, d(2025, 1, 24), Calendar::shipped());
    /// assert_eq!(due, Ok(d(2025, 2, 3)));
    /// ```
    pub fn deadline(
        &self,
        step: StepKind,
        event_date: NaiveDate,
        calendar: &Calendar,
    ) -> Result<NaiveDate, DeadlineError> {
        let rule = self.step(step).ok_or_else(|| DeadlineError::UnknownStep {
            regime: self.code.clone(),
            step,
        })?;
        let deadline = rule.deadline.ok_or_else(|| DeadlineError::NoDeadline {
            regime: self.code.clone(),
            step,
        })?;
        Ok(calendar.add_working_days(event_date, deadline.working_days)?)
    }
}

impl Regimes {
    /// Parses and validates; every problem comes back with its path and line.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let regimes: Regimes = from_toml(text)?;
        let mut p = Problems::default();
        if regimes.schema_version != 1 {
            p.at("schema_version", "must be 1");
        }
        for (i, r) in regimes.regime.iter().enumerate() {
            validate_regime(&mut p, &format!("regime[{i}]"), r);
            for (j, other) in regimes.regime.iter().enumerate().take(i) {
                if other.code == r.code {
                    p.at(
                        format!("regime[{i}].code"),
                        format!("`{}` is already regime[{j}]", r.code),
                    );
                }
                if overlaps(r, other) {
                    p.at(
                        format!("regime[{i}].effective_from"),
                        format!("overlaps regime[{j}] ({})", other.code),
                    );
                }
            }
        }
        p.with_lines(&SourceMap::new(text)).into_result(regimes)
    }

    /// The regimes shipped in `tables/import-regimes.toml`, parsed once.
    ///
    /// # Panics
    /// Never at run time for a build whose tests passed: the shipped file is checked by them.
    pub fn shipped() -> &'static Regimes {
        static REGIMES: OnceLock<Regimes> = OnceLock::new();
        REGIMES.get_or_init(|| {
            Regimes::from_toml(SHIPPED).unwrap_or_else(|p| {
                panic!(
                    "invariant: the shipped tables/import-regimes.toml is valid (checked by tests): {p}"
                )
            })
        })
    }

    /// The regime a dossier registered on `registered_on` is judged by.
    pub fn regime_on(&self, registered_on: NaiveDate) -> Result<&Regime, RegimeError> {
        self.regime
            .iter()
            .find(|r| r.in_force_on(registered_on))
            .ok_or_else(|| RegimeError::NoneInForce {
                date: registered_on,
                known: self
                    .regime
                    .iter()
                    .map(|r| {
                        let to = r
                            .effective_to
                            .map_or_else(|| "…".to_owned(), |t| t.to_string());
                        format!("{} {} to {to}", r.code, r.effective_from)
                    })
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// The regime with code `code` (an old dossier names its regime).
    #[must_use]
    pub fn get(&self, code: &str) -> Option<&Regime> {
        self.regime.iter().find(|r| r.code == code)
    }
}

fn overlaps(a: &Regime, b: &Regime) -> bool {
    let end = |r: &Regime| r.effective_to.map_or(NaiveDate::MAX, |d| d.0);
    a.effective_from.0 <= end(b) && b.effective_from.0 <= end(a)
}

fn validate_regime(p: &mut Problems, path: &str, r: &Regime) {
    let code_ok = !r.code.is_empty()
        && r.code.len() <= 8
        && r.code
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if !code_ok {
        p.at(
            format!("{path}.code"),
            "must be 1 to 8 capital letters or digits, e.g. `A`",
        );
    }
    if r.legal_basis.is_empty() || r.legal_basis.iter().any(|b| b.trim().is_empty()) {
        p.at(
            format!("{path}.legal_basis"),
            "must list the texts, none empty",
        );
    }
    if r.effective_to.is_some_and(|t| t < r.effective_from) {
        p.at(
            format!("{path}.effective_to"),
            "must not be before effective_from",
        );
    }
    if r.channels.is_empty() {
        p.at(format!("{path}.channels"), "must name at least one channel");
    }
    for (k, c) in r.channels.iter().enumerate() {
        if r.channels[..k].contains(c) {
            p.at(format!("{path}.channels"), format!("{c:?} is listed twice"));
        }
    }
    for (k, d) in r.document.iter().enumerate() {
        let at = format!("{path}.document[{k}]");
        check_id(p, &format!("{at}.code"), &d.code);
        if r.document[..k].iter().any(|e| e.code == d.code) {
            p.at(
                format!("{at}.code"),
                format!("`{}` is listed twice", d.code),
            );
        }
    }
    if !r.document.iter().any(|d| d.required) {
        p.at(
            format!("{path}.document"),
            "the checklist needs at least one required document",
        );
    }
    for (k, s) in r.step.iter().enumerate() {
        let at = format!("{path}.step[{k}]");
        if r.step[..k].iter().any(|e| e.step == s.step) {
            p.at(
                format!("{at}.step"),
                format!("`{}` is listed twice", s.step),
            );
        }
        if s.deadline.is_some_and(|d| d.working_days == 0) {
            p.at(
                format!("{at}.deadline.working_days"),
                "must be at least 1; omit the deadline when the texts set none",
            );
        }
        if s.legal_source.trim().is_empty() {
            p.at(format!("{at}.legal_source"), "must not be empty");
        }
    }
    if r.outcome.is_empty() {
        p.at(
            format!("{path}.outcome"),
            "the notice needs at least one outcome",
        );
    }
    for (k, o) in r.outcome.iter().enumerate() {
        let at = format!("{path}.outcome[{k}]");
        check_id(p, &format!("{at}.code"), &o.code);
        if r.outcome[..k].iter().any(|e| e.code == o.code) {
            p.at(
                format!("{at}.code"),
                format!("`{}` is listed twice", o.code),
            );
        }
    }
    for (k, f) in r.form.iter().enumerate() {
        if f.legal_source.trim().is_empty() {
            p.at(
                format!("{path}.form[{k}].legal_source"),
                "must not be empty",
            );
        }
    }
}

/// The shipped regimes text.
pub const SHIPPED: &str = include_str!("../tables/import-regimes.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_shipped_regimes_load_and_meet_at_midnight_on_1_july_2026() {
        let r = Regimes::shipped();
        assert_eq!(r.regime.len(), 2);
        assert_eq!(r.regime_on(d(2026, 6, 30)).unwrap().code, "A");
        assert_eq!(r.regime_on(d(2026, 7, 1)).unwrap().code, "B");
        assert_eq!(
            r.get("B").unwrap().channels,
            [Channel::NationalSingleWindow]
        );
    }

    #[test]
    fn regime_b_deadlines_equal_regime_a_and_are_flagged_unconfirmed() {
        let (a, b) = (
            Regimes::shipped().get("A").unwrap(),
            Regimes::shipped().get("B").unwrap(),
        );
        for s in &b.step {
            assert_eq!(s.deadline, a.step(s.step).unwrap().deadline, "{}", s.step);
            assert_eq!(s.confidence, Confidence::Unconfirmed, "{}", s.step);
        }
    }

    #[test]
    fn the_notice_prints_the_template_texts_verbatim() {
        let texts: Vec<&str> = Regimes::shipped()
            .get("A")
            .unwrap()
            .outcome
            .iter()
            .map(|o| o.text.vi.as_str())
            .collect();
        assert_eq!(
            texts,
            [
                "Đáp ứng yêu cầu chất lượng hàng hóa nhập khẩu",
                "Không đáp ứng yêu cầu chất lượng hàng hóa nhập khẩu",
                "Lô hàng không hoàn thiện đầy đủ hồ sơ",
                "Lô hàng đề nghị đánh giá sự phù hợp lại tại …",
                "Lô hàng chờ CQKT tiến hành lấy mẫu và thử nghiệm",
            ]
        );
    }

    #[test]
    fn overlapping_periods_and_bad_rows_are_reported_with_lines() {
        let regime = |code: &str, from: &str, extra: &str| {
            format!(
                "\n[[regime]]\ncode = \"{code}\"\nname = {{ vi = \"x\", en = \"x\" }}\ngoods = {{ vi = \"x\", en = \"x\" }}\nlegal_basis = [\"x\"]\neffective_from = {from}\nconfidence = \"unconfirmed\"\nchannels = [\"postal\"]\n\n[[regime.document]]\ncode = \"form\"\nname = {{ vi = \"x\", en = \"x\" }}\nrequired = true\nconfidence = \"unconfirmed\"\n\n[[regime.outcome]]\ncode = \"meets\"\ntext = {{ vi = \"x\", en = \"x\" }}\nconfidence = \"unconfirmed\"\n{extra}"
            )
        };
        let text = format!(
            "schema_version = 1\n{}{}",
            regime("A", "2018-05-15", ""),
            regime(
                "b",
                "2020-01-01",
                "\n[[regime.step]]\nstep = \"notify_result\"\nname = { vi = \"x\", en = \"x\" }\nactor = \"inspection_body\"\ndeadline = { working_days = 0, from = \"complete_file_received\" }\nlegal_source = \"x\"\nconfidence = \"unconfirmed\"\n"
            ),
        );
        let p = Regimes::from_toml(&text).unwrap_err();
        let got: Vec<(&str, Option<usize>)> = p.iter().map(|p| (p.path.as_str(), p.line)).collect();
        // Each regime() is 20 lines from its leading blank line: regime[1]'s `[[regime]]` is on
        // line 23, its code on 24, effective_from on 28 and its step's deadline on 47.
        assert_eq!(
            got,
            vec![
                ("regime[1].code", Some(24)),
                ("regime[1].step[0].deadline.working_days", Some(47)),
                ("regime[1].effective_from", Some(28)),
            ],
            "{p}"
        );
    }

    #[test]
    fn a_date_before_any_regime_names_the_known_periods() {
        let err = Regimes::shipped().regime_on(d(2017, 1, 1)).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("A 2018-05-15 to 2026-06-30"), "{msg}");
        assert!(msg.contains("B 2026-07-01 to …"), "{msg}");
    }
}

/// One line of the goods table: the goods an HS code prefix names and their regulation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsLine {
    /// HS heading, subheading or tariff line, dotted as printed ("6506.10.10", "8516").
    pub hs: String,
    pub name: Bilingual,
    /// The technical regulation(s) the goods are inspected against.
    pub regulation: String,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// The goods the Centre inspects on import, by HS code (`tables/import-goods.toml`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GoodsList {
    pub schema_version: u32,
    pub goods: Vec<GoodsLine>,
}

/// Why an HS code was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HsCodeError {
    /// Not 4 to 8 digits (dots and spaces allowed between them).
    #[error("`{0}` is not an HS code: give 4 to 8 digits, e.g. 6506.10.10")]
    Malformed(String),
    /// Well formed, but no goods line covers it: not goods this body inspects on import.
    #[error(
        "HS code {0} is not in the list of goods inspected on import (tables/import-goods.toml)"
    )]
    Unknown(String),
}

/// The digits of an HS code written with dots or spaces, if it has 4 to 8 of them.
fn hs_digits(text: &str) -> Option<String> {
    let digits: String = text.chars().filter(|c| !matches!(c, '.' | ' ')).collect();
    (digits.len() >= 4 && digits.len() <= 8 && digits.chars().all(|c| c.is_ascii_digit()))
        .then_some(digits)
}

impl GoodsList {
    /// Parses and validates; every problem comes back with its path and line.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let list: GoodsList = from_toml(text)?;
        let mut p = Problems::default();
        if list.schema_version != 1 {
            p.at("schema_version", "must be 1");
        }
        for (i, g) in list.goods.iter().enumerate() {
            match hs_digits(&g.hs) {
                None => p.at(
                    format!("goods[{i}].hs"),
                    "must be 4 to 8 digits, dotted as printed (e.g. 6506.10.10)",
                ),
                Some(d) => {
                    if list.goods[..i]
                        .iter()
                        .any(|o| hs_digits(&o.hs) == Some(d.clone()))
                    {
                        p.at(
                            format!("goods[{i}].hs"),
                            format!("{} is listed twice", g.hs),
                        );
                    }
                }
            }
            if g.regulation.trim().is_empty() {
                p.at(format!("goods[{i}].regulation"), "must not be empty");
            }
        }
        p.with_lines(&SourceMap::new(text)).into_result(list)
    }

    /// The list shipped in `tables/import-goods.toml`, parsed once.
    ///
    /// # Panics
    /// Never at run time for a build whose tests passed: the shipped file is checked by them.
    pub fn shipped() -> &'static GoodsList {
        static LIST: OnceLock<GoodsList> = OnceLock::new();
        LIST.get_or_init(|| {
            GoodsList::from_toml(include_str!("../tables/import-goods.toml")).unwrap_or_else(|p| {
                panic!("invariant: the shipped tables/import-goods.toml is valid (checked by tests): {p}")
            })
        })
    }

    /// The goods line covering `hs` (the longest matching prefix).
    ///
    /// ```
    /// use calibration_profiles::import_regime::GoodsList;
    /// let helmets = GoodsList::shipped().lookup("6506.10.10").unwrap();
    /// assert_eq!(helmets.regulation, "QCVN 2:2021/BKHCN");
    /// assert!(GoodsList::shipped().lookup("0101.21.00").is_err()); // live horses: not ours
    /// ```
    pub fn lookup(&self, hs: &str) -> Result<&GoodsLine, HsCodeError> {
        let digits = hs_digits(hs).ok_or_else(|| HsCodeError::Malformed(hs.trim().to_owned()))?;
        self.goods
            .iter()
            .filter_map(|g| hs_digits(&g.hs).map(|d| (d, g)))
            .filter(|(d, _)| digits.starts_with(d.as_str()))
            .max_by_key(|(d, _)| d.len())
            .map(|(_, g)| g)
            .ok_or(HsCodeError::Unknown(hs.trim().to_owned()))
    }
}

#[cfg(test)]
mod goods_tests {
    use super::*;

    #[test]
    fn the_shipped_goods_list_loads() {
        assert!(GoodsList::shipped().goods.len() > 10);
    }

    #[test]
    fn the_longest_prefix_wins_and_malformed_codes_are_named() {
        let list = GoodsList::from_toml(
            "schema_version = 1\n[[goods]]\nhs = \"2710\"\nname = { vi = \"a\", en = \"a\" }\nregulation = \"X\"\nconfidence = \"unconfirmed\"\n[[goods]]\nhs = \"2710.19.71\"\nname = { vi = \"b\", en = \"b\" }\nregulation = \"Y\"\nconfidence = \"unconfirmed\"\n",
        )
        .unwrap();
        assert_eq!(list.lookup("27101971").unwrap().regulation, "Y");
        assert_eq!(list.lookup("2710.12.21").unwrap().regulation, "X");
        assert_eq!(
            list.lookup("27AB"),
            Err(HsCodeError::Malformed("27AB".into()))
        );
        assert_eq!(
            list.lookup("123"),
            Err(HsCodeError::Malformed("123".into()))
        );
        assert_eq!(
            list.lookup("0101.21"),
            Err(HsCodeError::Unknown("0101.21".into()))
        );
    }

    #[test]
    fn a_duplicate_line_is_refused_with_its_path() {
        let err = GoodsList::from_toml(
            "schema_version = 1\n[[goods]]\nhs = \"8516\"\nname = { vi = \"a\", en = \"a\" }\nregulation = \"X\"\nconfidence = \"unconfirmed\"\n[[goods]]\nhs = \"85.16\"\nname = { vi = \"b\", en = \"b\" }\nregulation = \"\"\nconfidence = \"unconfirmed\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("goods[1].hs"), "{err}");
        assert!(err.contains("goods[1].regulation"), "{err}");
    }
}
