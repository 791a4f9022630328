//! Working days (ngày làm việc) of Vietnamese state agencies, as data, and the deadline
//! arithmetic of the Civil Code 2015 (Bộ luật Dân sự 91/2015/QH13) Arts. 147–148 over them.
//!
//! The calendar is a list of exceptions to "Monday to Friday": holidays and days in lieu that
//! fall on weekdays, swapped days off, and the Saturdays worked to make them up (làm bù). It
//! comes from the yearly notices of the Government and the ministry in charge, never from lunar
//! arithmetic in code (`tables/calendar-vn.toml`; a server builds the same value from a table an
//! administrator maintains with [`Calendar::from_days`]).
//!
//! Key decisions:
//! - A calendar declares the period it covers. Asking about a day outside it is an error that
//!   names the period: a deadline is never guessed from weekends alone.
//! - A row on a Saturday or Sunday that says `working = false` changes nothing, so it is most
//!   likely a mistyped date; it is accepted only with `falls_on_rest_day = true`, which records a
//!   holiday that fell on the weekly rest day (its day in lieu is a row of its own).
//! - Counting follows Art. 147(1): the day of the event is not counted. Because only working days
//!   are counted, the last day is always a working day, which is what Art. 148(3) asks for a
//!   period ending on a rest day.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};

use crate::date::Date;
use crate::mpe::{Bilingual, Confidence};
use crate::problems::{Problems, SourceMap, from_toml};

/// One exception to the Monday-to-Friday week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarDay {
    pub date: Date,
    /// `false` on a weekday (holiday, day in lieu, swapped day off); `true` on a Saturday or
    /// Sunday worked to make up a swapped day.
    pub working: bool,
    /// A holiday that fell on the weekly rest day, kept so the calendar names it; it changes no
    /// count (its day in lieu under Labour Code Art. 111(3) is a separate row).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub falls_on_rest_day: bool,
    pub reason: Bilingual,
    /// The notice, decision or article the row comes from.
    pub legal_source: String,
    /// Where the notice, or a report of it, can be read.
    pub url: Option<String>,
    pub confidence: Confidence,
    pub note: Option<String>,
}

/// The calendar file as written (`tables/calendar-vn.toml`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CalendarFile {
    pub schema_version: u32,
    /// First day the rows are complete for.
    pub covers_from: Date,
    /// Last day the rows are complete for.
    pub covers_to: Date,
    pub note: Option<String>,
    #[serde(default)]
    pub day: Vec<CalendarDay>,
}

/// A validated working-day calendar over a declared period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Calendar {
    covers_from: NaiveDate,
    covers_to: NaiveDate,
    note: Option<String>,
    days: BTreeMap<NaiveDate, CalendarDay>,
}

/// Why a working-day question has no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// The day is not covered: the calendar must first be extended with that year's notice.
    #[error(
        "{date} is outside the working-day calendar, which covers {covers_from} to {covers_to}; \
         add that year's official holiday notice to the calendar before counting this deadline"
    )]
    OutOfRange {
        date: NaiveDate,
        covers_from: NaiveDate,
        covers_to: NaiveDate,
    },
}

fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

impl Calendar {
    /// Parses and validates a calendar file; every problem comes back with its path and line.
    pub fn from_toml(text: &str) -> Result<Self, Problems> {
        let file: CalendarFile = from_toml(text)?;
        let mut p = Problems::default();
        if file.schema_version != 1 {
            p.at("schema_version", "must be 1");
        }
        validate(&mut p, file.covers_from.0, file.covers_to.0, &file.day);
        p.with_lines(&SourceMap::new(text))
            .into_result(())
            .map(|()| Self::build(file.covers_from.0, file.covers_to.0, file.note, file.day))
    }

