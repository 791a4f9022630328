//! The `tdc-calc` binary as a user runs it: JSON in (file or standard input), JSON out, clear
//! messages and a non-zero status for bad input, never a panic.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::crate_path;

fn tdc_calc(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tdc-calc"))
        .args(args)
        .current_dir(crate_path(""))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "failed: {}", stderr(o));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// A bad input exits non-zero with the message and without a panic.
#[track_caller]
fn rejects(args: &[&str], stdin: &str, fragment: &str) {
    let o = tdc_calc(args, Some(stdin));
    let err = stderr(&o);
    assert_eq!(o.status.code(), Some(2), "status for {stdin}: {err}");
    assert!(err.contains(fragment), "expected `{fragment}` in:\n{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn uncertainty_reads_standard_input_and_prints_the_public_shape() {
    let o = tdc_calc(
        &["uncertainty", "-"],
        Some(
            r#"{"model": "y = a * b", "quantities": [
            {"name": "a", "value": 2, "standard_uncertainty": 0.1},
            {"name": "b", "readings": [2.9, 3.0, 3.1]}]}"#,
        ),
    );
    let v = json(&o);
    let out = &v["outputs"][0];
    for field in [
        "name",
        "value",
        "combined_standard_uncertainty",
        "effective_degrees_of_freedom",
        "coverage_factor",
        "expanded_uncertainty",
        "components",
    ] {
        assert!(
            !out[field].is_null() || field == "effective_degrees_of_freedom",
            "missing {field}: {out}"
        );
    }
    assert_eq!(out["value"], 6.0);
    let c = &out["components"][0];
    for field in ["name", "sensitivity_coefficient", "contribution"] {
        assert!(!c[field].is_null(), "missing {field}");
    }
    assert!(v["correlations"].is_array());
}

#[test]
fn monte_carlo_adds_a_coverage_interval_per_output() {
    let o = tdc_calc(
        &[
            "uncertainty",
            "examples/gum-h2-impedance.json",
            "--monte-carlo",
            "20000",
            "--seed",
            "3",
        ],
        None,
    );
    let v = json(&o);
    for out in v["outputs"].as_array().unwrap() {
        let mc = &out["monte_carlo"];
        assert_eq!(mc["trials"], 20000);
        assert_eq!(mc["coverage_interval"].as_array().unwrap().len(), 2);
        assert!(mc["standard_uncertainty"].as_f64().unwrap() > 0.0);
    }
}

#[test]
fn tables_are_printed_for_people() {
    let o = tdc_calc(
        &["uncertainty", "examples/ea-4-02-s2-weight.json", "--table"],
        None,
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("m_x = 10000.025"), "{text}");
    assert!(text.contains("u_i(y)"), "{text}");
    // The Monte Carlo line keeps the decimals the uncertainty needs (not "[10000, 10000]").
    let o = tdc_calc(
        &[
            "uncertainty",
            "examples/ea-4-02-s2-weight.json",
            "--table",
            "--monte-carlo",
            "20000",
        ],
        None,
    );
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("interval [9999.9"), "{text}");
}

#[test]
fn bad_uncertainty_input_names_the_field() {
    rejects(
        &["uncertainty", "-"],
        r#"{"model": "y = a + z", "quantities": [{"name": "a", "value": 1, "standard_uncertainty": 0.1}]}"#,
        "model: unknown quantity `z`",
    );
    rejects(
        &["uncertainty", "-"],
        r#"{"model": "y = a", "quantities": [{"name": "a", "value": 1, "standard_uncertainty": -0.1}]}"#,
        "quantities[0].standard_uncertainty: must be a finite number ≥ 0",
    );
    rejects(
        &["uncertainty", "-"],
        r#"{"model": "y = a"}"#,
        "quantities: required field is missing",
    );
    rejects(
        &["uncertainty", "-"],
        r#"{"model": "y = a", "quantities": [{"name": "a", "value": 1, "standard_uncertainty": 0.1, "colour": 1}]}"#,
        "quantities[0].colour: unknown field",
    );
    rejects(
        &["uncertainty", "-"],
        r#"{"model": "y = a", "quantities": [{"name": "a", "value": 1, "distribution": "rectangular"}]}"#,
        "quantities[0].half_width: required with distribution",
    );
    rejects(
        &["uncertainty", "-"],
        r#"{"model": "y = sqrt(a", "quantities": [{"name": "a", "value": 1, "standard_uncertainty": 0.1}]}"#,
        "model: expected `)`",
    );
    rejects(&["uncertainty", "-"], "{not json", "not valid JSON");
    rejects(
        &["uncertainty", "-"],
        r#"{"model": "y = ln(a)", "quantities": [{"name": "a", "value": -1, "standard_uncertainty": 0.1}]}"#,
        "not defined at the input estimates",
    );
}

