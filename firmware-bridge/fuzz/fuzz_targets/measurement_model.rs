//! Arbitrary text as a measurement model: parse, bind and evaluate without panicking.
#![no_main]

use calibration_profiles::model::Model;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(model) = Model::parse(text) else { return };
    let names: Vec<String> = model.input_names().iter().map(|s| (*s).to_owned()).collect();
    let refs: Vec<&str> = names.iter().map(String::as_str).collect();
    if let Ok(bound) = model.bind(&refs) {
        let values: Vec<f64> = (0..refs.len()).map(|i| 1.0 + i as f64).collect();
        let _ = bound.eval(&values);
    }
});