    /// Builds a calendar from rows kept elsewhere (the server's table that an administrator
    /// maintains), with the same rules as the file; problems name `day[i]` by position in
    /// `rows`.
    pub fn from_days(
        covers_from: NaiveDate,
        covers_to: NaiveDate,
        rows: Vec<CalendarDay>,
    ) -> Result<Self, Problems> {
        let mut p = Problems::default();
        validate(&mut p, covers_from, covers_to, &rows);
        p.into_result(())
            .map(|()| Self::build(covers_from, covers_to, None, rows))
    }

    fn build(
        covers_from: NaiveDate,
        covers_to: NaiveDate,
        note: Option<String>,
        rows: Vec<CalendarDay>,
    ) -> Self {
        Self {
            covers_from,
            covers_to,
            note,
            days: rows.into_iter().map(|d| (d.date.0, d)).collect(),
        }
    }

    /// The calendar shipped in `tables/calendar-vn.toml`, parsed once.
    ///
    /// # Panics
    /// Never at run time for a build whose tests passed: the shipped file is checked by them.
    pub fn shipped() -> &'static Calendar {
        static CALENDAR: OnceLock<Calendar> = OnceLock::new();
        CALENDAR.get_or_init(|| {
            Calendar::from_toml(SHIPPED).unwrap_or_else(|p| {
                panic!("invariant: the shipped tables/calendar-vn.toml is valid (checked by tests): {p}")
            })
        })
    }

    /// First covered day.
    #[must_use]
    pub fn covers_from(&self) -> NaiveDate {
        self.covers_from
    }

    /// Last covered day.
    #[must_use]
    pub fn covers_to(&self) -> NaiveDate {
        self.covers_to
    }

    /// What the file says about its own completeness (which years are unconfirmed and why).
    #[must_use]
    pub fn note(&self) -> Option<&str> {
        self.note.as_deref()
    }

    /// The row of `date`, if the date is an exception to the Monday-to-Friday week.
    #[must_use]
    pub fn row(&self, date: NaiveDate) -> Option<&CalendarDay> {
        self.days.get(&date)
    }

    /// Every row, in date order.
    pub fn rows(&self) -> impl Iterator<Item = &CalendarDay> {
        self.days.values()
    }

    fn covered(&self, date: NaiveDate) -> Result<(), CalendarError> {
        if date < self.covers_from || date > self.covers_to {
            return Err(CalendarError::OutOfRange {
                date,
                covers_from: self.covers_from,
                covers_to: self.covers_to,
            });
        }
        Ok(())
    }

    /// Whether state agencies work on `date`: Monday to Friday unless a row says otherwise.
    ///
    /// ```
    /// use calibration_profiles::workdays::Calendar;
    /// use chrono::NaiveDate;
    /// let cal = Calendar::shipped();
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// assert_eq!(cal.is_working_day(d(2026, 11, 24)), Ok(false)); // Ngày Văn hóa Việt Nam
    /// assert_eq!(cal.is_working_day(d(2026, 1, 10)), Ok(true)); // Saturday worked (làm bù)
    /// assert!(cal.is_working_day(d(2023, 12, 29)).is_err()); // not covered
    /// ```
    pub fn is_working_day(&self, date: NaiveDate) -> Result<bool, CalendarError> {
        self.covered(date)?;
        Ok(self
            .days
            .get(&date)
            .map_or_else(|| !is_weekend(date), |d| d.working))
    }

    /// The day after `date`, still inside the covered period.
    fn following(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let next = date.succ_opt().ok_or(CalendarError::OutOfRange {
            date,
            covers_from: self.covers_from,
            covers_to: self.covers_to,
        })?;
        self.covered(next)?;
        Ok(next)
    }

    /// The first working day strictly after `date`.
    ///
    /// ```
    /// use calibration_profiles::workdays::Calendar;
    /// use chrono::NaiveDate;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// // Friday 24/01/2025, the last working day before Tết Ất Tỵ: the office reopens on
    /// // Monday 03/02/2025 (Thông báo 6150/TB-BLĐTBXH).
    /// assert_eq!(Calendar::shipped().next_working_day(d(2025, 1, 24)), Ok(d(2025, 2, 3)));
    /// ```
    pub fn next_working_day(&self, date: NaiveDate) -> Result<NaiveDate, CalendarError> {
        let mut day = date;
        loop {
            day = self.following(day)?;
            if self.is_working_day(day)? {
                return Ok(day);
            }
        }
    }

    /// The last day of a period of `n` working days that starts with an event on `from`
    /// (Civil Code 2015 Art. 147(1): the day of the event is not counted; the period ends with
    /// the `n`-th working day after it, Art. 148).
    ///
    /// `n = 0` gives `from` itself when it is a working day, otherwise the next working day: a
    /// zero-day period ends on the day of the event, and an end that falls on a rest day moves
    /// to the next working day (Art. 148(3)).
    ///
    /// Counting stops with an error naming the covered period as soon as it needs a day the
    /// calendar does not cover.
    ///
    /// ```
    /// use calibration_profiles::workdays::Calendar;
    /// use chrono::NaiveDate;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// let cal = Calendar::shipped();
    /// // Registration received on Friday 13/02/2026, confirmation due within 1 working day:
    /// // 14–15/02 weekend, 16–20/02 Tết Bính Ngọ, 21–22/02 weekend → Monday 23/02/2026.
    /// assert_eq!(cal.add_working_days(d(2026, 2, 13), 1), Ok(d(2026, 2, 23)));
    /// ```
    pub fn add_working_days(&self, from: NaiveDate, n: u32) -> Result<NaiveDate, CalendarError> {
        if n == 0 {
            return if self.is_working_day(from)? {
                Ok(from)
            } else {
                self.next_working_day(from)
            };
        }
        let mut day = from;
        for _ in 0..n {
            day = self.next_working_day(day)?;
        }
        Ok(day)
    }

    /// How many working days lie after `a` up to and including `b` — the length in working
    /// days of the period from an event on `a` to an act on `b`, the first day not counted.
    /// Negative when `b` is before `a`.
    ///
    /// This is a duration for reports (average handling time). To judge whether an act was on
    /// time, compare its date with [`Calendar::add_working_days`]: an act on a Saturday after a
    /// Friday deadline has the same count as the Friday.
    ///
    /// ```
    /// use calibration_profiles::workdays::Calendar;
    /// use chrono::NaiveDate;
    /// let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
    /// let cal = Calendar::shipped();
    /// // Registered Friday 24/01/2025, confirmed Monday 03/02/2025 (after Tết): 1 working day.
    /// assert_eq!(cal.working_days_between(d(2025, 1, 24), d(2025, 2, 3)), Ok(1));
    /// assert_eq!(cal.working_days_between(d(2025, 2, 3), d(2025, 1, 24)), Ok(-1));
    /// ```
    pub fn working_days_between(&self, a: NaiveDate, b: NaiveDate) -> Result<i64, CalendarError> {
        let (start, end, sign) = if a <= b { (a, b, 1) } else { (b, a, -1) };
        let mut count = 0_i64;
        let mut day = start;
        while day < end {
            day = self.following(day)?;
            if self.is_working_day(day)? {
                count += 1;
            }
        }
        Ok(sign * count)
    }
}

