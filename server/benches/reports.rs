//! The yearly report on years of data (`bash server/bench/run.sh reports`): a file SQLite
//! database (WAL, synchronous=FULL, as the store opens it) holding 20,000 import dossiers
//! (imported through the store, as a history import does), 5,000 reported samples and 30,000
//! test results; then the report — the three grouped figures and the XLSX workbook — is made
//! `TDC_BENCH_REPORT_RUNS` times (default 20). Printed side by side: the best and median time
//! of the report, and the baseline, a plain `COUNT(*)` over the same three tables in the same
//! run. Target: well under a second on SQLite.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::{NaiveDate, Utc};
use server::store::Store;
use server::store::dossiers::{Dossier, DossierStep};
use uuid::Uuid;

const CHANNELS: [&str; 3] = [
    "one_stop_counter",
    "provincial_portal",
    "national_single_window",
];
const TYPES: [&str; 6] = [
    "petrol",
    "diesel",
    "helmet",
    "food",
    "electrical",
    "construction_material",
];

fn day(year: i32, n: usize) -> NaiveDate {
    let ordinal = u32::try_from(n % 250).unwrap_or(0) + 10;
    NaiveDate::from_yo_opt(year, ordinal).expect("a day of the year")
}

fn dossier(i: usize) -> (Dossier, Vec<DossierStep>) {
    let year = 2020 + i32::try_from(i % 6).unwrap_or(0);
    let id = Uuid::now_v7();
    let registered_on = day(year, i);
    let now = Utc::now();
    let d = Dossier {
        import_dossier_id: id,
        number: format!("{i:06}/{year}/ĐKNK"),
        channel: CHANNELS[(i / 6) % 3].into(),
        external_ref: None,
        regime: "A".into(),
        registered_on,
        importer_name: format!("Công ty {}", i % 640),
        importer_tax_code: format!("49{:08}", i % 640),
        importer_address: String::new(),
        importer_organisation_id: None,
        entry_gate: "Hữu Nghị".into(),
        customs_declaration: String::new(),
        goods: "[]".into(),
        hs_code: "6506.10.10".into(),
        regulation: "QCVN 2:2021/BKHCN".into(),
        documents: "[]".into(),
        certificate_number: Some(format!("G{i}")),
        certificate_issuer: None,
        certificate_date: None,
        customs_cleared_on: Some(registered_on),
        complete_file_on: Some(registered_on),
        status: "decided".into(),
        outcome: Some("meets".into()),
        outcome_detail: None,
        decided_on: Some(registered_on),
        on_time: Some(!i.is_multiple_of(50)),
        created_by: "bench".into(),
        created_at: now,
        updated_at: now,
    };
    let steps = vec![DossierStep {
        import_dossier_id: id,
        step: "notify_result".into(),
        due_on: Some(registered_on),
        done_on: Some(registered_on),
        done_by: Some("bench".into()),
    }];
    (d, steps)
}

async fn seed_samples(store: &Store, samples: usize, tests_per_sample: usize) {
    let mut sql = String::from("BEGIN;");
    for i in 0..samples {
        let year = 2020 + i % 6;
        let on = day(i32::try_from(year).unwrap_or(2020), i);
        let id = Uuid::now_v7();
        let conformity = if i % 7 == 0 {
            "does_not_conform"
        } else {
            "conforms"
        };
        let _ = write!(
            sql,
            "INSERT INTO sample (sample_id, code, portion, sample_type, name, quantity, condition, requester_name, received_on, received_by, location, holder, status, conformity, reported_on, created_at, updated_at) \
             VALUES (x'{}', 'B{i:06}', 'main', '{}', 'Mẫu', '1', 'Nguyên vẹn', 'Sở', '{on}', 'bench', 'Kho', 'bench', 'reported', '{conformity}', '{on}', '{now}', '{now}');",
            id.simple(),
            TYPES[(i / 6) % TYPES.len()],
            now = Utc::now().to_rfc3339(),
        );
        for t in 0..tests_per_sample {
            let _ = write!(
                sql,
                "INSERT INTO sample_test (sample_test_id, sample_id, characteristic, method_id, analyst, status, reported, conformity, created_at) \
                 VALUES (x'{}', x'{}', 'c{t}', 'TCVN {t}', 'bench', 'resulted', '1,0', 'conforms', '{}');",
                Uuid::now_v7().simple(),
                id.simple(),
                Utc::now().to_rfc3339(),
            );
        }
    }
    sql.push_str("COMMIT;");
    store.exec_admin(&sql).await.expect("seed samples");
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let runs = std::env::var("TDC_BENCH_REPORT_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20usize)
        .max(1);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("reports.sqlite").display());
        let store = Store::open(&url).await.expect("store");
        let t = Instant::now();
        let dossiers: Vec<_> = (0..20_000).map(dossier).collect();
        store
            .import_dossiers("bench", &dossiers, "bench", &mut |_, _| {})
            .await
            .expect("dossiers");
        seed_samples(&store, 5_000, 6).await;
        println!("seeded 20,000 dossiers, 5,000 samples, 30,000 results in {:.1} s", t.elapsed().as_secs_f64());

        let mut report = Vec::new();
        let mut baseline = Vec::new();
        for _ in 0..runs {
            let t = Instant::now();
            store.exec_admin("SELECT COUNT(*) FROM import_dossier; SELECT COUNT(*) FROM sample; SELECT COUNT(*) FROM sample_test;").await.expect("count");
            baseline.push(t.elapsed());
            let t = Instant::now();
            let (instruments, samples, dossiers) = tokio::try_join!(
                store.instrument_figures(2020, 2025),
                store.sample_figures(2020, 2025),
                store.dossier_figures(2020, 2025),
            )
            .expect("figures");
            let r = server::http::reports::YearlyReport { from: 2020, to: 2025, instruments, samples, dossiers };
            let bytes = server::http::reports::workbook(&r).expect("workbook");
            report.push(t.elapsed());
            assert!(bytes.len() > 1000 && r.dossiers.len() == 18 && r.samples.len() == 36);
        }
        let ms = |d: Duration| d.as_secs_f64() * 1e3;
        let (best, med) = (report.iter().min().copied().unwrap_or_default(), median(report));
        let (bbest, bmed) = (baseline.iter().min().copied().unwrap_or_default(), median(baseline));
        println!("yearly report 2020–2025 (3 figures + XLSX), {runs} runs on SQLite:");
        println!("  report:   best {:8.2} ms   median {:8.2} ms   target < 1000 ms: {}", ms(best), ms(med), if med < Duration::from_secs(1) { "met" } else { "NOT met" });
        println!("  baseline: best {:8.2} ms   median {:8.2} ms   (COUNT(*) of the three tables)", ms(bbest), ms(bmed));
        #[allow(clippy::cast_precision_loss)]
        let ratio = med.as_secs_f64() / bmed.as_secs_f64().max(1e-9);
        println!("  ratio report / baseline (median): {ratio:.1}×");
        store.close().await;
    });
}
