//! Generated artefacts stay in step with the code: the committed JSON Schemas equal what the
//! types generate, and the frozen reference files of every format still load.
//! Run with `UPDATE_SCHEMAS=1` to rewrite the committed schemas after a deliberate change.

use calibration_profiles::profile::{FileKind, schemas};

use crate::crate_path;

#[test]
fn committed_json_schemas_match_the_types() {
    let dir = crate_path("schema");
    let update = std::env::var_os("UPDATE_SCHEMAS").is_some();
    let mut drift = Vec::new();
    for (name, text) in schemas() {
        let path = dir.join(name);
        if update {
            std::fs::write(&path, &text).unwrap();
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(committed) if committed == text => {}
            _ => drift.push(name),
        }
    }
    assert!(
        drift.is_empty(),
        "schemas out of date: {drift:?}; rerun with UPDATE_SCHEMAS=1 and commit calibration-profiles/schema/"
    );
}

#[test]
fn frozen_version_1_reference_files_still_load() {
    let dir = crate_path("reference/v1");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let rel = path
            .strip_prefix(&dir)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        // Reference files are named after the directory they would live in.
        let kind = match rel.split('.').next().unwrap_or_default() {
            k if k.starts_with("procedure") => FileKind::Procedure,
            k if k.starts_with("instrument") => FileKind::Instrument,
            k if k.starts_with("mpe") => FileKind::MpeTable,
            k if k.starts_with("cycles") => FileKind::Cycles,
            _ => continue,
        };
        let text = std::fs::read_to_string(&path).unwrap();
        if let Err(p) = kind.check(&text) {
            panic!("{rel} no longer loads:\n{p}");
        }
        count += 1;
    }
    assert!(
        count >= 4,
        "expected reference files of all four kinds, found {count}"
    );
}

/// The embedded list of instrument profiles names every file of `instruments/`, each valid.
#[test]
fn every_instrument_profile_is_shipped_and_valid() {
    use calibration_profiles::profile::{SHIPPED_INSTRUMENTS, shipped_instrument};
    let mut on_disk: Vec<String> = std::fs::read_dir(crate_path("instruments"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| {
            std::path::Path::new(n)
                .extension()
                .is_some_and(|e| e == "toml")
        })
        .collect();
    on_disk.sort();
    let mut shipped: Vec<String> = SHIPPED_INSTRUMENTS
        .iter()
        .map(|(n, _)| (*n).to_owned())
        .collect();
    shipped.sort();
    assert_eq!(on_disk, shipped);
    for name in shipped {
        let id = name.trim_end_matches(".toml");
        if let Err(p) = shipped_instrument(id).unwrap() {
            panic!("{name}:\n{p}");
        }
    }
}