/// Checks the period and every row; `day[i]` paths follow the order of `rows`.
fn validate(p: &mut Problems, from: NaiveDate, to: NaiveDate, rows: &[CalendarDay]) {
    if to < from {
        p.at("covers_to", "must not be before covers_from");
    }
    let mut seen: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for (i, row) in rows.iter().enumerate() {
        let path = format!("day[{i}]");
        let date = row.date.0;
        if date < from || date > to {
            p.at(
                format!("{path}.date"),
                format!("{date} is outside the period the calendar covers ({from} to {to})"),
            );
        }
        if let Some(j) = seen.insert(date, i) {
            p.at(
                format!("{path}.date"),
                format!("{date} is already day[{j}]; one row per date"),
            );
        }
        let weekend = is_weekend(date);
        let weekday_name = date.weekday();
        if row.falls_on_rest_day {
            if !weekend || row.working {
                p.at(
                    format!("{path}.falls_on_rest_day"),
                    format!(
                        "only a non-working Saturday or Sunday can record a holiday that fell on \
                         the weekly rest day; {date} is a {weekday_name}{}",
                        if row.working { " marked working" } else { "" }
                    ),
                );
            }
        } else if !weekend && row.working {
            p.at(
                format!("{path}.working"),
                format!(
                    "{date} is a {weekday_name}, already a working day; a make-up day (làm bù) \
                     is a Saturday or Sunday — check the date"
                ),
            );
        } else if weekend && !row.working {
            p.at(
                format!("{path}.date"),
                format!(
                    "{date} is a {weekday_name}, not a working day already; check the date, or, \
                     if this records a holiday that fell on the weekly rest day, set \
                     falls_on_rest_day = true and give its day in lieu a row of its own"
                ),
            );
        }
        if row.reason.vi.trim().is_empty() {
            p.at(format!("{path}.reason.vi"), "must not be empty");
        }
        if row.reason.en.trim().is_empty() {
            p.at(format!("{path}.reason.en"), "must not be empty");
        }
        if row.legal_source.trim().is_empty() {
            p.at(
                format!("{path}.legal_source"),
                "must name the notice, decision or article",
            );
        }
        if let Some(url) = &row.url
            && !(url.starts_with("https://") || url.starts_with("http://"))
        {
            p.at(format!("{path}.url"), "must be an http(s) address");
        }
    }
}

