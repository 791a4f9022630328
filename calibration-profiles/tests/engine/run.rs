//! The run evaluator against the shipped procedures. Expected values are derived by hand from
//! the published definitions cited at each test (OIML R 76-1 Table 6, R 111-1 Table 1, GUM
//! 4.2.3, F.2.2.1, G.4 and Table G.2), never taken from the code's own output.

use std::collections::BTreeMap;

use calibration_profiles::conformity::Outcome;
use calibration_profiles::profile::ProcedureProfile;
use calibration_profiles::profile::procedure::{ProcedureKind, Source};
use calibration_profiles::run::Params;
use calibration_profiles::run::{
    EnvironmentValue, Failure, ParsedParams, PointInput, PointResult, Reference, ResultKind,
    SHIPPED_PROCEDURES, Service, check_environment, check_params, evaluate_point, evaluate_run,
    nominal, procedure, procedures_for, shipped_problems, shipped_procedures,
};
use calibration_profiles::units::{Quantity, QuantityKind};

use crate::{close, crate_path};

const NAWI: &str = "dlvn-16-2021-nawi-verification";
const PRESSURE: &str = "pressure-gauge-calibration";
const WEIGHTS: &str = "weights-e2-f1-calibration-abba";
const FUEL: &str = "dlvn-10-2017-fuel-dispenser-verification";

fn params(pairs: &[(&str, &str)]) -> Params {
    Params(
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    )
}

fn shipped(id: &str) -> &'static ProcedureProfile {
    procedure(id).unwrap_or_else(|| panic!("{id} is not shipped"))
}

/// Class I balance, Max 220 g, e = 1 mg, d = 0.1 mg (in g, the procedure's unit).
fn nawi() -> (&'static ProcedureProfile, ParsedParams) {
    let p = shipped(NAWI);
    let params = params(&[
        ("max", "220 g"),
        ("e", "1 mg"),
        ("d", "0.1 mg"),
        ("class", "I"),
    ]);
    (p, check_params(p, &params).unwrap())
}

/// An E2 weight set: U = 0.03 mg (k = 2).
fn e2(value: Option<f64>) -> Reference {
    Reference {
        value,
        expanded_uncertainty: 0.000_03,
        coverage_factor: 2.0,
        dof: None,
    }
}

fn input(point: &str, readings: &[f64], reference: Option<Reference>) -> PointInput {
    PointInput {
        point_id: point.into(),
        readings: readings.to_vec(),
        reference,
        environment: BTreeMap::new(),
    }
}

fn line<'a>(r: &'a PointResult, name: &str) -> &'a calibration_profiles::run::BudgetLine {
    r.budget
        .iter()
        .find(|l| l.name == name)
        .unwrap_or_else(|| panic!("no budget line {name}"))
}

/// Relative closeness.
#[track_caller]
fn rel(what: &str, actual: f64, expected: f64, tol: f64) {
    close(what, actual, expected, tol * expected.abs());
}

/// u of half a digit d, rectangular (GUM F.2.2.1): d/(2√3).
fn u_res(d: f64) -> f64 {
    d / (2.0 * 3f64.sqrt())
}

#[test]
fn nawi_points_are_placed_from_max_and_e() {
    let (p, params) = nawi();
    let at = |id: &str| nominal(p, p.points.iter().find(|x| x.id == id).unwrap(), &params).unwrap();
    close("20 e", at("min"), 0.020, 1e-15);
    assert_eq!(at("quarter-max"), 55.0);
    assert_eq!(at("half-max"), 110.0);
    assert_eq!(at("three-quarter-max"), 165.0);
    assert_eq!(at("max"), 220.0);
    close("1/3 Max", at("ecc-centre"), 73.326, 1e-12);
    close("0.8 Max", at("repeat-08-max"), 176.0, 1e-12);
}

