//! Lot verdicts of prepackaged goods worked by hand. All lots: Qn = 250 g, N = 400, so the
//! plan gives n = 50, k = 0.379, c = 3 packages allowed below Qn − T; T = 9 g (Table 1:
//! 200–300 g → 9 g), T1 limit 241 g, T2 limit 232 g.

use calibration_profiles::prepackaged::{LotInput, Tare, lot_verdict};

fn lot(net: Vec<f64>) -> LotInput {
    LotInput {
        nominal: "250 g".into(),
        lot_size: 400,
        net: Some(net),
        gross: None,
        tare: None,
    }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn a_good_lot_passes_both_criteria() {
    // 25 × 252 g and 25 × 250 g: x̄ = 251, s = √(50/49) = 1.0102, Qn − k·s = 249.617.
    let mut net = vec![252.0; 25];
    net.extend(vec![250.0; 25]);
    let v = lot_verdict(&lot(net)).unwrap();
    assert_eq!((v.sample_size, v.allowed_below_t1), (50, 3));
    assert!(close(v.mean, 251.0, 1e-12) && close(v.standard_deviation, 1.010_152, 1e-6));
    assert!(close(v.mean_limit, 249.617_14, 1e-4), "{}", v.mean_limit);
    assert_eq!(
        (v.tolerable_deficiency, v.t1_limit, v.t2_limit),
        (9.0, 241.0, 232.0)
    );
    assert!(v.mean_criterion_met);
    assert_eq!((v.below_t1, v.below_t2, v.outcome.as_str()), (0, 0, "pass"));
}

#[test]
fn a_lot_that_fails_only_the_mean_criterion() {
    // 25 × 248 g and 25 × 246 g: every package above 241 g, but x̄ = 247 < 249.617.
    let mut net = vec![248.0; 25];
    net.extend(vec![246.0; 25]);
    let v = lot_verdict(&lot(net)).unwrap();
    assert!(close(v.mean, 247.0, 1e-12));
    assert!(!v.mean_criterion_met);
    assert_eq!((v.below_t1, v.below_t2), (0, 0));
    assert_eq!(v.outcome, "fail");
}

#[test]
fn a_lot_that_fails_only_the_individual_criterion() {
    // 46 × 255 g and 4 × 240 g: x̄ = 12690 / 50 = 253.8; Σ(x − x̄)² = 46·1.44 + 4·190.44 = 828,
    // s = √(828/49) = 4.110713, Qn − k·s = 248.442 ≤ 253.8: the mean criterion holds, but 4
    // packages are below 241 g where 3 are allowed.
    let mut net = vec![255.0; 46];
    net.extend(vec![240.0; 4]);
    let v = lot_verdict(&lot(net)).unwrap();
    assert!(close(v.mean, 253.8, 1e-9) && close(v.standard_deviation, 4.110_713, 1e-6));
    assert!(v.mean_criterion_met);
    assert_eq!((v.below_t1, v.below_t2), (4, 0));
    assert_eq!(v.outcome, "fail");
    // Three such packages are allowed.
    let mut net = vec![255.0; 47];
    net.extend(vec![240.0; 3]);
    assert_eq!(lot_verdict(&lot(net)).unwrap().outcome, "pass");
}

#[test]
fn one_package_below_qn_minus_2t_fails_the_lot() {
    // 49 × 252 g and one 230 g (< 232): x̄ = 251.56, s = √(474.32/49) = 3.1113, mean holds,
    // one T1 error is allowed, but a T2 error never is.
    let mut net = vec![252.0; 49];
    net.push(230.0);
    let v = lot_verdict(&lot(net)).unwrap();
    assert!(v.mean_criterion_met);
    assert_eq!((v.below_t1, v.below_t2, v.outcome.as_str()), (1, 1, "fail"));
}

#[test]
fn gross_and_tare_give_the_net_contents() {
    // 262 g gross with an average tare of 11 g: 251 g each.
    let input = LotInput {
        nominal: "250 g".into(),
        lot_size: 400,
        net: None,
        gross: Some(vec![262.0; 50]),
        tare: Some(Tare::Average(11.0)),
    };
    let v = lot_verdict(&input).unwrap();
    assert!(close(v.mean, 251.0, 1e-9));
    assert_eq!(v.outcome, "pass");
    let mismatched = LotInput {
        tare: Some(Tare::Each(vec![11.0; 49])),
        ..input
    };
    let err = lot_verdict(&mismatched).unwrap_err().to_string();
    assert!(err.contains("49 tares for 50 gross quantities"), "{err}");
}

#[test]
fn a_sample_of_the_wrong_size_says_the_size_required() {
    let err = lot_verdict(&lot(vec![251.0; 20])).unwrap_err().to_string();
    assert!(
        err.contains("net: a sample of 20 packages; a lot of 400 needs 50"),
        "{err}"
    );
    // A larger lot needs 80.
    let mut big = lot(vec![251.0; 50]);
    big.lot_size = 1000;
    let err = lot_verdict(&big).unwrap_err().to_string();
    assert!(err.contains("needs 80"), "{err}");
    // Under 100 packages there is no plan.
    let mut small = lot(vec![251.0; 50]);
    small.lot_size = 60;
    assert!(
        lot_verdict(&small)
            .unwrap_err()
            .to_string()
            .contains("lot_size")
    );
}

#[test]
fn a_litre_nominal_is_judged_in_litres() {
    // 1 L → T = 15 mL = 0.015 L (Table 1: 500–1000 mL → 15 mL).
    let input = LotInput {
        nominal: "1 L".into(),
        lot_size: 400,
        net: Some(vec![1.002; 50]),
        gross: None,
        tare: None,
    };
    let v = lot_verdict(&input).unwrap();
    assert!(
        close(v.tolerable_deficiency, 0.015, 1e-12),
        "{}",
        v.tolerable_deficiency
    );
    assert_eq!(v.outcome, "pass");
}
