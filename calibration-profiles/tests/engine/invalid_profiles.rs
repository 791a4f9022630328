//! One invalid fixture per validation rule (`tests/fixtures/invalid/**`, made by
//! `tests/fixtures/generate.py` from valid base files with one defect each). Every fixture
//! states the path it must be reported at; the loader must name that path, give the line, and
//! must not stop at the first problem.

use calibration_profiles::profile::FileKind;

use crate::crate_path;

#[test]
fn every_invalid_fixture_reports_its_path() {
    let root = crate_path("tests/fixtures/invalid");
    let mut checked = 0;
    let mut failures = Vec::new();
    for sub in ["procedures", "instruments", "mpe"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(sub))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let header = |key: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(&format!("# {key}: ")))
                    .map(str::to_owned)
            };
            let expect = header("expect").expect("fixture names its expected path");
            let message = header("message");
            let rel = format!("{sub}/{}", path.file_name().unwrap().to_string_lossy());
            let kind = FileKind::from_path(&rel).unwrap();
            checked += 1;
            match kind.check(&text) {
                Ok(_) => failures.push(format!("{rel}: loaded without problems")),
                Err(problems) => {
                    let hit = problems.iter().find(|p| {
                        p.path == expect
                            && message
                                .as_ref()
                                .is_none_or(|m| p.message.contains(m.as_str()))
                    });
                    match hit {
                        None => failures.push(format!(
                            "{rel}: expected `{expect}` ({message:?}), got:\n{problems}"
                        )),
                        Some(p) if p.line.is_none() => {
                            failures.push(format!("{rel}: `{expect}` has no line"));
                        }
                        Some(_) => {}
                    }
                }
            }
        }
    }
    assert!(checked >= 60, "only {checked} fixtures found");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn several_problems_are_reported_together() {
    let base = std::fs::read_to_string(crate_path("tests/fixtures/base-procedure.toml")).unwrap();
    let text = base
        .replacen("revision = 1", "revision = 0", 1)
        .replacen("table = \"oiml-r76\"", "table = \"nope\"", 1)
        .replacen("repeats = 3", "repeats = 0", 1);
    let problems = FileKind::Procedure.check(&text).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert!(
        paths.contains(&"revision")
            && paths.contains(&"mpe.table")
            && paths.contains(&"points[2].repeats"),
        "{problems}"
    );

    // Structural problems come back together too.
    let text = base
        .replacen("kind = \"verification\"", "kind = \"inspection\"", 1)
        .replacen("id = \"half\"\n", "id = \"half\"\ncolour = 1\n", 1);
    let problems = FileKind::Procedure.check(&text).unwrap_err();
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["kind", "points[1].colour"], "{problems}");
}