/// OIML R 76-1 Table 6, class I, initial verification: ±0.5 e for 0 ≤ m ≤ 50 000 e, ±1 e for
/// 50 000 e < m ≤ 200 000 e, ±1.5 e above. With e = 1 mg: 20 mg → 0.5 mg, 55 g → 1 mg,
/// 220 g → 1.5 mg.
#[test]
fn nawi_mpe_follows_r76_table_6_for_class_i() {
    let (p, params) = nawi();
    let mpe = |id: &str, nominal: f64| {
        let r = evaluate_point(p, &params, &input(id, &[nominal], Some(e2(None)))).unwrap();
        let m = r.mpe.unwrap();
        assert_eq!(
            (m.table.as_str(), m.lower, m.upper),
            ("oiml-r76", m.mpe, m.mpe)
        );
        m.mpe
    };
    close("MPE at 20 mg", mpe("min", 0.020), 0.000_5, 1e-15);
    close("MPE at 55 g", mpe("quarter-max", 55.0), 0.001, 1e-15);
    close("MPE at 220 g", mpe("max", 220.0), 0.001_5, 1e-15);
}

/// The MPE of a weighing instrument belongs to the load applied (R 76-1 Table 6 is by load):
/// 50 g of weights put on for the 1/4 Max point is 50 000 e, still the 0.5 e band.
#[test]
fn a_weighing_mpe_follows_the_load_actually_applied() {
    let (p, params) = nawi();
    let r = evaluate_point(
        p,
        &params,
        &input("quarter-max", &[50.0002], Some(e2(Some(50.0)))),
    )
    .unwrap();
    let m = r.mpe.unwrap();
    assert_eq!(m.at, 50.0);
    close("MPE at 50 g", m.mpe, 0.000_5, 1e-15);
    close("E", r.error, 50.0002 - 50.0, 0.0);
}

/// One reading per load: the reading has u = 0, the two roundings (at load, at zero) carry
/// the digitisation, d/(2√3) each; u(m_ref) = U/k. Every component has ν = ∞, so ν_eff = ∞ and
/// k = t₉₅.₄₅(∞) = 2.000 (GUM Table G.2).
#[test]
fn nawi_budget_with_one_reading_matches_a_hand_computation() {
    let (p, params) = nawi();
    let r = evaluate_point(
        p,
        &params,
        &input("quarter-max", &[55.0003], Some(e2(None))),
    )
    .unwrap();
    assert_eq!(r.error, 55.0003 - 55.0);
    assert_eq!(r.correction, -r.error);
    assert_eq!(r.result_kind, ResultKind::Error);
    assert_eq!(
        (r.indication, r.reference, r.nominal),
        (55.0003, 55.0, 55.0)
    );
    assert_eq!(
        (r.unit.as_str(), r.step.as_deref()),
        ("g", Some("weighing"))
    );

    let u_dig = u_res(0.000_1);
    let u_ref = 0.000_03 / 2.0;
    rel(
        "u(dI_dig_L)",
        line(&r, "dI_dig_L").standard_uncertainty,
        u_dig,
        1e-12,
    );
    rel(
        "u(dI_dig_0)",
        line(&r, "dI_dig_0").standard_uncertainty,
        u_dig,
        1e-12,
    );
    rel(
        "u(m_ref)",
        line(&r, "m_ref").standard_uncertainty,
        u_ref,
        1e-12,
    );
    assert_eq!(line(&r, "I").standard_uncertainty, 0.0);
    // E = I − m_ref + dI_dig_L − dI_dig_0.
    let c = |n: &str| line(&r, n).sensitivity_coefficient;
    assert_eq!(
        (c("I"), c("m_ref"), c("dI_dig_L"), c("dI_dig_0")),
        (1.0, -1.0, 1.0, -1.0)
    );
    assert_eq!(line(&r, "m_ref").source, Source::Standard);
    assert_eq!(
        r.budget.iter().map(|l| l.name.as_str()).collect::<Vec<_>>(),
        ["I", "m_ref", "dI_dig_L", "dI_dig_0"],
        "budget in the model's order"
    );

    // u_c = √(u_ref² + 2·u_dig²) = 4.349 329 45e-5 g.
    let uc = (u_ref * u_ref + 2.0 * u_dig * u_dig).sqrt();
    rel("u_c", r.combined_standard_uncertainty, uc, 1e-9);
    rel("u_c printed", uc, 4.349_329_450e-5, 1e-9);
    assert_eq!(r.effective_dof, None);
    close("k", r.coverage_factor, 2.000, 1e-3);
    rel("U", r.expanded_uncertainty, r.coverage_factor * uc, 1e-12);
    close("p", r.coverage_probability, 0.9545, 0.0);
    assert_eq!(r.spread, None);
    assert_eq!(r.outcome, Some(Outcome::Pass));
    assert!(r.failures.is_empty());
}

