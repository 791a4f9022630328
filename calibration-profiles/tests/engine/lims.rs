//! Test results against methods and limits, worked by hand.
//!
//! Method data used (tables/test-methods.toml): sulfur TCVN 6701 — mg/kg, 0 decimals,
//! LOD 3, LOQ 10, r = 3, U = 10 % of the result; RON TCVN 2703 — 1 decimal, r = 0.2,
//! U = 2·0.7/2.8 = 0.5; benzene TCVN 6703 — % vol, 2 decimals, LOD 0.05, LOQ 0.1, r = 0.04.

use calibration_profiles::conformity::Rule;
use calibration_profiles::lims::{
    Conformity, Limit, Methods, Reporting, ResultError, Specifications, evaluate,
};
use chrono::NaiveDate;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 5, 4).unwrap()
}

fn limit(product: &str, characteristic: &str) -> &'static Limit {
    Specifications::shipped()
        .limit("QCVN 1:2022/BKHCN", day(), product, characteristic)
        .unwrap()
}

fn reps(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn duplicates_within_r_are_averaged_and_judged_against_the_maximum() {
    // (141 + 143) / 2 = 142 mg/kg ≤ 150: conforms; U = 10 % of 142 = 14.2.
    let m = Methods::shipped().get("TCVN 6701:2011").unwrap();
    let e = evaluate(
        m,
        Some(limit("petrol_ron95", "sulfur")),
        &reps(&["141", "143"]),
        Rule::SimpleAcceptance,
    )
    .unwrap();
    assert_eq!(e.text(true), "142");
    assert_eq!(e.conformity, Conformity::Conforms);
    assert!((e.expanded_uncertainty.unwrap() - 14.2).abs() < 1e-9);
    assert!(e.decision_rule.vi.contains("ILAC-G8"));
}

#[test]
fn duplicates_further_apart_than_r_must_be_repeated() {
    // |141 − 145| = 4 > r = 3.
    let m = Methods::shipped().get("TCVN 6701:2011").unwrap();
    let err = evaluate(m, None, &reps(&["141", "145"]), Rule::SimpleAcceptance).unwrap_err();
    assert!(matches!(err, ResultError::Repeatability { .. }), "{err}");
    assert!(err.to_string().contains("repeat the test"), "{err}");
    // Exactly r apart is accepted.
    assert!(evaluate(m, None, &reps(&["141", "144"]), Rule::SimpleAcceptance).is_ok());
}

#[test]
fn a_result_below_the_lod_is_reported_as_less_than_the_lod_and_meets_a_maximum_above_it() {
    // Mean (2 + 2) / 2 = 2 < LOD 3: "< 3", which meets ≤ 150.
    let m = Methods::shipped().get("TCVN 6701:2011").unwrap();
    let e = evaluate(
        m,
        Some(limit("petrol_ron95", "sulfur")),
        &reps(&["2", "2"]),
        Rule::SimpleAcceptance,
    )
    .unwrap();
    assert_eq!(
        (e.reporting, e.text(true)),
        (Reporting::BelowLod, "< 3".to_owned())
    );
    assert_eq!(e.conformity, Conformity::Conforms);
    assert_eq!(e.expanded_uncertainty, None);
    // Between LOD 3 and LOQ 10: "< 10".
    let e = evaluate(m, None, &reps(&["6", "7"]), Rule::SimpleAcceptance).unwrap();
    assert_eq!(
        (e.reporting, e.text(false)),
        (Reporting::BelowLoq, "< 10".to_owned())
    );
    assert_eq!(e.conformity, Conformity::NoLimit);
}

#[test]
fn a_less_than_result_against_a_minimum_fails_only_when_its_bound_proves_it() {
    let m = Methods::shipped().get("TCVN 6701:2011").unwrap();
    let min = |v: f64| Limit {
        characteristic: "sulfur".into(),
        product_types: vec!["x".into()],
        min: Some(v),
        max: None,
        unit: "mg/kg".into(),
        methods: vec!["TCVN 6701:2011".into()],
        clause: "test".into(),
    };
    // "< 3" cannot reach ≥ 5; against ≥ 2 it may or may not.
    let e = evaluate(m, Some(&min(5.0)), &reps(&["1"]), Rule::SimpleAcceptance).unwrap();
    assert_eq!(e.conformity, Conformity::DoesNotConform);
    let e = evaluate(m, Some(&min(2.0)), &reps(&["1"]), Rule::SimpleAcceptance).unwrap();
    assert_eq!(e.conformity, Conformity::Indeterminate);
}

#[test]
fn a_ron_below_the_minimum_does_not_conform_and_guard_bands_narrow_acceptance() {
    // RON (94.8 + 94.9) / 2 = 94.85 → reported 94.9 (one decimal) < 95: does not conform.
    let m = Methods::shipped().get("TCVN 2703:2013").unwrap();
    let l = limit("petrol_ron95", "ron");
    let e = evaluate(m, Some(l), &reps(&["94,8", "94,9"]), Rule::SimpleAcceptance).unwrap();
    assert_eq!(e.text(true), "94,9");
    assert_eq!(e.conformity, Conformity::DoesNotConform);
    // 95.3 meets ≥ 95 under simple acceptance, but not with a guard band w = U = 0.5
    // (acceptance limit 95.5).
    let e = evaluate(m, Some(l), &reps(&["95,3"]), Rule::SimpleAcceptance).unwrap();
    assert_eq!(e.conformity, Conformity::Conforms);
    let u = e.expanded_uncertainty.unwrap();
    assert!((u - 0.5).abs() < 1e-12);
    let e = evaluate(m, Some(l), &reps(&["95,3"]), Rule::GuardBand { w: u }).unwrap();
    assert_eq!(e.conformity, Conformity::DoesNotConform);
}

#[test]
fn a_limit_for_another_method_or_unit_is_refused_and_bad_numbers_are_named() {
    let ron = Methods::shipped().get("TCVN 2703:2013").unwrap();
    let err = evaluate(
        ron,
        Some(limit("petrol_ron95", "sulfur")),
        &reps(&["95"]),
        Rule::SimpleAcceptance,
    )
    .unwrap_err();
    assert!(matches!(err, ResultError::UnitMismatch { .. }), "{err}");
    let err = evaluate(ron, None, &reps(&["95", "abc"]), Rule::SimpleAcceptance).unwrap_err();
    assert_eq!(err.to_string(), "replicates[1]: `abc` is not a number");
    assert_eq!(
        evaluate(ron, None, &[], Rule::SimpleAcceptance).unwrap_err(),
        ResultError::NoReplicate
    );
}

#[test]
fn the_shipped_tables_load_and_every_limit_names_a_shipped_method_in_its_unit() {
    let methods = Methods::shipped();
    for spec in &Specifications::shipped().specification {
        for l in &spec.limit {
            for id in &l.methods {
                let m = methods
                    .get(id)
                    .unwrap_or_else(|| panic!("{}: method {id} is not shipped", spec.id));
                assert_eq!(m.unit, l.unit, "{} {}", spec.id, l.characteristic);
                assert_eq!(m.characteristic, l.characteristic, "{} {id}", spec.id);
            }
        }
    }
    assert!(Specifications::shipped().sample_type("petrol").is_some());
}

#[test]
fn a_bad_methods_file_names_every_problem() {
    let err = Methods::from_toml(
        "schema_version = 1\n[[method]]\nid = \"X\"\nname = { vi = \"x\", en = \"x\" }\ncharacteristic = \"c\"\nunit = \"mg/kg\"\ndecimals = 1\nlod = 5.0\nloq = 2.0\nuncertainty = { relative_percent = -1.0 }\nsource = \"s\"\nconfidence = \"unconfirmed\"\n",
    )
    .unwrap_err()
    .to_string();
    assert!(err.contains("method[0].loq"), "{err}");
    assert!(err.contains("method[0].uncertainty"), "{err}");
}
