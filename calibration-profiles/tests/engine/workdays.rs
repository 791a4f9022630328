//! Working-day deadlines over real periods, checked by hand against the yearly notices
//! (expected dates worked out on a paper calendar from the notices; see tables/SOURCES.md):
//! Thông báo 5015/TB-LĐTBXH and 1570/TB-LĐTBXH (2024), 6150/TB-BLĐTBXH (2025), Công văn
//! 12729/VPCP-KGVX and Thông báo 9441/TB-BNV (2026), Nghị quyết 28/2026/QH16 (24/11), Labour
//! Code 45/2019/QH14 Arts. 111(3) and 112. The first day is not counted (Civil Code Art. 147).

use calibration_profiles::import_regime::{DeadlineError, Regimes, StepKind};
use calibration_profiles::workdays::{Calendar, CalendarError};
use chrono::{Datelike, NaiveDate, Weekday};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn plus(from: NaiveDate, n: u32) -> NaiveDate {
    Calendar::shipped().add_working_days(from, n).unwrap()
}

#[test]
fn one_working_day_from_the_last_day_before_tet_lands_after_the_holiday() {
    // 2024: Wed 07/02 → 08–09 Tết, 10–11 Tết on the weekend, 12 Tết, 13–14 in lieu → Thu 15/02.
    assert_eq!(plus(d(2024, 2, 7), 1), d(2024, 2, 15));
    // 2025: Fri 24/01 → 25–26 weekend, 27–31 Tết, 01–02/02 weekend → Mon 03/02.
    assert_eq!(plus(d(2025, 1, 24), 1), d(2025, 2, 3));
    // 2026: Fri 13/02 → 14–15 weekend, 16–20 Tết, 21–22 weekend → Mon 23/02.
    assert_eq!(plus(d(2026, 2, 13), 1), d(2026, 2, 23));
    // 2027 (unconfirmed rows): Wed 03/02 → 04–05 Tết, 06–07 Tết on the weekend, 08 Tết,
    // 09–10 in lieu → Thu 11/02.
    assert_eq!(plus(d(2027, 2, 3), 1), d(2027, 2, 11));
}

#[test]
fn a_friday_dossier_is_due_on_monday() {
    // Ordinary weeks, no holiday near.
    assert_eq!(plus(d(2024, 3, 8), 1), d(2024, 3, 11));
    assert_eq!(plus(d(2025, 10, 10), 1), d(2025, 10, 13));
    assert_eq!(plus(d(2026, 6, 5), 1), d(2026, 6, 8));
}

#[test]
fn a_make_up_saturday_counts_as_a_working_day() {
    // Sat 04/05/2024 worked for Mon 29/04 (1570/TB-LĐTBXH).
    assert_eq!(plus(d(2024, 5, 3), 1), d(2024, 5, 4));
    // Sat 26/04/2025 worked for Fri 02/05 (6150/TB-BLĐTBXH).
    assert_eq!(plus(d(2025, 4, 25), 1), d(2025, 4, 26));
    // Sat 10/01/2026 worked for Fri 02/01 (12729/VPCP-KGVX).
    assert_eq!(plus(d(2026, 1, 9), 1), d(2026, 1, 10));
    // Sat 22/08/2026 worked for Mon 31/08 (9441/TB-BNV).
    assert_eq!(plus(d(2026, 8, 21), 1), d(2026, 8, 22));
    // An event on the make-up Saturday itself: Sunday is still off → Mon 06/05/2024.
    assert_eq!(plus(d(2024, 5, 4), 1), d(2024, 5, 6));
}