#[test]
fn a_point_outside_the_mpe_fails_the_run_and_missing_points_leave_it_incomplete() {
    let (p, params) = nawi();
    let inputs = [
        input("min", &[0.0201], Some(e2(None))), // E = 0.1 mg ≤ 0.5 mg
        input("quarter-max", &[55.0015], Some(e2(None))), // E = 1.5 mg > 1 mg
        input("half-max", &[], Some(e2(None))),  // not captured yet
        input("repeat-08-max", &[176.0; 3], Some(e2(None))), // 3 of 6 readings so far
    ];
    let run = evaluate_run(p, &params, &inputs);
    let outcome = |id: &str| {
        run.points
            .iter()
            .find(|r| r.point_id == id)
            .unwrap()
            .outcome
    };
    assert_eq!(outcome("min"), Some(Outcome::Pass));
    assert_eq!(outcome("quarter-max"), Some(Outcome::Fail));
    let failed = run
        .points
        .iter()
        .find(|r| r.point_id == "quarter-max")
        .unwrap();
    assert!(
        matches!(failed.failures[..], [Failure::Error { .. }]),
        "{:?}",
        failed.failures
    );
    assert_eq!(run.outcome, Some(Outcome::Fail));
    assert!(!run.complete);
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert_eq!(run.points.len(), 2);
    for id in [
        "half-max",
        "three-quarter-max",
        "max",
        "ecc-centre",
        "repeat-08-max",
    ] {
        assert!(
            run.missing.contains(&id.to_owned()),
            "{id} missing: {:?}",
            run.missing
        );
    }
    assert_eq!((run.procedure.as_str(), run.revision), (NAWI, 1));
    assert_eq!(run.engine_version, calibration_profiles::ENGINE_VERSION);
}

#[test]
fn a_complete_passing_run_is_complete_and_passes() {
    let (p, params) = nawi();
    let inputs: Vec<PointInput> = p
        .points
        .iter()
        .map(|pt| {
            let n = nominal(p, pt, &params).unwrap();
            input(&pt.id, &vec![n; pt.repeats as usize], Some(e2(None)))
        })
        .collect();
    let run = evaluate_run(p, &params, &inputs);
    assert!(run.complete, "{run:?}");
    assert_eq!(run.points.len(), p.points.len());
    assert_eq!(run.outcome, Some(Outcome::Pass));
}

#[test]
fn a_run_names_points_it_cannot_evaluate() {
    let (p, params) = nawi();
    let inputs = [
        input("min", &[0.02, 0.02], Some(e2(None))), // one reading expected
        input("nowhere", &[1.0], Some(e2(None))),
        input("max", &[220.0], None), // no reference standard
        input("half-max", &[110.0], Some(e2(None))),
        input("half-max", &[110.0], Some(e2(None))),
    ];
    let run = evaluate_run(p, &params, &inputs);
    let said = |id: &str, text: &str| {
        assert!(
            run.problems
                .iter()
                .any(|(i, m)| i == id && m.contains(text)),
            "{id}: {text} in {:?}",
            run.problems
        );
    };
    said("min", "points.min.readings: expected 1 reading(s), got 2");
    said("nowhere", "not a point of procedure");
    said("max", "points.max.reference: required");
    said("half-max", "given 2 times");
    assert!(run.points.is_empty());
    assert_eq!(run.outcome, None);
    assert!(!run.complete);
}