/// The shipped calendar text.
pub const SHIPPED: &str = include_str!("../tables/calendar-vn.toml");

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    const HEAD: &str = "schema_version = 1\ncovers_from = 2026-01-01\ncovers_to = 2026-12-31\n";

    fn row(date: &str, working: bool) -> String {
        format!(
            "\n[[day]]\ndate = {date}\nworking = {working}\nreason = {{ vi = \"x\", en = \"x\" }}\nlegal_source = \"x\"\nconfidence = \"confirmed\"\n"
        )
    }

    #[test]
    fn the_shipped_calendar_loads_and_covers_2024_to_2027() {
        let cal = Calendar::shipped();
        assert_eq!(cal.covers_from(), d(2024, 1, 1));
        assert_eq!(cal.covers_to(), d(2027, 12, 31));
        assert!(cal.note().is_some_and(|n| n.contains("2027")));
    }

    #[test]
    fn years_without_a_notice_are_unconfirmed_and_the_others_confirmed() {
        for r in Calendar::shipped().rows() {
            let expected = if r.date.0.year() == 2027 {
                Confidence::Unconfirmed
            } else {
                Confidence::Confirmed
            };
            assert_eq!(r.confidence, expected, "{}", r.date);
        }
    }

    #[test]
    fn every_rule_violation_is_reported_with_its_path_and_line() {
        // Line numbers: HEAD is lines 1–3; each row() is 7 lines starting with a blank line.
        let text = format!(
            "{HEAD}{}{}{}{}{}",
            row("2026-02-16", false), // day[0], ok (Monday)
            row("2026-02-16", false), // day[1], duplicate; date on line 13
            row("2026-02-17", true),  // day[2], working on a Tuesday; working on line 21
            row("2026-02-14", false), // day[3], non-working Saturday; date on line 27
            row("2027-01-04", false), // day[4], outside the period; date on line 34
        );
        let p = Calendar::from_toml(&text).unwrap_err();
        let got: Vec<(&str, Option<usize>)> = p.iter().map(|p| (p.path.as_str(), p.line)).collect();
        assert_eq!(
            got,
            vec![
                ("day[1].date", Some(13)),
                ("day[2].working", Some(21)),
                ("day[3].date", Some(27)),
                ("day[4].date", Some(34)),
            ],
            "{p}"
        );
        assert!(p.0[0].message.contains("already day[0]"), "{p}");
        assert!(p.0[2].message.contains("falls_on_rest_day"), "{p}");
        assert!(p.0[3].message.contains("2026-01-01 to 2026-12-31"), "{p}");
    }

    #[test]
    fn a_holiday_on_the_weekly_rest_day_must_say_so_and_only_on_a_weekend() {
        let ok = format!(
            "{HEAD}\n[[day]]\ndate = 2026-04-26\nworking = false\nfalls_on_rest_day = true\nreason = {{ vi = \"Giỗ Tổ\", en = \"x\" }}\nlegal_source = \"x\"\nconfidence = \"confirmed\"\n"
        );
        let cal = Calendar::from_toml(&ok).unwrap();
        assert_eq!(cal.is_working_day(d(2026, 4, 26)), Ok(false));
        let bad = ok.replace("2026-04-26", "2026-04-27");
        let p = Calendar::from_toml(&bad).unwrap_err();
        assert_eq!(p.0[0].path, "day[0].falls_on_rest_day", "{p}");
        assert_eq!(p.0[0].line, Some(8), "{p}");
    }

    #[test]
    fn structural_problems_come_back_together() {
        let text = format!(
            "{HEAD}{}\n[[day]]\ndate = \"1/3/2026\"\nworking = false\ncolour = \"red\"\n",
            row("2026-03-02", false)
        );
        let p = Calendar::from_toml(&text).unwrap_err();
        let paths: Vec<&str> = p.iter().map(|p| p.path.as_str()).collect();
        assert!(paths.contains(&"day[1].date"), "{p}");
        assert!(paths.contains(&"day[1].colour"), "{p}");
        assert!(p.iter().all(|p| p.line.is_some()), "{p}");
    }

    #[test]
    fn from_days_applies_the_same_rules() {
        let good = CalendarDay {
            date: Date(d(2026, 9, 2)),
            working: false,
            falls_on_rest_day: false,
            reason: Bilingual {
                vi: "Quốc khánh".into(),
                en: "National Day".into(),
            },
            legal_source: "Bộ luật Lao động 45/2019/QH14, Điều 112".into(),
            url: None,
            confidence: Confidence::Confirmed,
            note: None,
        };
        let cal = Calendar::from_days(d(2026, 1, 1), d(2026, 12, 31), vec![good.clone()]).unwrap();
        assert_eq!(cal.is_working_day(d(2026, 9, 2)), Ok(false));
        assert_eq!(cal.is_working_day(d(2026, 9, 3)), Ok(true));
        let mut saturday = good;
        saturday.date = Date(d(2026, 9, 5));
        let p = Calendar::from_days(d(2026, 1, 1), d(2026, 12, 31), vec![saturday]).unwrap_err();
        assert_eq!(p.0[0].path, "day[0].date");
        let p = Calendar::from_days(d(2026, 12, 31), d(2026, 1, 1), vec![]).unwrap_err();
        assert_eq!(p.0[0].path, "covers_to");
    }

    #[test]
    fn counting_never_leaves_the_covered_period() {
        let cal = Calendar::from_toml(HEAD).unwrap();
        // Thursday 31/12/2026 + 1 needs Friday 01/01/2027.
        let err = cal.add_working_days(d(2026, 12, 31), 1).unwrap_err();
        assert_eq!(
            err,
            CalendarError::OutOfRange {
                date: d(2027, 1, 1),
                covers_from: d(2026, 1, 1),
                covers_to: d(2026, 12, 31),
            }
        );
        assert!(err.to_string().contains("2026-01-01 to 2026-12-31"));
        assert!(
            cal.working_days_between(d(2026, 12, 30), d(2027, 1, 5))
                .is_err()
        );
        assert!(cal.is_working_day(d(2025, 12, 31)).is_err());
        // The day of the event is not counted, so it may itself lie just before the period.
        assert_eq!(cal.add_working_days(d(2025, 12, 31), 1), Ok(d(2026, 1, 1)));
    }
}