#[test]
fn reunification_and_labour_day_are_not_working_days() {
    // 2024: Fri 26/04 → 27–28 weekend, 29 swapped, 30/04, 01/05 → Thu 02/05.
    assert_eq!(plus(d(2024, 4, 26), 1), d(2024, 5, 2));
    // 2025: Tue 29/04 → 30/04, 01/05, 02/05 swapped, 03–04 weekend → Mon 05/05.
    assert_eq!(plus(d(2025, 4, 29), 1), d(2025, 5, 5));
    // 2026: Wed 29/04 → Thu 30/04, Fri 01/05, 02–03 weekend → Mon 04/05 (no swap).
    assert_eq!(plus(d(2026, 4, 29), 1), d(2026, 5, 4));
    // 2026 Hùng Kings on Sunday 26/04, in lieu Mon 27/04: Fri 24/04 → Tue 28/04.
    assert_eq!(plus(d(2026, 4, 24), 1), d(2026, 4, 28));
}

#[test]
fn national_day_and_its_adjacent_day_are_not_working_days() {
    // 2024: Fri 30/08 → 31/08–01/09 weekend, 02/09, 03/09 → Wed 04/09.
    assert_eq!(plus(d(2024, 8, 30), 1), d(2024, 9, 4));
    // 2025: Fri 29/08 → 30–31 weekend, 01/09, 02/09 → Wed 03/09.
    assert_eq!(plus(d(2025, 8, 29), 1), d(2025, 9, 3));
    // 2026: Fri 28/08 → 29–30 weekend, 31/08 swapped, 01/09, 02/09 → Thu 03/09.
    assert_eq!(plus(d(2026, 8, 28), 1), d(2026, 9, 3));
}

#[test]
fn vietnamese_culture_day_2026_is_a_tuesday_off() {
    let cal = Calendar::shipped();
    assert_eq!(d(2026, 11, 24).weekday(), Weekday::Tue);
    assert_eq!(cal.is_working_day(d(2026, 11, 24)), Ok(false));
    // No swap was found for Monday 23/11/2026: it stays a working day.
    assert_eq!(cal.is_working_day(d(2026, 11, 23)), Ok(true));
    assert_eq!(plus(d(2026, 11, 23), 1), d(2026, 11, 25));
}

#[test]
fn new_year_2026_runs_from_thursday_to_sunday() {
    // Wed 31/12/2025 → Thu 01/01, Fri 02/01 swapped, 03–04 weekend → Mon 05/01/2026.
    assert_eq!(plus(d(2025, 12, 31), 1), d(2026, 1, 5));
}

#[test]
fn fifteen_working_days_to_submit_the_certificate_cross_tet_and_may_day() {
    // Customs clearance Thu 12/02/2026: Fri 13 = 1; 16–20 Tết; 23–27/02 = 2–6;
    // 02–06/03 = 7–11; 09–12/03 = 12–15 → Thu 12/03/2026.
    assert_eq!(plus(d(2026, 2, 12), 15), d(2026, 3, 12));
    // Clearance Thu 17/04/2025: Fri 18 = 1; 21–25 = 2–6; Sat 26 (làm bù) = 7; 28–29 = 8–9;
    // 30/04–02/05 off; 05–09/05 = 10–14; Mon 12/05 = 15.
    assert_eq!(plus(d(2025, 4, 17), 15), d(2025, 5, 12));
}

#[test]
fn counting_between_two_dates_skips_the_first_day() {
    let cal = Calendar::shipped();
    assert_eq!(
        cal.working_days_between(d(2025, 1, 24), d(2025, 2, 3)),
        Ok(1)
    );
    assert_eq!(
        cal.working_days_between(d(2026, 2, 12), d(2026, 3, 12)),
        Ok(15)
    );
    assert_eq!(
        cal.working_days_between(d(2026, 3, 12), d(2026, 2, 12)),
        Ok(-15)
    );
    assert_eq!(
        cal.working_days_between(d(2026, 3, 12), d(2026, 3, 12)),
        Ok(0)
    );
    // Thu 07/03/2024 → Sat 09/03/2024 counts 1, like the Friday: durations, not on-time checks.
    assert_eq!(
        cal.working_days_between(d(2024, 3, 7), d(2024, 3, 9)),
        Ok(1)
    );
}