/// Repeatability at 0.8 Max = 176 g = 176 000 e → MPE 1 e = 1 mg. Errors −0.5, +0.6, 0, +0.2,
/// −0.2, +0.1 mg: each inside ±1 mg, spread 1.1 mg > 1 mg → fail (OIML R 76-1 A.4.10).
/// Type A (GUM 4.2.3): mean 0.0333 mg, s = 0.372 380 mg, s/√6 = 0.152 023 mg, ν = 5;
/// u_c² = (s/√6)² + (0.015 mg)² + 2·(0.1 mg/(2√3))², u_c = 0.158 123 mg;
/// ν_eff = u_c⁴/((s/√6)⁴/5) = 5.85 → 5 (GUM G.4.1 note 1), k = t₉₅.₄₅(5) = 2.65 (Table G.2).
#[test]
fn repeatability_spread_above_the_mpe_fails_although_every_error_is_inside() {
    let (p, params) = nawi();
    let errors_mg = [-0.5, 0.6, 0.0, 0.2, -0.2, 0.1];
    let readings: Vec<f64> = errors_mg.iter().map(|e| 176.0 + e / 1000.0).collect();
    let r = evaluate_point(
        p,
        &params,
        &input("repeat-08-max", &readings, Some(e2(None))),
    )
    .unwrap();

    let mpe = r.mpe.as_ref().unwrap().mpe;
    close("MPE at 176 g", mpe, 0.001, 1e-15);
    for (e, expected) in r.reading_errors.iter().zip(errors_mg) {
        close("reading error", *e, expected / 1000.0, 1e-12);
        assert!(e.abs() <= mpe);
    }
    close("spread", r.spread.unwrap(), 0.001_1, 1e-12);
    close("E (mean)", r.error, 0.033_333_333e-3, 1e-12);

    let ua = line(&r, "I");
    rel("s/√6", ua.standard_uncertainty, 0.152_023_390_0e-3, 1e-9);
    assert_eq!(ua.degrees_of_freedom, Some(5.0));
    rel(
        "u_c",
        r.combined_standard_uncertainty,
        0.158_122_666_9e-3,
        1e-9,
    );
    close("ν_eff", r.effective_dof.unwrap(), 5.852, 1e-3);
    close("k = t(5)", r.coverage_factor, 2.65, 5e-3);

    // The mean error passes the decision; the spread fails the point.
    assert_eq!(r.decision.unwrap().outcome, Outcome::Pass);
    assert_eq!(r.outcome, Some(Outcome::Fail));
    match &r.failures[..] {
        [Failure::Spread { spread, mpe }] => {
            close("spread", *spread, 0.001_1, 1e-12);
            assert_eq!(*mpe, 0.001);
        }
        other => panic!("{other:?}"),
    }

    // The same errors squeezed to a 0.9 mg spread pass.
    let tight: Vec<f64> = errors_mg.iter().map(|e| 176.0 + 0.8 * e / 1000.0).collect();
    let r = evaluate_point(p, &params, &input("repeat-08-max", &tight, Some(e2(None)))).unwrap();
    assert_eq!(r.outcome, Some(Outcome::Pass), "{:?}", r.failures);
}

/// Every result of a verification is judged, not only the mean: +1.2 mg and −1.0 mg average
/// to +0.1 mg, but one weighing is outside ±1 mg.
#[test]
fn a_single_reading_outside_the_mpe_fails_a_verification_point() {
    let p = shipped("dlvn-09-2011-sphygmomanometer-verification");
    let params = check_params(p, &params(&[("d", "1 mmHg")])).unwrap();
    // 150 mmHg read 153.5 rising and 147.5 falling: mean error +0.5 mmHg, MPE 0.4 kPa.
    let r = evaluate_point(
        p,
        &params,
        &input(
            "p150",
            &[153.5, 147.5],
            Some(Reference {
                value: None,
                expanded_uncertainty: 0.3,
                coverage_factor: 2.0,
                dof: None,
            }),
        ),
    )
    .unwrap();
    // 0.4 kPa = 400 Pa / 133.322 387 415 Pa = 3.000 247 mmHg.
    close(
        "MPE",
        r.mpe.as_ref().unwrap().mpe,
        400.0 / 133.322_387_415,
        1e-9,
    );
    assert_eq!(r.decision.unwrap().outcome, Outcome::Pass);
    assert_eq!(r.outcome, Some(Outcome::Fail));
    assert!(
        matches!(r.failures[..], [Failure::Reading { reading: 1, error }] if (error - 3.5).abs() < 1e-12),
        "{:?}",
        r.failures
    );
    // Not a weighing instrument: the spread is reported but is no criterion here.
    close("spread", r.spread.unwrap(), 6.0, 1e-12);
}