#[test]
fn regression_and_decide_share_the_public_shapes() {
    let v = json(&tdc_calc(
        &["regression", "examples/gum-h3-thermometer.json"],
        None,
    ));
    for field in [
        "intercept",
        "slope",
        "u_intercept",
        "u_slope",
        "correlation",
        "residual_standard_deviation",
        "degrees_of_freedom",
    ] {
        assert!(v[field].is_number(), "missing {field}");
    }
    assert_eq!(v["prediction"]["x0"], 10.0);
    let v = json(&tdc_calc(
        &["decide", "examples/ilac-g8-guard-band.json"],
        None,
    ));
    assert_eq!(v["outcome"], "conditional_pass");
    assert!(v["probability_of_conformity"].is_number());
    rejects(
        &["regression", "-"],
        r#"{"x": [1, 2], "y": [1, 2]}"#,
        "at least 3 points",
    );
    rejects(
        &["decide", "-"],
        r#"{"measured": 1, "expanded_uncertainty": 0.1, "rule": "guard_band"}"#,
        "guard_band: required",
    );
    rejects(
        &["decide", "-"],
        r#"{"measured": 1, "expanded_uncertainty": 0.1, "rule": "simple_acceptance"}"#,
        "give at least one specification limit",
    );
}

#[test]
fn mpe_lookups_cite_their_source() {
    // OIML R 111-1:2004 Table 1: 1 kg class E2 → 1.6 mg.
    let v = json(&tdc_calc(
        &[
            "mpe",
            "--table",
            "oiml-r111",
            "--class",
            "E2",
            "--nominal",
            "1 kg",
        ],
        None,
    ));
    assert_eq!(v["mpe"], 1.6);
    assert_eq!(v["unit"], "mg");
    assert!(v["source"].as_str().unwrap().contains("R 111"));
    // OIML R 76 class III, e = 0.5 g, 1200 g (2400 e) in service: 2 × 1.5 e = 1.5 g.
    let v = json(&tdc_calc(
        &[
            "mpe",
            "--table",
            "oiml-r76",
            "--class",
            "III",
            "--e",
            "0.5 g",
            "--load",
            "1200 g",
            "--stage",
            "in-service",
        ],
        None,
    ));
    assert_eq!(v["mpe"], 1.5);
    assert_eq!(v["unit"], "g");
    // OIML R 87 Table 1: Qn = 500 g → T = 3 % = 15 g.
    let v = json(&tdc_calc(
        &["mpe", "--table", "oiml-r87", "--nominal", "500 g"],
        None,
    ));
    assert_eq!(v["mpe"], 15.0);
    let o = tdc_calc(&["mpe", "--table", "oiml-r999", "--nominal", "1 kg"], None);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("table: unknown MPE table `oiml-r999`"),
        "{}",
        stderr(&o)
    );
    let o = tdc_calc(
        &[
            "mpe", "--table", "oiml-r76", "--class", "III", "--load", "1 kg",
        ],
        None,
    );
    assert!(stderr(&o).contains("e: required"), "{}", stderr(&o));
}

#[test]
fn profiles_check_passes_the_shipped_tree_and_fails_the_fixtures() {
    let o = tdc_calc(&["profiles", "check", "."], None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("all valid"), "{out}");

    let o = tdc_calc(&["profiles", "check", "tests/fixtures/invalid"], None);
    let out = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("procedures/point-unknown-mpe.toml:"), "{out}");
    assert!(
        out.contains("points[2].mpe: unknown table `oiml-r999`"),
        "{out}"
    );
}

#[test]
fn prepackaged_judges_a_lot_and_names_the_sample_size_required() {
    let mut net: Vec<String> = vec!["255".into(); 46];
    net.extend(vec!["240".to_owned(); 4]);
    let input = format!(
        r#"{{"nominal": "250 g", "lot_size": 400, "net": [{}]}}"#,
        net.join(", ")
    );
    let v = json(&tdc_calc(&["prepackaged", "-"], Some(&input)));
    assert_eq!(v["outcome"], "fail");
    assert_eq!(v["below_t1"], 4);
    assert_eq!(v["mean_criterion_met"], true);
    assert_eq!(v["sample_size"], 50);
    assert!(v["source"].as_str().unwrap().contains("OIML R 87"));
    let short = tdc_calc(
        &["prepackaged", "-"],
        Some(r#"{"nominal": "250 g", "lot_size": 400, "net": [251, 250]}"#),
    );
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("a lot of 400 needs 50"),
        "{}",
        stderr(&short)
    );
    let unknown = tdc_calc(
        &["prepackaged", "-"],
        Some(r#"{"nominal": "250 g", "lot_size": 400, "nett": []}"#),
    );
    assert!(!unknown.status.success());
    assert!(stderr(&unknown).contains("nett"), "{}", stderr(&unknown));
}