#[test]
fn next_working_day_and_a_zero_day_period() {
    let cal = Calendar::shipped();
    assert_eq!(cal.next_working_day(d(2024, 2, 7)), Ok(d(2024, 2, 15)));
    assert_eq!(cal.next_working_day(d(2026, 1, 9)), Ok(d(2026, 1, 10)));
    // n = 0: the day itself when it is a working day, otherwise the next one.
    assert_eq!(plus(d(2025, 1, 25), 0), d(2025, 2, 3));
    assert_eq!(plus(d(2025, 2, 3), 0), d(2025, 2, 3));
    assert_eq!(plus(d(2026, 1, 10), 0), d(2026, 1, 10));
}

#[test]
fn counting_outside_the_calendar_is_an_error_naming_its_period() {
    let cal = Calendar::shipped();
    let err = cal.add_working_days(d(2027, 12, 31), 1).unwrap_err();
    assert_eq!(
        err,
        CalendarError::OutOfRange {
            date: d(2028, 1, 1),
            covers_from: d(2024, 1, 1),
            covers_to: d(2027, 12, 31),
        }
    );
    let msg = err.to_string();
    assert!(msg.contains("2024-01-01 to 2027-12-31"), "{msg}");
    // Mon 20/12/2027 + 15 would end in January 2028.
    assert!(cal.add_working_days(d(2027, 12, 20), 15).is_err());
    assert!(cal.is_working_day(d(2023, 12, 29)).is_err());
    assert!(cal.next_working_day(d(2027, 12, 31)).is_err());
}

#[test]
fn a_dossier_is_judged_by_the_regime_of_its_registration_date() {
    let regimes = Regimes::shipped();
    let cal = Calendar::shipped();
    let a = regimes.regime_on(d(2026, 6, 30)).unwrap();
    let b = regimes.regime_on(d(2026, 7, 1)).unwrap();
    assert_eq!((a.code.as_str(), b.code.as_str()), ("A", "B"));
    // Registered Tue 30/06/2026 under A: confirmation due Wed 01/07/2026, still under A.
    assert_eq!(
        a.deadline(StepKind::ConfirmRegistration, d(2026, 6, 30), cal),
        Ok(d(2026, 7, 1))
    );
    // Registered Wed 01/07/2026 under B (deadline carried over from A): Thu 02/07/2026.
    assert_eq!(
        b.deadline(StepKind::ConfirmRegistration, d(2026, 7, 1), cal),
        Ok(d(2026, 7, 2))
    );
    // Certificate within 15 working days of clearance on Fri 21/08/2026: Sat 22/08 (làm bù) = 1,
    // 24–28 = 2–6, 31/08–02/09 off, 03–04/09 = 7–8, 07–11 = 9–13, 14–15 = 14–15 → Tue 15/09.
    assert_eq!(
        b.deadline(StepKind::SubmitCertificate, d(2026, 8, 21), cal),
        Ok(d(2026, 9, 15))
    );
    assert_eq!(
        b.deadline(StepKind::ReportMissingCertificate, d(2026, 9, 15), cal),
        Err(DeadlineError::NoDeadline {
            regime: "B".into(),
            step: StepKind::ReportMissingCertificate,
        })
    );
    assert!(matches!(
        b.deadline(StepKind::NotifyResult, d(2027, 12, 31), cal),
        Err(DeadlineError::Calendar(CalendarError::OutOfRange { .. }))
    ));
    assert!(regimes.regime_on(d(2018, 5, 14)).is_err());
}

/// A day of the year as (month, day).
type MonthDay = (u32, u32);

/// Every weekday off and every weekend day worked of a year, from the calendar.
fn exceptions(year: i32) -> (Vec<MonthDay>, Vec<MonthDay>) {
    let cal = Calendar::shipped();
    let (mut off, mut worked) = (Vec::new(), Vec::new());
    let mut day = d(year, 1, 1);
    while day.year() == year {
        let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
        let working = cal.is_working_day(day).unwrap();
        if !weekend && !working {
            off.push((day.month(), day.day()));
        }
        if weekend && working {
            worked.push((day.month(), day.day()));
        }
        day = day.succ_opt().unwrap();
    }
    (off, worked)
}