/// Pressure gauge 0–10 bar, d = 4 kPa; 20 % point read 201 and 203 kPa against 200.0 kPa
/// (U = 0.2 kPa, k = 2). E = 202 − 200 = 2 kPa, correction −2 kPa. Type A: s = √2 kPa,
/// s/√2 = 1 kPa, ν = 1. u_c² = 1² + 0.1² + (4/(2√3))² + (1/√3)² + (2/√3)² + (0.1/√3)²,
/// u_c = 2.003 331 kPa; ν_eff = u_c⁴/(1⁴/1) = 16.1 → 16, k = t₉₅.₄₅(16) = 2.17 (GUM Table G.2).
#[test]
fn a_pressure_gauge_calibration_reports_correction_and_uncertainty_without_a_verdict() {
    let p = shipped(PRESSURE);
    assert_eq!(p.kind, ProcedureKind::Calibration);
    let params = check_params(p, &params(&[("max", "10 bar"), ("d", "4 kPa")])).unwrap();
    let pt = p.points.iter().find(|x| x.id == "up-20").unwrap();
    assert_eq!(nominal(p, pt, &params).unwrap(), 200.0);
    let reference = Some(Reference {
        value: Some(200.0),
        expanded_uncertainty: 0.2,
        coverage_factor: 2.0,
        dof: None,
    });
    let r = evaluate_point(p, &params, &input("up-20", &[201.0, 203.0], reference)).unwrap();
    assert_eq!(r.unit, "kPa");
    close("E", r.error, 2.0, 1e-12);
    close("correction", r.correction, -2.0, 1e-12);
    assert_eq!(r.result_kind, ResultKind::Error);
    assert_eq!((r.mpe.as_ref(), r.decision, r.outcome), (None, None, None));
    assert!(r.failures.is_empty());
    close(
        "spread (hysteresis-free repeat)",
        r.spread.unwrap(),
        2.0,
        0.0,
    );
    let ua = line(&r, "p_i");
    rel("s/√2", ua.standard_uncertainty, 1.0, 1e-12);
    assert_eq!(ua.degrees_of_freedom, Some(1.0));
    let third = 1.0 / 3f64.sqrt();
    let uc = (1.0f64
        + 0.01
        + u_res(4.0).powi(2)
        + third.powi(2)
        + (2.0 * third).powi(2)
        + (0.1 * third).powi(2))
    .sqrt();
    rel("u_c", uc, 2.003_330_560, 1e-9);
    rel("u_c engine", r.combined_standard_uncertainty, uc, 1e-9);
    close("ν_eff", r.effective_dof.unwrap(), 16.107, 1e-3);
    close("k = t(16)", r.coverage_factor, 2.17, 5e-3);
    rel("U", r.expanded_uncertainty, r.coverage_factor * uc, 1e-12);

    let run = evaluate_run(p, &params, &[input("up-20", &[201.0, 203.0], reference)]);
    assert_eq!(run.outcome, None);
    assert!(!run.complete);
}

