//! Property tests: laws the engine must obey for any input, not just the published examples.

use calibration_profiles::calc::{self, CorrelationInput, QuantityInput, UncertaintyRequest};
use calibration_profiles::conformity::{
    Limits, Outcome, Request, Rule, decide, probability_of_conformity,
};
use calibration_profiles::units::Unit;
use proptest::prelude::*;

proptest! {
    /// For a linear model y = Σ aᵢxᵢ the law of propagation reduces to
    /// u²(y) = Σᵢ aᵢ²u²(xᵢ) + 2Σᵢ<ⱼ aᵢaⱼu(xᵢ)u(xⱼ)r(xᵢ,xⱼ) (GUM eq. 13), computed here by hand.
    #[test]
    fn a_linear_model_follows_the_hand_law_of_propagation(
        coeffs in prop::collection::vec(-10.0f64..10.0, 2..6),
        us in prop::collection::vec(0.001f64..5.0, 6),
        r01 in -0.9f64..0.9,
    ) {
        let n = coeffs.len();
        let terms: Vec<String> = coeffs.iter().enumerate().map(|(i, a)| format!("({a})*x{i}")).collect();
        let req = UncertaintyRequest {
            model: Some(format!("y = {}", terms.join(" + "))),
            quantities: (0..n).map(|i| QuantityInput {
                name: format!("x{i}"),
                value: Some(i as f64),
                standard_uncertainty: Some(us[i]),
                ..QuantityInput::default()
            }).collect(),
            correlations: Some(vec![CorrelationInput { a: "x0".into(), b: "x1".into(), r: r01 }]),
            ..UncertaintyRequest::default()
        };
        let r = calc::uncertainty(&req, None).unwrap();
        let mut var: f64 = (0..n).map(|i| (coeffs[i] * us[i]).powi(2)).sum();
        var += 2.0 * coeffs[0] * coeffs[1] * us[0] * us[1] * r01;
        let got = r.outputs[0].result.combined_standard_uncertainty;
        prop_assert!((got - var.sqrt()).abs() <= 1e-9 * (1.0 + var.sqrt()), "{} vs {}", got, var.sqrt());
        for (i, c) in r.outputs[0].result.components.iter().enumerate() {
            let idx: usize = c.name[1..].parse().unwrap();
            prop_assert!((c.sensitivity_coefficient - coeffs[idx]).abs() < 1e-12, "component {}", i);
        }
    }

    /// Converting a value to another unit of the same kind and back returns it.
    #[test]
    fn unit_conversions_round_trip(value in -1.0e6f64..1.0e6, a in 0usize..80, b in 0usize..80) {
        let units: Vec<Unit> = Unit::all().collect();
        let (ua, ub) = (units[a % units.len()], units[b % units.len()]);
        if ua.kind() == ub.kind() {
            let there = ua.convert_value(value, ub).unwrap();
            let back = ub.convert_value(there, ua).unwrap();
            prop_assert!((back - value).abs() <= 1e-9 * (1.0 + value.abs()), "{} {} → {} {} → {}", value, ua, there, ub, back);
        } else {
            prop_assert!(ua.convert_value(value, ub).is_err());
        }
    }

    /// A larger uncertainty never turns a rejection into an acceptance under guarded
    /// acceptance (w = U), never changes a simple-acceptance outcome, and never raises the
    /// probability of conformity of a value inside the limits.
    #[test]
    fn decision_rules_are_monotone_in_u(
        y in -2.0f64..2.0,
        u1 in 0.0f64..0.4,
        extra in 0.0f64..0.4,
    ) {
        let u2 = u1 + extra;
        let limits = Limits::symmetric(0.0, 1.0);
        let req = |u: f64, rule: Rule| Request {
            measured: y, expanded_uncertainty: u, coverage_factor: 2.0, dof: None,
            limits, rule, binary: true,
        };
        let guarded = |u: f64| decide(&req(u, Rule::GuardBand { w: u })).unwrap().outcome;
        if guarded(u1) == Outcome::Fail {
            prop_assert_eq!(guarded(u2), Outcome::Fail);
        }
        let simple = |u: f64| decide(&req(u, Rule::SimpleAcceptance)).unwrap().outcome;
        prop_assert_eq!(simple(u1), simple(u2));
        if y.abs() <= 1.0 {
            let p1 = probability_of_conformity(y, u1 / 2.0, None, limits);
            let p2 = probability_of_conformity(y, u2 / 2.0, None, limits);
            prop_assert!(p2 <= p1 + 1e-12, "p_c rose from {} to {}", p1, p2);
        }
    }
}