#[test]
fn each_year_matches_its_notices_day_by_day() {
    #[rustfmt::skip]
    let years: [(i32, &[MonthDay], &[MonthDay]); 4] = [
        (2024, &[
            (1, 1),
            // 5015/TB-LĐTBXH: Tết 08–12/02, 13–14/02 in lieu of Saturday 10 and Sunday 11.
            (2, 8), (2, 9), (2, 12), (2, 13), (2, 14),
            (4, 18),
            // 1570/TB-LĐTBXH: Monday 29/04 swapped for Saturday 04/05.
            (4, 29), (4, 30), (5, 1),
            // 5015/TB-LĐTBXH: the adjacent day is 03/09.
            (9, 2), (9, 3),
        ], &[(5, 4)]),
        (2025, &[
            (1, 1),
            // 6150/TB-BLĐTBXH: Tết 27–31/01.
            (1, 27), (1, 28), (1, 29), (1, 30), (1, 31),
            (4, 7),
            // The same notice: Friday 02/05 swapped for Saturday 26/04; adjacent day 01/09.
            (4, 30), (5, 1), (5, 2),
            (9, 1), (9, 2),
        ], &[(4, 26)]),
        (2026, &[
            // 12729/VPCP-KGVX: Friday 02/01 swapped for Saturday 10/01.
            (1, 1), (1, 2),
            // 9441/TB-BNV: Tết 16–20/02.
            (2, 16), (2, 17), (2, 18), (2, 19), (2, 20),
            // Hùng Kings on Sunday 26/04, in lieu Monday 27/04 (Art. 111(3)).
            (4, 27), (4, 30), (5, 1),
            // 9441/TB-BNV: Monday 31/08 swapped for Saturday 22/08; adjacent day 01/09.
            (8, 31), (9, 1), (9, 2),
            // Nghị quyết 28/2026/QH16.
            (11, 24),
        ], &[(1, 10), (8, 22)]),
        // Unconfirmed: statutory days only (see the file's note).
        (2027, &[
            (1, 1),
            (2, 4), (2, 5), (2, 8), (2, 9), (2, 10),
            (4, 16), (4, 30),
            // 01/05 is a Saturday, in lieu Monday 03/05.
            (5, 3),
            (9, 2), (9, 3),
            (11, 24),
        ], &[]),
    ];
    for (year, off, worked) in years {
        let (found_off, found_worked) = exceptions(year);
        assert_eq!(found_off, off, "{year}: weekdays off");
        assert_eq!(found_worked, worked, "{year}: weekend days worked");
    }
}

#[test]
fn a_bad_row_in_an_edited_calendar_is_reported_at_its_line() {
    // An administrator appends a duplicate of 24/11/2026 and a "make-up" Wednesday.
    let text = format!(
        "{}\n[[day]]\ndate = 2026-11-24\nworking = false\nreason = {{ vi = \"Ngày Văn hóa Việt Nam\", en = \"Vietnamese Culture Day\" }}\nlegal_source = \"NQ 28/2026/QH16\"\nconfidence = \"confirmed\"\n\n[[day]]\ndate = 2026-11-25\nworking = true\nreason = {{ vi = \"Làm bù\", en = \"Make-up day\" }}\nlegal_source = \"x\"\nconfidence = \"confirmed\"\n",
        calibration_profiles::workdays::SHIPPED
    );
    let line_of = |needle: &str| {
        text.lines()
            .enumerate()
            .filter(|(_, l)| l.trim() == needle)
            .map(|(i, _)| i + 1)
            .last()
            .unwrap()
    };
    let rows = Calendar::shipped().rows().count();
    let p = Calendar::from_toml(&text).unwrap_err();
    let got: Vec<(String, Option<usize>)> = p.iter().map(|p| (p.path.clone(), p.line)).collect();
    assert_eq!(
        got,
        vec![
            (
                format!("day[{rows}].date"),
                Some(line_of("date = 2026-11-24"))
            ),
            (
                format!("day[{}].working", rows + 1),
                Some(line_of("working = true"))
            ),
        ],
        "{p}"
    );
}