/// A calibration with an MPE configured states conformity, non-binary. 1 kg F1 weight
/// against an E2 reference of 1000.000 05 g (U = 0.16 mg, k = 2); ABBA differences 0.10, 0.12,
/// 0.11 mg with the profile's pooled s_p = 0.05 mg (ν = 20): u(dm) = s_p/√3 (GUM 4.2.4).
/// m_x = 1000.000 05 + 0.000 11 g, error from 1 kg = 0.16 mg; R 111-1 Table 1: F1 1 kg MPE
/// 5 mg; guard band w = U (R 111-1 5.2).
/// u_c² = 0.08² + (0.15/√3)² + (0.05/√3)² + (0.05/√3)² + (0.3/√3)² mg², u_c = 0.213 464 mg.
#[test]
fn a_weight_calibration_with_an_mpe_makes_a_non_binary_statement() {
    let p = shipped(WEIGHTS);
    let params = check_params(p, &params(&[("class", "F1")])).unwrap();
    let reference = Some(Reference {
        value: Some(1_000.000_05),
        expanded_uncertainty: 0.000_16,
        coverage_factor: 2.0,
        dof: None,
    });
    let r = evaluate_point(
        p,
        &params,
        &input("kg1", &[0.000_10, 0.000_12, 0.000_11], reference),
    )
    .unwrap();
    assert_eq!(r.nominal, 1000.0);
    assert_eq!(r.result_kind, ResultKind::Value);
    close("m_x", r.result, 1_000.000_16, 1e-9);
    close("error", r.error, 0.000_16, 1e-9);
    let m = r.mpe.as_ref().unwrap();
    close("MPE F1 1 kg", m.mpe, 0.005, 1e-15);
    rel(
        "u(dm)",
        line(&r, "dm").standard_uncertainty,
        0.000_05 / 3f64.sqrt(),
        1e-12,
    );
    assert_eq!(line(&r, "dm").degrees_of_freedom, Some(20.0));
    rel(
        "u_c",
        r.combined_standard_uncertainty,
        0.213_463_502e-3,
        1e-8,
    );
    close("k", r.coverage_factor, 2.00, 1e-3);
    let d = r.decision.unwrap();
    assert_eq!(d.outcome, Outcome::Pass);
    close(
        "acceptance limit",
        d.acceptance_upper.unwrap(),
        0.005 - r.expanded_uncertainty,
        1e-15,
    );
    assert_eq!(r.outcome, Some(Outcome::Pass));

    // 1 g F1: MPE 0.10 mg, below this profile's U; no statement, but the values stand.
    let r = evaluate_point(
        p,
        &params,
        &input("g1", &[0.0, 0.0, 0.0], Some(reference_for(1.0))),
    )
    .unwrap();
    assert_eq!((r.decision, r.outcome), (None, None));
    assert!(r.decision_withheld.unwrap().contains("no acceptance zone"));
    assert!(r.expanded_uncertainty > 0.000_1);
}

fn reference_for(value: f64) -> Reference {
    Reference {
        value: Some(value),
        expanded_uncertainty: 0.000_02,
        coverage_factor: 2.0,
        dof: None,
    }
}

/// E = V_i + dV_res − V_s·(1 + g_s·(t_s − 20)) − dV_men − dV_T with t_s = 25 °C:
/// 20.02 − 20·(1 + 4.8e-5·5) = 0.0152 L; MPE 0.5 % of 20 L = 0.1 L.
#[test]
fn a_fuel_dispenser_point_uses_the_recorded_fuel_temperature() {
    let p = shipped(FUEL);
    let params = check_params(p, &params(&[("d", "0.01 L")])).unwrap();
    let reference = Some(Reference {
        value: None,
        expanded_uncertainty: 0.004,
        coverage_factor: 2.0,
        dof: None,
    });
    let mut inp = input("qmax", &[20.02, 20.02, 20.02], reference);
    let missing = evaluate_point(p, &params, &inp).unwrap_err();
    assert_eq!(missing.0[0].path, "points.qmax.environment.t_s");
    inp.environment.insert(
        "t_s".into(),
        EnvironmentValue {
            value: 25.0,
            standard_uncertainty: 0.2,
        },
    );
    let r = evaluate_point(p, &params, &inp).unwrap();
    close("E", r.error, 20.02 - 20.0 * (1.0 + 4.8e-5 * 5.0), 1e-12);
    close("MPE", r.mpe.as_ref().unwrap().mpe, 0.1, 1e-12);
    // c(t_s) = −V_s·g_s = −9.6e-4 L/°C.
    close(
        "c(t_s)",
        line(&r, "t_s").sensitivity_coefficient,
        -20.0 * 4.8e-5,
        1e-15,
    );
    rel(
        "u(t_s) contribution",
        line(&r, "t_s").contribution,
        20.0 * 4.8e-5 * 0.2,
        1e-12,
    );
    assert_eq!(
        line(&r, "g_s").unit,
        None,
        "a dimensionless coefficient has no unit"
    );
    assert_eq!(r.outcome, Some(Outcome::Pass));
}

#[test]
fn check_params_names_every_unusable_parameter() {
    let p = shipped(NAWI);
    let problems = check_params(
        p,
        &params(&[("max", "two hundred g"), ("d", "0.1 kPa"), ("class", "V")]),
    )
    .unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|x| x.path.as_str()).collect();
    assert_eq!(
        paths,
        ["params.max", "params.e", "params.d", "params.class"],
        "{problems}"
    );
    let text = problems.to_string();
    assert!(
        text.contains("params.e: required field is missing"),
        "{text}"
    );
    assert!(
        text.contains("params.d: `0.1 kPa` is not a mass value"),
        "{text}"
    );
    assert!(text.contains("params.class: `V` is not a class"), "{text}");

    let zero = check_params(
        p,
        &params(&[
            ("max", "220 g"),
            ("e", "0 mg"),
            ("d", "0.1 mg"),
            ("class", "I"),
        ]),
    );
    assert_eq!(zero.unwrap_err().0[0].path, "params.e");

    // Params checked for one procedure are refused by another.
    let (_, nawi_params) = nawi();
    let other = shipped(PRESSURE);
    let e = nominal(other, &other.points[0], &nawi_params).unwrap_err();
    assert_eq!(e.0[0].path, "params");
}

#[test]
fn procedures_are_found_by_category_and_service() {
    let ids = |c: &str, s: Service| -> Vec<&str> {
        procedures_for(c, s).iter().map(|p| p.id.as_str()).collect()
    };
    assert!(ids("analytical-balance", Service::Periodic).contains(&NAWI));
    assert!(ids("analytical-balance", Service::Initial).contains(&NAWI));
    assert!(ids("precision-balance", Service::AfterRepair).contains(&NAWI));
    assert!(!ids("analytical-balance", Service::Calibration).contains(&NAWI));
    assert_eq!(ids("pressure-gauge", Service::Calibration), [PRESSURE]);
    assert!(ids("pressure-gauge", Service::Periodic).is_empty());
    assert!(ids("no-such-category", Service::Initial).is_empty());
    assert_eq!(
        serde_json::to_string(&Service::AfterRepair).unwrap(),
        "\"after_repair\""
    );
}

/// Instrument parameters a technician would type for each shipped procedure.
fn sensible_params(id: &str) -> Params {
    match id {
        "dlvn-01-2019-taximeter-verification" => params(&[("d", "10 m")]),
        "dlvn-09-2011-sphygmomanometer-verification" => params(&[("d", "2 mmHg")]),
        "dlvn-10-2017-fuel-dispenser-verification" => params(&[("d", "0.01 L")]),
        NAWI => params(&[
            ("max", "220 g"),
            ("e", "1 mg"),
            ("d", "0.1 mg"),
            ("class", "I"),
        ]),
        PRESSURE => params(&[("max", "1 MPa"), ("d", "5 kPa")]),
        "thermometer-calibration-bath" => params(&[("d", "0.1 °C")]),
        WEIGHTS => params(&[("class", "E2")]),
        other => panic!("add sensible parameters for the new procedure `{other}`"),
    }
}

#[test]
fn every_procedure_file_is_shipped_and_loads() {
    assert_eq!(shipped_problems(), vec![]);
    assert_eq!(shipped_procedures().len(), SHIPPED_PROCEDURES.len());
    let mut on_disk: Vec<String> = std::fs::read_dir(crate_path("procedures"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("toml"))
        })
        .collect();
    on_disk.sort();
    let mut shipped: Vec<&str> = SHIPPED_PROCEDURES.iter().map(|(n, _)| *n).collect();
    shipped.sort_unstable();
    assert_eq!(on_disk, shipped, "every file in procedures/ is embedded");
    for (name, p) in SHIPPED_PROCEDURES.iter().zip(shipped_procedures()) {
        assert_eq!(format!("{}.toml", p.id), name.0);
        assert!(procedure(&p.id).is_some());
    }
}

/// Every point of every shipped procedure is placed and evaluates with an instrument reading
/// exactly the reference: E = 0 wherever the model is an error.
#[test]
fn every_point_of_every_shipped_procedure_evaluates_with_sensible_params() {
    for p in shipped_procedures() {
        let params =
            check_params(p, &sensible_params(&p.id)).unwrap_or_else(|e| panic!("{}: {e}", p.id));
        let inputs: Vec<PointInput> = p
            .points
            .iter()
            .map(|pt| {
                let n = nominal(p, pt, &params).unwrap_or_else(|e| panic!("{}: {e}", p.id));
                assert!(n.is_finite(), "{} {}", p.id, pt.id);
                let has_standard = p
                    .model
                    .quantities
                    .iter()
                    .any(|q| q.source == Source::Standard);
                let reading = if p.id == WEIGHTS { 0.0 } else { n };
                let mut inp = input(
                    &pt.id,
                    &vec![reading; pt.repeats as usize],
                    has_standard.then_some(Reference {
                        value: None,
                        expanded_uncertainty: n.abs() * 1e-4 + 1e-6,
                        coverage_factor: 2.0,
                        dof: None,
                    }),
                );
                for q in &p.model.quantities {
                    if q.source == Source::Environment {
                        inp.environment.insert(q.name.clone(), 20.0.into());
                    }
                }
                inp
            })
            .collect();
        let run = evaluate_run(p, &params, &inputs);
        assert!(
            run.complete,
            "{}: {:?} {:?}",
            p.id, run.problems, run.missing
        );
        for r in &run.points {
            close(
                &format!("{} {} error", p.id, r.point_id),
                r.error,
                0.0,
                1e-9,
            );
            if p.kind == ProcedureKind::Verification {
                assert_eq!(r.outcome, Some(Outcome::Pass), "{} {}", p.id, r.point_id);
            }
        }
    }
}

/// ĐLVN 16:2021 profile: 15–30 °C, ≤ 80 %RH.
#[test]
fn check_environment_flags_values_outside_and_conditions_not_recorded() {
    let p = shipped(NAWI);
    let c = check_environment(
        p,
        &[(QuantityKind::Temperature, Quantity::parse("35 °C").unwrap())],
    );
    assert_eq!(c.findings.len(), 1);
    assert!(!c.findings[0].within);
    assert_eq!(c.findings[0].max, Some(Quantity::parse("30 °C").unwrap()));
    assert_eq!(c.problems.0[0].path, "environment.humidity");
    assert!(
        c.problems.0[0].message.contains("not recorded"),
        "{}",
        c.problems
    );
    assert!(!c.all_within());

    // Limits are inclusive and units convert: 303.15 K is 30 °C.
    let c = check_environment(
        p,
        &[
            (
                QuantityKind::Temperature,
                Quantity::parse("303.15 K").unwrap(),
            ),
            (QuantityKind::Temperature, Quantity::parse("15 °C").unwrap()),
            (QuantityKind::Humidity, Quantity::parse("80 %RH").unwrap()),
        ],
    );
    assert!(c.all_within(), "{c:?}");
    assert_eq!(c.findings.len(), 3);

    let c = check_environment(
        p,
        &[
            (
                QuantityKind::Temperature,
                Quantity::parse("25 kPa").unwrap(),
            ),
            (QuantityKind::Humidity, Quantity::parse("50 %RH").unwrap()),
        ],
    );
    assert_eq!(c.problems.0[0].path, "environment.temperature");
}

/// A small Type A component beside large Type B ones gives an enormous ν_eff (here ≈ 3·10⁷:
/// u_c ≈ 1.02 mg against u(dm) = 0.05 mg/√3 with ν = 20); k is then the normal 2.000 (GUM Table
/// G.2, ν = ∞) and the evaluation returns at once.
#[test]
fn an_enormous_effective_dof_gives_the_normal_coverage_factor() {
    let p = shipped(WEIGHTS);
    let params = check_params(p, &params(&[("class", "F1")])).unwrap();
    let reference = Some(Reference {
        value: None,
        expanded_uncertainty: 0.002,
        coverage_factor: 2.0,
        dof: None,
    });
    let r = evaluate_point(p, &params, &input("kg1", &[0.0, 0.0, 0.0], reference)).unwrap();
    let up = 0.000_05 / 3f64.sqrt();
    let uc = r.combined_standard_uncertainty;
    rel(
        "ν_eff",
        r.effective_dof.unwrap(),
        uc.powi(4) / (up.powi(4) / 20.0),
        1e-9,
    );
    assert!(r.effective_dof.unwrap() > 1e7);
    close("k", r.coverage_factor, 2.000, 1e-3);
}
